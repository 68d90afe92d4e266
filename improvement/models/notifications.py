"""The kinds of notification improvement sends, and what the reminder jobs sent.

The kinds are registered with accounts when the app is ready (ImprovementConfig.ready): accounts
stores any registered key and knows none of improvement's vocabulary. Keys are stored on every
notification and mute, so a key never changes; a label may.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class NotificationKind(models.TextChoices):
    MILESTONE_OVERDUE = "milestone_overdue", gettext_lazy("Overdue milestone")
    MILESTONE_ESCALATION = "milestone_escalation", gettext_lazy("Milestone a week or more late (to the lead)")
    STAGE_CHANGED = "stage_changed", gettext_lazy("Stage changed")
    TARGET_MET = "target_met", gettext_lazy("KPI target met")
    KPI_ALERT = "kpi_alert", gettext_lazy("KPI alert")
    DIGEST = "digest", gettext_lazy("Weekly digest")
    PORTFOLIO_PACK = "portfolio_pack", gettext_lazy("Portfolio review pack (PDF)")
    WEBHOOK_DISABLED = "webhook_disabled", gettext_lazy("Webhook subscription disabled")
    SIGN_OFF = "sign_off", gettext_lazy("Sign-off requests and decisions")
    IDEA_SUBMITTED = "idea_submitted", gettext_lazy("New ideas to triage (to leads)")
    IDEA_DECIDED = "idea_decided", gettext_lazy("Decisions on my ideas")
    MENTION = "mention", gettext_lazy("Mentions in comments")


class ReminderReason(models.TextChoices):
    OWNER_OVERDUE = "owner_overdue", gettext_lazy("Owner: milestone overdue")
    LEAD_ESCALATION = "lead_escalation", gettext_lazy("Lead: milestone a week or more late")


class SentReminder(models.Model):
    """A reminder about one overdue episode of a milestone went to one person.

    The daily job runs again and again; this row is what keeps it from reminding twice.
    """

    milestone = models.ForeignKey("improvement.Milestone", on_delete=models.CASCADE, related_name="reminders")
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
