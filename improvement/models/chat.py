"""Chat destinations: a team's Slack or Microsoft Teams incoming webhook and the events it posts.

Deliveries to a destination are ``WebhookDelivery`` rows like a subscription's, so they share the
retries, the attempt log, the sweeper and the pruning of webhooks.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from common.models import TimeStampedModel


class ChatKind(models.TextChoices):
    SLACK = "slack", gettext_lazy("Slack")
    TEAMS = "teams", gettext_lazy("Microsoft Teams")


class ChatEventType(models.TextChoices):
    STAGE_CHANGED = "stage.changed", gettext_lazy("Stage moved")
    # A failed gate moved on by an executive's override, with a reason.
    GATE_OVERRIDDEN = "gate.overridden", gettext_lazy("Gate overridden (executive sign-off)")
    # A lead asks the gate's reviewers for approval (improvement/services/signoffs.py)…
    SIGN_OFF_REQUESTED = "sign_off.requested", gettext_lazy("Sign-off requested")
    # …and a reviewer approves or sends it back.
    SIGN_OFF_DECIDED = "sign_off.decided", gettext_lazy("Sign-off decided")
    KPI_ALERT = "kpi.alert", gettext_lazy("KPI alert")
    EXPERIMENT_CONCLUDED = "experiment.concluded", gettext_lazy("Experiment decision")
    DIGEST = "digest.weekly", gettext_lazy("Weekly digest")


# A test message from the team's settings page: delivered to one destination, never subscribed to.
CHAT_TEST = "chat.test"
# What a destination's delivery log may show: the events, and test messages.
CHAT_DELIVERY_EVENT_CHOICES = [*ChatEventType.choices, (CHAT_TEST, "Test message")]


class ChatDestination(TimeStampedModel):
    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="chat_destinations")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=ChatKind.choices)
    # The incoming-webhook address is the credential: whoever has it may post to the channel.
    # Answers and pages show it masked (``url_masked``).
    url = models.CharField(max_length=500)
    # A list of ChatEventType values.
    events = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_destinations",
    )
    is_active = models.BooleanField(default=True)
    # Deliveries that ran out of attempts in a row; reset by any success.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["team", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def listens_to(self, event_type: str) -> bool:
        return event_type in self.events

    @property
    def url_masked(self) -> str:
        return url_mask(self.url)


def url_mask(url: str) -> str:
    """Scheme, host and the last four characters: enough to tell two destinations apart."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    tail = url[-4:] if len(rest) > len(host) + 8 else ""
    return f"{scheme}://{host}/…{tail}" if scheme and host else "…"
