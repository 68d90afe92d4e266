"""Webhook subscriptions and their delivery log: a plain input serializer, read-only outputs."""

from rest_framework import serializers

from accounts.api.serializers import UserRefSerializer
from improvement.api.serializers import active_user_field
from improvement.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    owner = UserRefSerializer(read_only=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices), read_only=True
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "name",
            "url",
            "events",
            "owner",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The HMAC-SHA256 signing key of X-PDCA-Signature. Shown once, never retrievable again.",
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSubscriptionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    url = serializers.URLField(
        max_length=500, help_text="http(s) only; the host must resolve to public addresses only."
    )
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEventType.choices))
    owner = active_user_field(
        required=False,
        allow_null=True,
        default=None,
        help_text="Who is told if it is disabled (default: you).",
    )


class WebhookEventRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    type = serializers.ChoiceField(choices=WebhookEventType.choices, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class WebhookAttemptSerializer(serializers.ModelSerializer):
    status_code = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Null when no HTTP answer came back."
    )

    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "requested_at",
            "duration_ms",
            "status_code",
            "succeeded",
            "error",
            "response_excerpt",
        ]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = WebhookEventRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    attempts = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "status", "attempt_count", "created_at", "finished_at", "attempts"]
        read_only_fields = fields
