"""Sign-offs in the API: the rules (read by everyone signed in, written by admins) and the requests
with their decisions (``approve``, ``send-back``, ``withdraw``)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.conditional import check_if_match, honours_if_match
from common.api.idempotency import idempotent
from common.api.sync import ChangePagePagination
from common.api.viewsets import ApiViewSet
from improvement.api.common import CREATED, ReadViewSet, VisibleInitiativeField, updated_since
from improvement.models import (
    GATED_STAGE_CHOICES,
    ReviewerRole,
    SignOffRequest,
    SignOffRule,
    SignOffStatus,
    Stage,
)
from improvement.selectors.signoffs import sign_off_request_list, sign_off_rule_list
from improvement.services import signoff_rules, signoffs


class SignOffRuleSerializer(serializers.ModelSerializer):
    reviewer_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ReviewerRole.choices), read_only=True
    )

    class Meta:
        model = SignOffRule
        fields = [
            "id",
            "to_stage",
            "reviewer_roles",
            "only_when_money_claimed",
            "active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SignOffRuleUpdateSerializer(serializers.Serializer):
    reviewer_roles = serializers.ListField(child=serializers.ChoiceField(choices=ReviewerRole.choices))
    only_when_money_claimed = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)


class SignOffRuleInputSerializer(SignOffRuleUpdateSerializer):
    to_stage = serializers.ChoiceField(choices=GATED_STAGE_CHOICES, help_text="The gate into this stage.")


class SignOffRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Which gates need a sign-off, and from whom. Admins write them."""

    model = SignOffRule
    serializer_class = SignOffRuleSerializer
    write_scope = "initiatives:write"
    ordering_fields = ["id", "to_stage"]
    ordering = ["id"]

    def select(self, *, user, include_archived):
        return sign_off_rule_list()

    @extend_schema(request=SignOffRuleInputSerializer, responses={201: SignOffRuleSerializer})
    @idempotent
    def create(self, request):
        rule = signoff_rules.sign_off_rule_create(
            actor=request.user, **self.parse(SignOffRuleInputSerializer)
        )
        return Response(SignOffRuleSerializer(rule).data, status=CREATED)

    @extend_schema(request=SignOffRuleUpdateSerializer, responses={200: SignOffRuleSerializer})
    def partial_update(self, request, pk=None):
        rule = self.get_object()
        fields = self.parse(SignOffRuleUpdateSerializer, partial=True)
        signoff_rules.sign_off_rule_update(actor=request.user, rule=rule, **fields)
        return Response(SignOffRuleSerializer(rule).data)


class SignOffRequestSerializer(serializers.ModelSerializer):
    reviewer_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=ReviewerRole.choices), read_only=True
    )
    transition = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The move that used this approval (null until used)."
    )

    class Meta:
        model = SignOffRequest
        fields = [
            "id",
            "initiative",
            "cycle",
            "to_stage",
            "requested_by",
            "note",
            "status",
            "reviewer_roles",
            "decided_by",
            "decided_at",
            "comment",
            "transition",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SignOffRequestInputSerializer(serializers.Serializer):
    initiative = VisibleInitiativeField()
    to_stage = serializers.ChoiceField(choices=Stage.choices, help_text="The next stage of the initiative.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SignOffDecisionInputSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required to send back."
    )


class SignOffRequestFilter(django_filters.FilterSet):
    updated_since = updated_since()
    status = django_filters.ChoiceFilter(choices=SignOffStatus.choices)

    class Meta:
        model = SignOffRequest
        fields = ["initiative", "to_stage", "status", "cycle"]


class SignOffRequestViewSet(ReadViewSet):
    """Sign-off requests of the initiatives the caller can read. A decided request answers 409."""

    model = SignOffRequest
    serializer_class = SignOffRequestSerializer
    filterset_class = SignOffRequestFilter
    pagination_class = ChangePagePagination
    ordering_fields = ["id", "created_at", "updated_at"]
    ordering = ["-id"]

    def select(self, *, user, include_archived):
        return sign_off_request_list(user=user)

    def _read_for_decision(self, request) -> SignOffRequest:
        """The request as the caller sees it; with If-Match, only if it is still what they saw."""
        sign_off = self.get_object()
        check_if_match(request, SignOffRequestSerializer(sign_off).data)
        return sign_off

    @extend_schema(request=SignOffRequestInputSerializer, responses={201: SignOffRequestSerializer})
    @idempotent
    def create(self, request):
        created = signoffs.sign_off_request(actor=request.user, **self.parse(SignOffRequestInputSerializer))
        return Response(SignOffRequestSerializer(self.reread(created)).data, status=CREATED)

    @extend_schema(request=SignOffDecisionInputSerializer, responses={200: SignOffRequestSerializer})
    @action(detail=True, methods=["post"])
    @honours_if_match
    def approve(self, request, pk=None):
        sign_off = self._read_for_decision(request)
        decided = signoffs.sign_off_approve(
            actor=request.user,
            request=sign_off,
            expected_version=sign_off.version,
            **self.parse(SignOffDecisionInputSerializer),
        )
        return Response(SignOffRequestSerializer(self.reread(decided)).data)

    @extend_schema(request=SignOffDecisionInputSerializer, responses={200: SignOffRequestSerializer})
    @action(detail=True, methods=["post"], url_path="send-back")
    @honours_if_match
    def send_back(self, request, pk=None):
        sign_off = self._read_for_decision(request)
        decided = signoffs.sign_off_send_back(
            actor=request.user,
            request=sign_off,
            expected_version=sign_off.version,
            **self.parse(SignOffDecisionInputSerializer),
        )
        return Response(SignOffRequestSerializer(self.reread(decided)).data)

    @extend_schema(request=None, responses={200: SignOffRequestSerializer})
    @action(detail=True, methods=["post"])
    @honours_if_match
    def withdraw(self, request, pk=None):
        sign_off = self._read_for_decision(request)
        withdrawn = signoffs.sign_off_withdraw(
            actor=request.user, request=sign_off, expected_version=sign_off.version
        )
        return Response(SignOffRequestSerializer(self.reread(withdrawn)).data)
