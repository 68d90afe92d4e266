import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
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


class ReminderReason(models.TextChoices):
    OWNER_OVERDUE = "owner_overdue", "Owner: milestone overdue"
    LEAD_ESCALATION = "lead_escalation", "Lead: milestone a week or more late"


class SentReminder(models.Model):
    """A reminder about one overdue episode of a milestone went to one person.

    The daily job runs again and again; this row is what keeps it from reminding twice.
    """

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=20, choices=ReminderReason.choices)
    # The day the milestone became overdue: a milestone reopened and late again is a new episode.
    overdue_since = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "recipient", "reason", "overdue_since"], name="reminder_once_per_episode"
            )
        ]

    def __str__(self) -> str:
        return f"{self.milestone}: {self.get_reason_display()} to {self.recipient}"


class WebhookEventType(models.TextChoices):
    STAGE_CHANGED = "stage.changed", "Stage changed"
    MILESTONE_OVERDUE = "milestone.overdue", "Milestone overdue"
    TARGET_MET = "target.met", "KPI target met"
    EXPERIMENT_CONCLUDED = "experiment.concluded", "Experiment concluded"


def _webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookSubscription(TimeStampedModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    name = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500)
    # A list of WebhookEventType values.
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=100, default=_webhook_secret)
    is_active = models.BooleanField(default=True)
    # Deliveries that ran out of attempts in a row; reset by any success.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name or self.url

    def listens_to(self, event_type: str) -> bool:
        return event_type in self.events


class WebhookEvent(models.Model):
    """An event for integrations, stored once: ``dedupe_key`` names what happened (e.g. a transition id).

    The event's ``id`` travels in the payload so receivers can drop a repeated delivery.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40, choices=WebhookEventType.choices, db_index=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event to one subscription; its attempts are the delivery log."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, db_index=True
    )
    attempt_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="one_delivery_per_subscription")
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription}: {self.status}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    requested_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    # Null when no HTTP answer came back (refused address, timeout, connection error).
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="attempt_number_unique")]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"


# --- experiments ---------------------------------------------------------------------------------


class MetricType(models.TextChoices):
    PROPORTION = "proportion", "Proportion (conversion rate)"
    MEAN = "mean", "Mean"


class MdeType(models.TextChoices):
    RELATIVE = "relative", "Relative (share of the control)"
    ABSOLUTE = "absolute", "Absolute (metric units)"


class ExperimentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    STOPPED = "stopped", "Stopped"
    CONCLUDED = "concluded", "Concluded"


class ExperimentDecision(models.TextChoices):
    SHIP = "ship", "Ship"
    ITERATE = "iterate", "Iterate"
    ABANDON = "abandon", "Abandon"


class Experiment(ArchivableModel, TimeStampedModel):
    """An A/B(/n) test on an initiative's primary KPI. Status moves only through the services."""

    initiative = models.ForeignKey(Initiative, on_delete=models.PROTECT, related_name="experiments")
    name = models.CharField(max_length=200)
    hypothesis = models.TextField(blank=True)
    primary_kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="experiments")
    guardrail_kpis = models.ManyToManyField(Kpi, blank=True, related_name="guarding_experiments")
    metric_type = models.CharField(max_length=20, choices=MetricType.choices, default=MetricType.PROPORTION)
    alpha = models.FloatField(default=0.05)
    power = models.FloatField(default=0.8)
    mde = models.FloatField("minimum detectable effect", null=True, blank=True)
    mde_type = models.CharField(max_length=20, choices=MdeType.choices, default=MdeType.RELATIVE)
    status = models.CharField(
        max_length=20, choices=ExperimentStatus.choices, default=ExperimentStatus.DRAFT, db_index=True
    )
    decision = models.CharField(max_length=20, choices=ExperimentDecision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at"], m2m_fields=[guardrail_kpis])

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alpha__gt=0, alpha__lt=1), name="experiment_alpha_between_0_1"
            ),
            models.CheckConstraint(
                condition=models.Q(power__gt=0, power__lt=1), name="experiment_power_between_0_1"
            ),
            models.CheckConstraint(
                condition=models.Q(mde__isnull=True) | ~models.Q(mde=0), name="experiment_mde_not_zero"
            ),
            # A concluded experiment always carries its decision; nothing else does.
            models.CheckConstraint(
                condition=models.Q(status="concluded", concluded_at__isnull=False) & ~models.Q(decision="")
                | (~models.Q(status="concluded") & models.Q(decision="")),
                name="experiment_decision_iff_concluded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.name}"


class Variant(TimeStampedModel):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=100, blank=True)
    weight = models.FloatField(default=1.0)
    is_control = models.BooleanField(default=False)

    class Meta:
        ordering = ["experiment", "-is_control", "id"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "key"], name="variant_key_unique_per_experiment"),
            models.UniqueConstraint(
                fields=["experiment"], condition=models.Q(is_control=True), name="one_control_per_experiment"
            ),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="variant_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id}: {self.key}{' (control)' if self.is_control else ''}"


class VariantData(models.Model):
    """Sufficient statistics of one variant: its totals (``day`` null) or one day's totals.

    A proportion uses users and conversions; a mean uses users, sum and sum_squares. A variant's data
    are either all totals or all per day (the services replace one kind by the other, never mix).
    """

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="data")
    day = models.DateField(null=True, blank=True)
    users = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    sum = models.FloatField(default=0.0)
    sum_squares = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["variant", "day"]
        verbose_name_plural = "variant data"
        constraints = [
            # NULLs are distinct in a plain unique constraint, so the totals row gets its own.
            models.UniqueConstraint(
                fields=["variant", "day"],
                condition=models.Q(day__isnull=False),
                name="variant_data_one_per_day",
            ),
            models.UniqueConstraint(
                fields=["variant"], condition=models.Q(day__isnull=True), name="variant_data_one_total"
            ),
            models.CheckConstraint(
                condition=models.Q(users__gte=0, conversions__gte=0, sum_squares__gte=0),
                name="variant_data_counts_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(conversions__lte=models.F("users")),
                name="variant_data_conversions_within_users",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant}: {self.day or 'total'} ({self.users} users)"
