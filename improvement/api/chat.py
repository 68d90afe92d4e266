"""``/api/v1/chat-destinations/``: a team's Slack and Teams destinations, test messages and their
delivery log. A plain input serializer, read-only outputs, the filter and the viewset."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.serializers import TeamRefSerializer, UserRefSerializer
from accounts.models import Role, Scope, Team
from common.api.conditional import check_if_match, honours_if_match
from common.api.filters import BoundedIsoDateTimeFilter
from common.api.idempotency import idempotent
from common.api.pagination import StreamCursorPagination
from common.api.viewsets import SESSION_ONLY, ApiViewSet
from improvement.api.webhooks import WebhookAttemptSerializer
from improvement.models import (
    CHAT_DELIVERY_EVENT_CHOICES,
    ChatDestination,
    ChatEventType,
    ChatKind,
    DeliveryStatus,
    WebhookDelivery,
)
from improvement.selectors.chat import chat_delivery_list, chat_destination_list
from improvement.services import chat

URL_HELP = (
    "The incoming-webhook address: https on hooks.slack.com (Slack) or a *.webhook.office.com host "
    "(Teams); its host must resolve to public addresses only. Never answered back: see url_masked."
)


class ChatDestinationSerializer(serializers.ModelSerializer):
    team = TeamRefSerializer(read_only=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)
    kind = serializers.ChoiceField(choices=ChatKind.choices, read_only=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=ChatEventType.choices), read_only=True
    )
    url_masked = serializers.CharField(read_only=True, help_text="The address with its secret part hidden.")
    last_delivery_status = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = ChatDestination
        fields = [
            "id",
            "team",
            "name",
            "kind",
            "url_masked",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "last_delivery_status",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ChatEventRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    type = serializers.ChoiceField(choices=CHAT_DELIVERY_EVENT_CHOICES, read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class ChatDeliverySerializer(serializers.ModelSerializer):
    """A message to a destination and its attempts: the webhook delivery log's shape."""

    event = ChatEventRefSerializer(read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    attempts = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "status", "attempt_count", "created_at", "finished_at", "attempts"]
        read_only_fields = fields


class VisibleTeamField(serializers.PrimaryKeyRelatedField):
    """A team the caller can see: every one for admins, executives and finance, else their own."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Team.objects.filter(archived_at__isnull=True), **kwargs)

    def get_queryset(self):
        user = self.context["request"].user
        teams = super().get_queryset()
        if user.is_admin or user.role in (Role.EXECUTIVE, Role.FINANCE):
            return teams
        return teams.filter(memberships__user=user)


class ChatDestinationInputSerializer(serializers.Serializer):
    team = VisibleTeamField()
    kind = serializers.ChoiceField(choices=ChatKind.choices)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    url = serializers.CharField(max_length=500, help_text=URL_HELP)
    events = serializers.ListField(child=serializers.ChoiceField(choices=ChatEventType.choices))


class ChatDestinationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    url = serializers.CharField(max_length=500, help_text=URL_HELP)
    events = serializers.ListField(child=serializers.ChoiceField(choices=ChatEventType.choices))
    is_active = serializers.BooleanField(help_text="true switches a disabled destination back on.")


class ChatDestinationFilter(django_filters.FilterSet):
    updated_since = BoundedIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only destinations changed at or after this time.",
    )

    class Meta:
        model = ChatDestination
        fields = ["team", "kind", "is_active"]


class ChatDestinationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Slack and Microsoft Teams destinations of the teams the caller manages (admins: all; leads:
    their teams'). Reading takes ``progress:read``; every write is session only: the address is a
    credential for posting into a company's chat, so no API token can set one."""

    model = ChatDestination
    serializer_class = ChatDestinationSerializer
    filterset_class = ChatDestinationFilter
    search_fields = ["name"]
    ordering_fields = ["created_at", "updated_at", "name", "id"]
    ordering = ["name", "id"]
    read_scope = Scope.PROGRESS_READ
    write_scope = SESSION_ONLY

    def select(self, *, user, include_archived):
        return chat_destination_list(user=user)

    @extend_schema(
        request=ChatDestinationInputSerializer,
        responses={201: ChatDestinationSerializer},
        description="Add a destination to a team (its admins and leads). A refused address is a 400 "
        "on `url`.",
    )
    @idempotent
    def create(self, request):
        destination = chat.chat_destination_create(
            actor=request.user, **self.parse(ChatDestinationInputSerializer)
        )
        return Response(
            ChatDestinationSerializer(self.reread(destination)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=ChatDestinationUpdateSerializer, responses={200: ChatDestinationSerializer})
    def partial_update(self, request, pk=None):
        destination = self.get_object()
        check_if_match(request, ChatDestinationSerializer(destination).data)
        chat.chat_destination_update(
            actor=request.user,
            destination=destination,
            **self.parse(ChatDestinationUpdateSerializer, partial=True),
        )
        return Response(ChatDestinationSerializer(self.reread(destination)).data)

    @extend_schema(request=None, responses={204: None}, description="Remove it with its delivery log.")
    @honours_if_match
    def destroy(self, request, pk=None):
        destination = self.get_object()
        check_if_match(request, ChatDestinationSerializer(destination).data)
        chat.chat_destination_delete(actor=request.user, destination=destination)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=None,
        responses={202: ChatDeliverySerializer},
        description="Queue a test message to this destination alone; the answer is its delivery.",
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = chat.chat_destination_test(actor=request.user, destination=self.get_object())
        delivery = chat_delivery_list(destination=delivery.destination).get(pk=delivery.pk)
        return Response(ChatDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={200: ChatDeliverySerializer(many=True)},
        description="The delivery log, newest first, each delivery with its attempts. Cursor-paginated.",
    )
    @action(detail=True, methods=["get"], pagination_class=StreamCursorPagination, filter_backends=[])
    def deliveries(self, request, pk=None):
        page = self.paginate_queryset(chat_delivery_list(destination=self.get_object()))
        return self.get_paginated_response(ChatDeliverySerializer(page, many=True).data)
