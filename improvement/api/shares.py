"""``/api/v1/share-links/``: read-only share links of initiatives and experiments.

List and read with ``progress:read``; create and revoke with ``initiatives:write`` (and the role's
right to edit the initiative, as on the site). The create answers the link's ``url`` and ``token``
this once; with an ``Idempotency-Key`` a retry replays that answer (held in the cache for
``API_IDEMPOTENCY_TTL_SECONDS``) instead of making a second link.
"""

import django_filters
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.serializers import UserRefSerializer
from common.api.idempotency import idempotent
from improvement.api.common import CREATED, ReadViewSet, VisibleInitiativeField
from improvement.models import SHARE_DAYS_DEFAULT, SHARE_DAYS_MAX, Experiment, ShareLink
from improvement.selectors import experiment_list
from improvement.selectors.shares import share_link_list
from improvement.services import shares

STATE_ACTIVE, STATE_EXPIRED, STATE_REVOKED = "active", "expired", "revoked"


class VisibleExperimentField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Experiment.objects.all(), **kwargs)

    def get_queryset(self):
        return experiment_list(user=self.context["request"].user)


class ShareLinkSerializer(serializers.ModelSerializer):
    created_by = UserRefSerializer(read_only=True)
    state = serializers.SerializerMethodField(help_text="active, expired or revoked.")
    view_count = serializers.IntegerField(read_only=True, help_text="How many times the link was opened.")
    last_viewed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ShareLink
        fields = [
            "id",
            "initiative",
            "experiment",
            "prefix",
            "created_by",
            "created_at",
            "expires_at",
            "revoked_at",
            "state",
            "view_count",
            "last_viewed_at",
        ]
        read_only_fields = fields

    def get_state(self, link) -> str:
        if link.revoked_at is not None:
            return STATE_REVOKED
        return STATE_ACTIVE if link.expires_at > timezone.now() else STATE_EXPIRED


class ShareLinkCreatedSerializer(ShareLinkSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown this once, never retrievable again.")
    url = serializers.CharField(
        read_only=True, help_text="The read-only page's address (contains the token)."
    )

    class Meta(ShareLinkSerializer.Meta):
        fields = [*ShareLinkSerializer.Meta.fields, "token", "url"]
        read_only_fields = fields


class ShareLinkInputSerializer(serializers.Serializer):
    initiative = VisibleInitiativeField(required=False, allow_null=True, default=None)
    experiment = VisibleExperimentField(required=False, allow_null=True, default=None)
    days = serializers.IntegerField(
        min_value=1, max_value=SHARE_DAYS_MAX, default=SHARE_DAYS_DEFAULT, help_text="How long it opens."
    )


class ShareLinkFilter(django_filters.FilterSet):
    class Meta:
        model = ShareLink
        fields = ["initiative", "experiment"]


class ShareLinkViewSet(ReadViewSet):
    """Share links of the initiatives the caller may edit (and of their experiments), newest first,
    each with its number of views."""

    model = ShareLink
    serializer_class = ShareLinkSerializer
    filterset_class = ShareLinkFilter
    search_fields = []
    ordering_fields = ["created_at", "expires_at", "id"]
    ordering = ["-created_at", "-id"]

    def select(self, *, user, include_archived):
        return share_link_list(user=user)

    @extend_schema(
        request=ShareLinkInputSerializer,
        responses={201: ShareLinkCreatedSerializer},
        description="Create a read-only link to exactly one initiative or experiment (1 to "
        f"{SHARE_DAYS_MAX} days, default {SHARE_DAYS_DEFAULT}). The answer carries `token` and `url`, "
        "shown this once.",
    )
    @idempotent
    def create(self, request):
        link, token = shares.share_link_create(actor=request.user, **self.parse(ShareLinkInputSerializer))
        data = ShareLinkCreatedSerializer(self.reread(link)).data
        data["token"] = token
        data["url"] = request.build_absolute_uri(reverse("improvement:share", args=[token]))
        return Response(data, status=CREATED)

    @extend_schema(request=None, responses={200: ShareLinkSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the link: it answers 410 from now on. Revoking a revoked link changes nothing."""
        link = shares.share_link_revoke(actor=request.user, link=self.get_object())
        return Response(ShareLinkSerializer(self.reread(link)).data)
