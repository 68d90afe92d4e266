"""Initiatives (the PDCA record itself) and the status updates posted on them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from accounts.models import Team
from common.models import ArchivableModel, TimeStampedModel
from common.sync import ChangeTracked
from improvement.models.stages import Stage

SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
# On the 1–5 scales, 3 and above counts as high impact (value) or high effort (difficulty).
HIGH_SCORE = 3
# The range of an initiative's own ROI horizon (months) and annual discount rate.
MIN_HORIZON_MONTHS, MAX_HORIZON_MONTHS = 1, 120
MIN_DISCOUNT_RATE, MAX_DISCOUNT_RATE = 0.0, 1.0


class Status(models.TextChoices):
    ACTIVE = "active", gettext_lazy("Active")
    ON_HOLD = "on_hold", gettext_lazy("On hold")
    STANDARDISED = "standardised", gettext_lazy("Standardised")
    ABANDONED = "abandoned", gettext_lazy("Abandoned")


class Health(models.TextChoices):
    ON_TRACK = "on_track", gettext_lazy("On track")
    AT_RISK = "at_risk", gettext_lazy("At risk")
    OFF_TRACK = "off_track", gettext_lazy("Off track")


class Category(models.TextChoices):
    RESPONSE_SPEED = "response_speed", gettext_lazy("Response speed")
    PROCESS_SIMPLIFICATION = "process_simplification", gettext_lazy("Process simplification")
    PERSONALISATION = "personalisation", gettext_lazy("Personalisation")
    SELF_SERVICE = "self_service", gettext_lazy("Self-service")
    KNOWLEDGE_BASE = "knowledge_base", gettext_lazy("Knowledge base")
    STAFFING_TRAINING = "staffing_training", gettext_lazy("Staffing and training")
    QUALITY_ASSURANCE = "quality_assurance", gettext_lazy("Quality assurance")
    OTHER = "other", gettext_lazy("Other")


class BreakpointType(models.TextChoices):
    INTERACTION = "interaction", gettext_lazy("Interaction")
    PROCESS = "process", gettext_lazy("Process")
    TECHNICAL = "technical", gettext_lazy("Technical")


class Quadrant(models.TextChoices):
    QUICK_WIN = "quick_win", gettext_lazy("Quick win")
    MAJOR_PROJECT = "major_project", gettext_lazy("Major project")
    FILL_IN = "fill_in", gettext_lazy("Fill-in")
    THANKLESS = "thankless", gettext_lazy("Thankless")


def quadrant_for(impact: int, effort: int) -> str:
    high_value = impact >= HIGH_SCORE
    high_effort = effort >= HIGH_SCORE
    if high_value:
        return Quadrant.MAJOR_PROJECT if high_effort else Quadrant.QUICK_WIN
    return Quadrant.THANKLESS if high_effort else Quadrant.FILL_IN


class Initiative(ChangeTracked, ArchivableModel, TimeStampedModel):
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
    # Indexed with the id (``initiative_team_id``), not alone.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="initiatives", db_index=False)
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
    # Months the investment should pay back in; empty: the organisation's (PDCA_PAYBACK_TARGET_MONTHS).
    payback_target_months = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.1"))],
        help_text="Empty: the organisation's target.",
    )
    # The ROI horizon and annual discount rate of this initiative's own money figures; empty: the
    # organisation's (PDCA_ROI_HORIZON_MONTHS, PDCA_DISCOUNT_RATE). The portfolio adds every
    # initiative up over the organisation's horizon and rate, as one investment.
    horizon_months = models.PositiveSmallIntegerField(
        "ROI horizon (months)",
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_HORIZON_MONTHS), MaxValueValidator(MAX_HORIZON_MONTHS)],
        help_text="Empty: the organisation's horizon.",
    )
    discount_rate = models.FloatField(
        "annual discount rate",
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_DISCOUNT_RATE), MaxValueValidator(MAX_DISCOUNT_RATE)],
        help_text="A fraction: 0.08 is 8 % a year. Empty: the organisation's rate.",
    )
    # Bumped on every change; stage moves and updates compare it to refuse lost updates.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at", "change_marker"], m2m_fields=[members])

    class Meta:
        ordering = ["code"]
        indexes = [
            # ``updated_since`` reads walk this in keyset pages (common/api/since.py).
            models.Index(fields=["updated_at", "id"], name="initiative_updated_keyset"),
            # Live initiatives by status and stage, newest first: a list filtered by both is
            # counted from the index alone and its page read in order (the board's columns, the
            # API's ``?status=active&stage=do``).
            models.Index(
                fields=["status", "stage", "start_date"],
                condition=models.Q(archived_at__isnull=True),
                name="initiative_live_stage_start",
            ),
            # A reader of some teams: their initiatives' ids from the index alone (the first way
            # in of ``initiative_visibility_filter``); it serves the team's foreign key too.
            models.Index(fields=["team", "id"], name="initiative_team_id"),
            # Active live initiatives by health, with what orders them: the first rows at risk start
            # from the off-track ones, read from the index alone (bench/: 1,774 of 100,000 in
            # 0.3 ms, where the health and status indexes were combined in 6 ms).
            models.Index(
                fields=["health", "code", "id"],
                condition=models.Q(status="active", archived_at__isnull=True),
                name="initiative_active_health",
            ),
            # The ids a reader may see, each checked for being live and read with what orders the
            # list's page (code) and marks its version, from the index alone: a lead's list at
            # 100,000 initiatives counted its 2,000 rows in 4 ms instead of 10 (bench/).
            models.Index(
                fields=["id", "code", "change_marker"],
                condition=models.Q(archived_at__isnull=True),
                name="initiative_live_id",
            ),
            # A team's live initiatives with what orders the list's page and marks their version,
            # from the index alone: the first way in of a reader of some's API list
            # (``initiative_list_by_way_in``; bench/: a lead's 2,000 at 100,000 initiatives).
            models.Index(
                fields=["team", "code", "id", "change_marker"],
                condition=models.Q(archived_at__isnull=True),
                name="initiative_team_live_code",
            ),
            # The ids of active initiatives, in order: the roadmap's owner choices ask each person
            # for a milestone of one, merging the person's milestones (by initiative) with these
            # (bench/: 27 → 7.5 ms for 501 owners at 10,000 initiatives, 42 → 13 ms for 750 at
            # 100,000, where the merge read every initiative's row to check its status).
            models.Index(fields=["id"], condition=models.Q(status="active"), name="initiative_active_id"),
        ]
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
            models.CheckConstraint(
                condition=models.Q(payback_target_months__isnull=True)
                | models.Q(payback_target_months__gt=0),
                name="initiative_payback_target_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(horizon_months__isnull=True)
                | models.Q(horizon_months__gte=MIN_HORIZON_MONTHS, horizon_months__lte=MAX_HORIZON_MONTHS),
                name="initiative_horizon_1_120",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_rate__isnull=True)
                | models.Q(discount_rate__gte=MIN_DISCOUNT_RATE, discount_rate__lte=MAX_DISCOUNT_RATE),
                name="initiative_discount_rate_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def quadrant(self) -> str:
        return quadrant_for(self.impact, self.effort)

    def get_quadrant_display(self) -> str:
        return Quadrant(self.quadrant).label

    @property
    def payback_target(self) -> float:
        """The payback target in months: the initiative's own, else the organisation's."""
        if self.payback_target_months is not None:
            return float(self.payback_target_months)
        return float(settings.PDCA_PAYBACK_TARGET_MONTHS)

    @property
    def roi_horizon(self) -> int:
        """The horizon of the initiative's money in months: its own, else the organisation's."""
        return settings.PDCA_ROI_HORIZON_MONTHS if self.horizon_months is None else self.horizon_months

    @property
    def roi_discount_rate(self) -> float:
        """The annual discount rate of the initiative's money: its own, else the organisation's."""
        return settings.PDCA_DISCOUNT_RATE if self.discount_rate is None else self.discount_rate


class StatusUpdate(ChangeTracked, TimeStampedModel):
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="status_updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField()
    health = models.CharField(max_length=20, choices=Health.choices)
    narrative = models.TextField()

    class Meta:
        ordering = ["-date", "-id"]
        # ``updated_since`` reads walk this in keyset pages (common/api/since.py).
        indexes = [models.Index(fields=["updated_at", "id"], name="status_update_updated_keyset")]

    def __str__(self) -> str:
        return f"{self.initiative.code} {self.date}: {self.get_health_display()}"
