"""Sign-offs: stage gates that need a reviewer's approval, and the requests that ask for it.

A rule names, per gate, who reviews (the initiative's sponsor, or everyone of a role). A request
snapshots the rule's roles when it is made, so changing a rule never changes who decides an open
request. An approval is used by one move (``transition``): stepping back and forward again needs a
new one.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from common.models import TimeStampedModel
from common.sync import ChangeTracked
from improvement.models.stages import Stage


class ReviewerRole(models.TextChoices):
    SPONSOR = "sponsor", gettext_lazy("The initiative's sponsor")
    EXECUTIVE = "executive", gettext_lazy("Executives")
    FINANCE = "finance", gettext_lazy("Finance reviewers")
    ADMIN = "admin", gettext_lazy("Admins")


# The gates a rule may guard: the move INTO these stages (Plan has no gate into it).
GATED_STAGES = (Stage.DO, Stage.CHECK, Stage.ACT)
GATED_STAGE_CHOICES = [(s.value, s.label) for s in GATED_STAGES]


class SignOffStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    APPROVED = "approved", gettext_lazy("Approved")
    SENT_BACK = "sent_back", gettext_lazy("Sent back")
    WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn")


class SignOffRule(ChangeTracked, TimeStampedModel):
    """The gate into ``to_stage`` needs the approval of one of ``reviewer_roles``."""

    to_stage = models.CharField(
        max_length=10,
        choices=GATED_STAGE_CHOICES,
        unique=True,
        help_text="The gate into this stage.",
    )
    # A list of ReviewerRole values.
    reviewer_roles = models.JSONField(default=list)
    only_when_money_claimed = models.BooleanField(
        default=False, help_text="Apply only when the initiative claims benefit lines."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["to_stage", "id"]

    def __str__(self) -> str:
        return f"sign-off into {self.to_stage} by {', '.join(self.reviewer_roles)}"


class SignOffRequest(ChangeTracked, TimeStampedModel):
    initiative = models.ForeignKey(
        "improvement.Initiative", on_delete=models.CASCADE, related_name="sign_off_requests"
    )
    cycle = models.PositiveIntegerField()
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=SignOffStatus.choices, default=SignOffStatus.PENDING)
    # The rule's roles when the request was made.
    reviewer_roles = models.JSONField(default=list)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    # The move that used the approval; an approval is used once.
    transition = models.OneToOneField(
        "improvement.StageTransition",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sign_off",
    )
    # Bumped on every change; a decision compares it under the row lock.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="sign_off_updated_keyset"),
            models.Index(fields=["initiative", "cycle", "to_stage"], name="sign_off_gate"),
        ]
        constraints = [
            # At most one request waits per gate of a cycle: a second one would be decided twice.
            models.UniqueConstraint(
                fields=["initiative", "cycle", "to_stage"],
                condition=models.Q(status="pending"),
                name="one_pending_sign_off_per_gate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id}: sign-off into {self.to_stage} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == SignOffStatus.PENDING
