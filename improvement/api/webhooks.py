"""``/api/v1/webhooks/``: webhook subscriptions, switching them back on, and their delivery log."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.pagination import StreamCursorPagination
from common.api.viewsets import SESSION_ONLY, ApiViewSet
from improvement import selectors
from improvement.api import webhook_serializers as s
from improvement.api.filters import WebhookSubscriptionFilter
from improvement.models import WebhookSubscription
from improvement.services import webhooks


class WebhookSubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Webhook subscriptions: the caller's own (every one for admins). Session only, like tokens:
    a subscription's secret signs what receivers trust, so an API token can neither read nor manage
    them. Only admins create or enable one (the services decide); the signing secret is answered
    once, by the create. Subscriptions are edited and disabled in the admin site."""

    model = WebhookSubscription
    serializer_class = s.WebhookSubscriptionSerializer
    filterset_class = WebhookSubscriptionFilter
    search_fields = ["name", "url"]
    ordering_fields = ["created_at", "updated_at", "name", "id"]
    ordering = ["-created_at", "-id"]
    read_scope = SESSION_ONLY
    write_scope = SESSION_ONLY

    def select(self, *, user, include_archived):
        return selectors.webhook_subscription_list(user=user)

    # Not idempotent on purpose: a replay would have to keep the secret somewhere to show it again.
    @extend_schema(
        request=s.WebhookSubscriptionInputSerializer,
        responses={201: s.WebhookSubscriptionCreatedSerializer},
        description="Subscribe a URL to events (admins). A URL whose host resolves to a loopback or "
        "private address is refused with 400 on `url`. The answer carries the signing `secret`, "
        "shown this once.",
    )
    def create(self, request):
        subscription = webhooks.webhook_subscription_create(
            actor=request.user, **self.parse(s.WebhookSubscriptionInputSerializer)
        )
        return Response(
            s.WebhookSubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=None,
        responses={200: s.WebhookSubscriptionSerializer},
        description="Switch a subscription back on with a clean failure count (admins); its URL is "
        "checked again.",
    )
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        subscription = webhooks.webhook_subscription_enable(
            actor=request.user, subscription=self.get_object()
        )
        return Response(s.WebhookSubscriptionSerializer(self.reread(subscription)).data)

    @extend_schema(
        responses={200: s.WebhookDeliverySerializer(many=True)},
        description="The delivery log, newest first, each delivery with its attempts. "
        "Cursor-paginated: it grows without bound.",
    )
    @action(detail=True, methods=["get"], pagination_class=StreamCursorPagination, filter_backends=[])
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(selectors.webhook_delivery_list(subscription=self.get_object()))
        return self.get_paginated_response(s.WebhookDeliverySerializer(page, many=True).data)
