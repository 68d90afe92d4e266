"""``/api/v1/webhooks/``: webhook subscriptions, switching them back on, and their delivery log.

A plain input serializer, read-only outputs, the filter and the viewset.
"""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.serializers import UserRefSerializer
from common.api.filters import BoundedIsoDateTimeFilter
from common.api.pagination import StreamCursorPagination
from common.api.sync import ChangePagePagination
from common.api.viewsets import SESSION_ONLY, ApiViewSet
from improvement import selectors
from improvement.api.common import active_user_field
from improvement.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)
from improvement.services import webhooks


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


class WebhookSubscriptionFilter(django_filters.FilterSet):
    # Subscriptions are never archived: unlike the other lists, nothing extra is included.
    updated_since = BoundedIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only subscriptions changed at or after this ISO 8601 time.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["is_active", "owner"]


class WebhookSubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Webhook subscriptions: the caller's own (every one for admins). Session only, like tokens:
    a subscription's secret signs what receivers trust, so an API token can neither read nor manage
    them. Only admins create or enable one (the services decide); the signing secret is answered
    once, by the create. Subscriptions are edited and disabled in the admin site."""

    model = WebhookSubscription
    serializer_class = WebhookSubscriptionSerializer
    filterset_class = WebhookSubscriptionFilter
    pagination_class = ChangePagePagination
    search_fields = ["name", "url"]
    ordering_fields = ["created_at", "updated_at", "name", "id"]
    ordering = ["-created_at", "-id"]
    read_scope = SESSION_ONLY
    write_scope = SESSION_ONLY

    def select(self, *, user, include_archived):
        return selectors.webhook_subscription_list(user=user)

    # Not idempotent on purpose: a replay would have to keep the secret somewhere to show it again.
    @extend_schema(
        request=WebhookSubscriptionInputSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer},
        description="Subscribe a URL to events (admins). A URL whose host resolves to a loopback or "
        "private address is refused with 400 on `url`. The answer carries the signing `secret`, "
        "shown this once.",
    )
    def create(self, request):
        subscription = webhooks.webhook_subscription_create(
            actor=request.user, **self.parse(WebhookSubscriptionInputSerializer)
        )
        return Response(
            WebhookSubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=None,
        responses={200: WebhookSubscriptionSerializer},
        description="Switch a subscription back on with a clean failure count (admins); its URL is "
        "checked again.",
    )
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        subscription = webhooks.webhook_subscription_enable(
            actor=request.user, subscription=self.get_object()
        )
        return Response(WebhookSubscriptionSerializer(self.reread(subscription)).data)

    @extend_schema(
        responses={200: WebhookDeliverySerializer(many=True)},
        description="The delivery log, newest first, each delivery with its attempts. "
        "Cursor-paginated: it grows without bound.",
    )
    @action(detail=True, methods=["get"], pagination_class=StreamCursorPagination, filter_backends=[])
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(selectors.webhook_delivery_list(subscription=self.get_object()))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)
