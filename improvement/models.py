from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from accounts.models import Team
from common.models import ArchivableModel, TimeStampedModel
from kpis.models import Kpi

SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
# On the 1–5 scales, 3 and above counts as high impact (value) or high effort (difficulty).
HIGH_SCORE = 3


class Stage(models.TextChoices):
    PLAN = "plan", "Plan"
    DO = "do", "Do"
    CHECK = "check", "Check"
    ACT = "act", "Act"


STAGE_ORDER = [Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT]


class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    STANDARDISED = "standardised", "Standardised"
    ABANDONED = "abandoned", "Abandoned"


class Health(models.TextChoices):
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"


class Category(models.TextChoices):
    RESPONSE_SPEED = "response_speed", "Response speed"
    PROCESS_SIMPLIFICATION = "process_simplification", "Process simplification"
    PERSONALISATION = "personalisation", "Personalisation"
    SELF_SERVICE = "self_service", "Self-service"
    KNOWLEDGE_BASE = "knowledge_base", "Knowledge base"
    STAFFING_TRAINING = "staffing_training", "Staffing and training"
    QUALITY_ASSURANCE = "quality_assurance", "Quality assurance"
    OTHER = "other", "Other"


class BreakpointType(models.TextChoices):
    INTERACTION = "interaction", "Interaction"
    PROCESS = "process", "Process"
    TECHNICAL = "technical", "Technical"


class Quadrant(models.TextChoices):
    QUICK_WIN = "quick_win", "Quick win"
    MAJOR_PROJECT = "major_project", "Major project"
    FILL_IN = "fill_in", "Fill-in"
    THANKLESS = "thankless", "Thankless"


class Decision(models.TextChoices):
    STANDARDISE = "standardise", "Standardise"
    ADAPT = "adapt", "Adapt (new cycle)"
    ABANDON = "abandon", "Abandon"


def quadrant_for(impact: int, effort: int) -> str:
    high_value = impact >= HIGH_SCORE
    high_effort = effort >= HIGH_SCORE
    if high_value:
        return Quadrant.MAJOR_PROJECT if high_effort else Quadrant.QUICK_WIN
    return Quadrant.THANKLESS if high_effort else Quadrant.FILL_IN


class Initiative(ArchivableModel, TimeStampedModel):
    code = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    problem_statement = models.TextField(blank=True)
    smart_goal = models.TextField(blank=True)
    scope = models.TextField(blank=True)
    category = models.CharField(
        max_length=30, choices=Category.choices, default=Category.OTHER, db_index=True
    )
    breakpoint_type = models.CharField(
        "service break-point type",
        max_length=20,
        choices=BreakpointType.choices,
        default=BreakpointType.PROCESS,
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="initiatives")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="led_initiatives"
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sponsored_initiatives",
        verbose_name="executive sponsor",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="initiatives")
    impact = models.PositiveSmallIntegerField(default=3, validators=SCORE_VALIDATORS)
    effort = models.PositiveSmallIntegerField(default=3, validators=SCORE_VALIDATORS)
    health = models.CharField(max_length=20, choices=Health.choices, default=Health.ON_TRACK, db_index=True)
    start_date = models.DateField()
    target_end_date = models.DateField(null=True, blank=True)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.PLAN, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    cycle = models.PositiveIntegerField(default=1)
    # The day the current cycle started: measurements after it count as evidence for Do → Check.
    cycle_started_on = models.DateField()
    # Bumped on every change; stage moves and updates compare it to refuse lost updates.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[members])

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(impact__gte=1, impact__lte=5), name="initiative_impact_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(effort__gte=1, effort__lte=5), name="initiative_effort_1_5"
            ),
            models.CheckConstraint(
                condition=models.Q(target_end_date__isnull=True)
                | models.Q(target_end_date__gte=models.F("start_date")),
                name="initiative_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(cycle__gte=1), name="initiative_cycle_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def quadrant(self) -> str:
        return quadrant_for(self.impact, self.effort)

    def get_quadrant_display(self) -> str:
        return Quadrant(self.quadrant).label


class StageTransition(models.Model):
    """One move of the PDCA stage machine, with the gate's verdict at the time."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="transitions")
    cycle = models.PositiveIntegerField()
    from_stage = models.CharField(max_length=10, choices=Stage.choices)
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why the initiative stepped back.")
    override_reason = models.TextField(blank=True, help_text="Why an executive overrode a failed gate.")
    gate_passed = models.BooleanField(default=True)
    gate_result = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.from_stage} → {self.to_stage}"

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)


class Evaluation(models.TextChoices):
    MET = "met", "Met"
    IMPROVED = "improved", "Improved"
    NO_CHANGE = "no_change", "No significant change"
    WORSE = "worse", "Worse"


class KpiTarget(ArchivableModel, TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="targets")
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="targets")
    segment = models.CharField(max_length=100, blank=True, default="")
    baseline_value = models.FloatField()
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    target_value = models.FloatField()
    target_date = models.DateField(null=True, blank=True)
    is_primary = models.BooleanField(default=True)
    # Money one unit of improvement is worth per month (e.g. 1 point of FCR saves 800 a month).
    unit_value_per_month = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    evaluation = models.CharField(max_length=20, choices=Evaluation.choices, blank=True)
    evaluation_detail = models.JSONField(default=dict, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["initiative", "-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "kpi", "segment"],
                condition=models.Q(archived_at__isnull=True),
                name="one_active_target_per_kpi_segment",
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_start__isnull=True)
                | models.Q(baseline_end__isnull=True)
                | models.Q(baseline_end__gte=models.F("baseline_start")),
                name="target_baseline_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.kpi.code} {self.baseline_value} → {self.target_value}"


class StatusUpdate(TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="status_updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    health = models.CharField(max_length=20, choices=Health.choices)
    narrative = models.TextField()

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.initiative.code} {self.date}: {self.get_health_display()}"


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    BLOCKED = "blocked", "Blocked"
    CANCELLED = "cancelled", "Cancelled"


OPEN_MILESTONE_STATUSES = [MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS, MilestoneStatus.BLOCKED]


class Phase(models.TextChoices):
    ASSESS = "assess", "Days 1–30: assess and plan"
    PILOT = "pilot", "Days 31–60: pilot"
    ROLLOUT = "rollout", "Days 61–90: roll out"


class Milestone(ArchivableModel, TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    acceptance_criteria = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="milestones"
    )
    due_date = models.DateField(db_index=True)
    status = models.CharField(
        max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED, db_index=True
    )
    phase = models.CharField(max_length=20, choices=Phase.choices, blank=True)
    dependencies = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="dependents")
    completed_at = models.DateTimeField(null=True, blank=True)
    # Set by the daily overdue job so reminders go out once per milestone, not once per run.
    overdue_since = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MILESTONE_STATUSES

    def is_overdue(self, *, today) -> bool:
        return self.is_open and self.archived_at is None and self.due_date < today


class CostKind(models.TextChoices):
    ONE_TIME = "one_time", "One-time investment"
    RECURRING = "recurring", "Recurring (monthly)"


class Cost(ArchivableModel, TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(max_length=20, choices=CostKind.choices)
    description = models.CharField(max_length=200)
    # One-time: the whole amount, spent at month 0. Recurring: the amount per month.
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # The month (1-based, counted from the start date) a recurring cost begins.
    start_month = models.PositiveSmallIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["initiative", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="cost_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.description} {self.amount}"


class BenefitKind(models.TextChoices):
    COST_SAVING = "cost_saving", "Cost saving"
    REVENUE = "revenue", "Revenue"
    COST_AVOIDANCE = "cost_avoidance", "Cost avoidance"


class BenefitNature(models.TextChoices):
    HARD = "hard", "Hard"
    SOFT = "soft", "Soft"


class Benefit(ArchivableModel, TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="benefits")
    kind = models.CharField(max_length=20, choices=BenefitKind.choices)
    nature = models.CharField(max_length=10, choices=BenefitNature.choices, default=BenefitNature.HARD)
    description = models.CharField(max_length=200)
    monthly_amount = models.DecimalField(max_digits=14, decimal_places=2)
    # The month (1-based, counted from the start date) the benefit begins to accrue.
    start_month = models.PositiveSmallIntegerField(default=1)
    validated = models.BooleanField(default=False)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validated_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["initiative", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_amount__gte=0), name="benefit_amount_non_negative"
            ),
            models.CheckConstraint(condition=models.Q(start_month__gte=1), name="benefit_starts_month_1"),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.description} {self.monthly_amount}/month"
