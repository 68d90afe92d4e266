"""Webhook subscriptions, the events stored for them and the log of their deliveries."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from common.models import TimeStampedModel
from common.sync import ChangeTracked


class WebhookEventType(models.TextChoices):
    STAGE_CHANGED = "stage.changed", gettext_lazy("Stage changed")
    MILESTONE_OVERDUE = "milestone.overdue", gettext_lazy("Milestone overdue")
    TARGET_MET = "target.met", gettext_lazy("KPI target met")
    EXPERIMENT_CONCLUDED = "experiment.concluded", gettext_lazy("Experiment concluded")


def _webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookSubscription(ChangeTracked, TimeStampedModel):
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
    PENDING = "pending", gettext_lazy("Pending")
    SUCCEEDED = "succeeded", gettext_lazy("Succeeded")
    FAILED = "failed", gettext_lazy("Failed (gave up)")


class WebhookDelivery(models.Model):
    """One event to one subscription or chat destination; its attempts are the delivery log."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", null=True, blank=True
    )
    destination = models.ForeignKey(
        "improvement.ChatDestination",
        on_delete=models.CASCADE,
        related_name="deliveries",
        null=True,
        blank=True,
    )
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
            models.UniqueConstraint(fields=["subscription", "event"], name="one_delivery_per_subscription"),
            models.UniqueConstraint(fields=["destination", "event"], name="one_delivery_per_destination"),
            models.CheckConstraint(
                condition=models.Q(subscription__isnull=False, destination__isnull=True)
                | models.Q(subscription__isnull=True, destination__isnull=False),
                name="delivery_has_one_receiver",
            ),
        ]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} → {self.receiver}: {self.status}"

    @property
    def receiver(self):
        """The subscription or chat destination the event goes to."""
        return self.subscription if self.subscription_id else self.destination


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
