"""Ideas: the front of the loop, before Plan.

Anyone signed in (or an integration) submits an idea; a KPI alert can start one as a draft. Leads
triage them: merge duplicates, accept (a Plan-stage initiative is created from the idea and linked
back) or decline with a reason the submitter is told. ``PrioritySettings`` holds what an admin
tunes: the weights of the ranked list and the reference break-point mix.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy

from accounts.models import Team
from common.models import ArchivableModel, TimeStampedModel
from common.sync import ChangeTracked
from improvement.models.initiatives import SCORE_VALIDATORS, BreakpointType
from kpis.models import Kpi, KpiAlert


class IdeaStatus(models.TextChoices):
    # Started from a KPI signal (or saved unfinished): only its author sees it until it is submitted.
    DRAFT = "draft", gettext_lazy("Draft")
    SUBMITTED = "submitted", gettext_lazy("Submitted")
    ACCEPTED = "accepted", gettext_lazy("Accepted")
    DECLINED = "declined", gettext_lazy("Declined")
    MERGED = "merged", gettext_lazy("Merged")


# Ideas a lead still has to decide.
OPEN_IDEA_STATUSES = (IdeaStatus.SUBMITTED,)
DECIDED_IDEA_STATUSES = (IdeaStatus.ACCEPTED, IdeaStatus.DECLINED, IdeaStatus.MERGED)


class Idea(ChangeTracked, ArchivableModel, TimeStampedModel):
    title = models.CharField(max_length=200)
    problem = models.TextField(blank=True)
    kpi = models.ForeignKey(Kpi, null=True, blank=True, on_delete=models.PROTECT, related_name="ideas")
    segment = models.CharField(max_length=100, blank=True, default="")
    breakpoint_type = models.CharField(
        "service break-point type",
        max_length=20,
        choices=BreakpointType.choices,
        default=BreakpointType.PROCESS,
    )
    # The team the idea is for (triage filters by it); empty: not yet placed.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="ideas")
    # The submitter's rough guesses on the 1–5 scales of an initiative's impact and effort.
    value = models.PositiveSmallIntegerField(default=3, validators=SCORE_VALIDATORS)
    difficulty = models.PositiveSmallIntegerField(default=3, validators=SCORE_VALIDATORS)
    # The money value: (target − current, direction-aware) × unit value × monthly volume, a month.
    current_value = models.FloatField(null=True, blank=True)
    target_value = models.FloatField(null=True, blank=True)
    # Money per one unit of the KPI, per contact (conversation, ticket, order) of the volume.
    unit_value = models.DecimalField(
        max_digits=14, decimal_places=4, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    monthly_volume = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=IdeaStatus.choices, default=IdeaStatus.SUBMITTED, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    # The KPI signal the idea was started from, and what it said when it was started.
    alert = models.ForeignKey(
        KpiAlert, null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    signal = models.TextField(blank=True)
    baseline_from = models.DateField(null=True, blank=True)
    baseline_to = models.DateField(null=True, blank=True)
    # The triage decision.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    initiative = models.ForeignKey(
        "improvement.Initiative", null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_ideas"
    )
    # Bumped on every change; updates and decisions compare it to refuse lost updates.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="idea_updated_keyset"),
            models.Index(fields=["status", "-created_at", "-id"], name="idea_status_newest"),
            models.Index(fields=["breakpoint_type", "status"], name="idea_breakpoint_status"),
            # The triage list, newest first, unfiltered or filtered by anything but status: read in
            # this order and stopped at a page instead of sorting every idea.
            models.Index(fields=["archived_at", "-created_at", "-id"], name="idea_newest"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(value__gte=1, value__lte=5), name="idea_value_1_5"),
            models.CheckConstraint(
                condition=models.Q(difficulty__gte=1, difficulty__lte=5), name="idea_difficulty_1_5"
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("id")), name="idea_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_from__isnull=True)
                | models.Q(baseline_to__isnull=True)
                | models.Q(baseline_to__gte=models.F("baseline_from")),
                name="idea_baseline_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"IDEA-{self.pk:04d}" if self.pk else "IDEA-new"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_IDEA_STATUSES


# The reference mix of service break-points: where breaks cluster in service research.
DEFAULT_REFERENCE_MIX = {
    BreakpointType.INTERACTION: 52,
    BreakpointType.PROCESS: 31,
    BreakpointType.TECHNICAL: 17,
}
WEIGHT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class PrioritySettings(TimeStampedModel):
    """The organisation's prioritisation settings: one row (``priority_settings_get`` makes it).

    The ranked list's score is a weighted sum of value, money and ease (docs/ideas.md); the weights
    are relative (they need not add up to anything). The reference mix is in whole percent and adds
    up to 100.
    """

    weight_value = models.PositiveSmallIntegerField(default=30, validators=WEIGHT_VALIDATORS)
    weight_money = models.PositiveSmallIntegerField(default=50, validators=WEIGHT_VALIDATORS)
    weight_ease = models.PositiveSmallIntegerField(default=20, validators=WEIGHT_VALIDATORS)
    reference_interaction = models.PositiveSmallIntegerField(
        default=DEFAULT_REFERENCE_MIX[BreakpointType.INTERACTION], validators=WEIGHT_VALIDATORS
    )
    reference_process = models.PositiveSmallIntegerField(
        default=DEFAULT_REFERENCE_MIX[BreakpointType.PROCESS], validators=WEIGHT_VALIDATORS
    )
    reference_technical = models.PositiveSmallIntegerField(
        default=DEFAULT_REFERENCE_MIX[BreakpointType.TECHNICAL], validators=WEIGHT_VALIDATORS
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "priority settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_value__gt=0)
                | models.Q(weight_money__gt=0)
                | models.Q(weight_ease__gt=0),
                name="priority_some_weight",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    reference_interaction__gte=0, reference_process__gte=0, reference_technical__gte=0
                ),
                name="priority_reference_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return "priority settings"

    @property
    def reference_mix(self) -> dict[str, int]:
        return {
            BreakpointType.INTERACTION: self.reference_interaction,
            BreakpointType.PROCESS: self.reference_process,
            BreakpointType.TECHNICAL: self.reference_technical,
        }
