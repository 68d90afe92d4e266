"""The milestones of an initiative's plan (the 90-day roadmap)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from common.models import ArchivableModel, TimeStampedModel
from common.sync import ChangeTracked


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", gettext_lazy("Planned")
    IN_PROGRESS = "in_progress", gettext_lazy("In progress")
    DONE = "done", gettext_lazy("Done")
    BLOCKED = "blocked", gettext_lazy("Blocked")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")


OPEN_MILESTONE_STATUSES = [MilestoneStatus.PLANNED, MilestoneStatus.IN_PROGRESS, MilestoneStatus.BLOCKED]


class Phase(models.TextChoices):
    ASSESS = "assess", gettext_lazy("Days 1–30: assess and plan")
    PILOT = "pilot", gettext_lazy("Days 31–60: pilot")
    ROLLOUT = "rollout", gettext_lazy("Days 61–90: roll out")


class Milestone(ChangeTracked, ArchivableModel, TimeStampedModel):
    initiative = models.ForeignKey(
        "improvement.Initiative", on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    acceptance_criteria = models.TextField(blank=True)
    # Indexed with the initiative (``milestone_owner_initiative``), not alone.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="milestones",
        db_index=False,
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

    history = HistoricalRecords(excluded_fields=["updated_at", "change_marker"])

    class Meta:
        ordering = ["due_date", "id"]
        # ``updated_since`` reads walk this in keyset pages (common/api/since.py).
        indexes = [
            models.Index(fields=["updated_at", "id"], name="milestone_updated_keyset"),
            # An initiative's live milestones by due date, with their status: "has it a milestone
            # in the roadmap's window?" and "how many are overdue?" are answered from the index
            # alone (the roadmap's pages, the lists' and the dashboard's overdue counts).
            models.Index(
                fields=["initiative", "due_date", "status"],
                condition=models.Q(archived_at__isnull=True),
                name="milestone_live_due",
            ),
            # "Which initiatives has this person a milestone in?" from the index alone (a way in of
            # ``initiative_visibility_filter``, My work's owned milestones); it serves the owner's
            # foreign key too.
            models.Index(fields=["owner", "initiative"], name="milestone_owner_initiative"),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MILESTONE_STATUSES

    def is_overdue(self, *, today) -> bool:
        return self.is_open and self.archived_at is None and self.due_date < today
