"""Ideas in the API: submit and edit (``ideas:write``), the triage decisions ``submit``, ``accept``,
``decline`` and ``merge``, and KPI alerts with ``start-improvement`` (a draft idea from a signal)."""

import django_filters
from django.db.models import Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Scope, Team
from common.api.conditional import check_if_match, honours_if_match
from common.api.filters import BoundedIsoDateTimeFilter
from common.api.idempotency import idempotent
from common.api.sync import ChangePagePagination
from common.api.viewsets import ApiViewSet
from improvement.api.common import (
    CREATED,
    active_user_field,
    kpi_code_field,
    updated_since,
)
from improvement.models import BreakpointType, Idea, IdeaStatus
from improvement.selectors.ideas import idea_list, kpi_alert_list
from improvement.services import idea_signals, ideas
from kpis.models import AlertLevel, AlertRule, Kpi, KpiAlert


class IdeaSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True, help_text="IDEA-0042.")
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    initiative_code = serializers.CharField(
        source="initiative.code", read_only=True, allow_null=True, default=None, help_text="Once accepted."
    )
    unit_value = serializers.DecimalField(max_digits=14, decimal_places=4, read_only=True, allow_null=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Idea
        fields = [
            "id",
            "reference",
            "title",
            "problem",
            "status",
            "kpi",
            "segment",
            "breakpoint_type",
            "team",
            "value",
            "difficulty",
            "current_value",
            "target_value",
            "unit_value",
            "monthly_volume",
            "submitted_by",
            "submitted_at",
            "alert",
            "signal",
            "baseline_from",
            "baseline_to",
            "decided_by",
            "decided_at",
            "decision_reason",
            "initiative",
            "initiative_code",
            "merged_into",
            "version",
            "archived",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _team_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(queryset=Team.objects.active(), **kwargs)


class IdeaUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    problem = serializers.CharField(required=False, allow_blank=True)
    kpi = kpi_code_field(required=False, allow_null=True)
    segment = serializers.CharField(required=False, allow_blank=True, max_length=100)
    breakpoint_type = serializers.ChoiceField(choices=BreakpointType.choices, required=False)
    team = _team_field(required=False, allow_null=True)
    value = serializers.IntegerField(required=False, min_value=1, max_value=5)
    difficulty = serializers.IntegerField(required=False, min_value=1, max_value=5)
    current_value = serializers.FloatField(required=False, allow_null=True)
    target_value = serializers.FloatField(required=False, allow_null=True)
    unit_value = serializers.DecimalField(
        max_digits=14, decimal_places=4, required=False, allow_null=True, min_value=0
    )
    monthly_volume = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class IdeaInputSerializer(IdeaUpdateSerializer):
    submit = serializers.BooleanField(
        required=False, default=True, help_text="false keeps it a draft only its author sees."
    )


class IdeaAcceptSerializer(serializers.Serializer):
    team = _team_field(required=False, allow_null=True, help_text="Required when the idea has no team.")
    lead = active_user_field(required=False, allow_null=True, help_text="Default: the caller.")
    start_date = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IdeaDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Told to the submitter; required.")


class VisibleIdeaField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Idea.objects.all(), **kwargs)

    def get_queryset(self):
        return idea_list(user=self.context["request"].user)


class IdeaMergeSerializer(serializers.Serializer):
    into = VisibleIdeaField(help_text="The id of the idea kept.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IdeaFilter(django_filters.FilterSet):
    updated_since = updated_since()
    status = django_filters.ChoiceFilter(choices=IdeaStatus.choices)
    kpi = django_filters.ModelChoiceFilter(
        field_name="kpi", to_field_name="code", queryset=Kpi.objects.all(), help_text="The KPI's code."
    )
    breakpoint_type = django_filters.ChoiceFilter(choices=BreakpointType.choices)
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="Submitted by the caller.")
    q = django_filters.CharFilter(method="filter_q", help_text="Text in the title or the problem.")

    class Meta:
        model = Idea
        fields = ["team", "submitted_by", "alert"]

    def filter_mine(self, queryset, name, value):
        mine = Q(submitted_by=self.request.user)
        return queryset.filter(mine) if value else queryset.exclude(mine)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(problem__icontains=value)) if value else queryset


class IdeaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Ideas the caller sees (every idea past draft, and their own drafts), newest first. A decided
    idea answers 409 to another decision; If-Match on an update or decision answers 412 when stale."""

    model = Idea
    serializer_class = IdeaSerializer
    filterset_class = IdeaFilter
    pagination_class = ChangePagePagination
    write_scope = Scope.IDEAS_WRITE
    ordering_fields = ["created_at", "updated_at", "id", "value", "difficulty"]
    ordering = ["-created_at", "-id"]

    def select(self, *, user, include_archived):
        return idea_list(user=user, include_archived=include_archived)

    def _out(self, idea) -> Response:
        return Response(IdeaSerializer(self.reread(idea)).data)

    @extend_schema(request=IdeaInputSerializer, responses={201: IdeaSerializer})
    @idempotent
    def create(self, request):
        created = ideas.idea_create(actor=request.user, **self.parse(IdeaInputSerializer))
        return Response(IdeaSerializer(self.reread(created)).data, status=CREATED)

    @extend_schema(request=IdeaUpdateSerializer, responses={200: IdeaSerializer})
    def partial_update(self, request, pk=None):
        idea = self.get_object()
        check_if_match(request, IdeaSerializer(idea).data)
        fields = self.parse(IdeaUpdateSerializer, partial=True)
        ideas.idea_update(actor=request.user, idea=idea, expected_version=idea.version, **fields)
        return self._out(idea)

    @extend_schema(request=None, responses={200: IdeaSerializer})
    @action(detail=True, methods=["post"])
    @honours_if_match
    def submit(self, request, pk=None):
        idea = self.get_object()
        check_if_match(request, IdeaSerializer(idea).data)
        return self._out(ideas.idea_submit(actor=request.user, idea=idea, expected_version=idea.version))

    @extend_schema(request=IdeaAcceptSerializer, responses={200: IdeaSerializer})
    @action(detail=True, methods=["post"])
    @honours_if_match
    def accept(self, request, pk=None):
        """Accept: a Plan-stage initiative is created from the idea (``initiative`` links it)."""
        idea = self.get_object()
        check_if_match(request, IdeaSerializer(idea).data)
        fields = self.parse(IdeaAcceptSerializer)
        accepted = ideas.idea_accept(actor=request.user, idea=idea, expected_version=idea.version, **fields)
        return self._out(accepted)

    @extend_schema(request=IdeaDeclineSerializer, responses={200: IdeaSerializer})
    @action(detail=True, methods=["post"])
    @honours_if_match
    def decline(self, request, pk=None):
        idea = self.get_object()
        check_if_match(request, IdeaSerializer(idea).data)
        fields = self.parse(IdeaDeclineSerializer)
        return self._out(
            ideas.idea_decline(actor=request.user, idea=idea, expected_version=idea.version, **fields)
        )

    @extend_schema(request=IdeaMergeSerializer, responses={200: IdeaSerializer})
    @action(detail=True, methods=["post"])
    @honours_if_match
    def merge(self, request, pk=None):
        """Close this idea as a duplicate of ``into`` (an idea the caller sees, not merged or declined)."""
        idea = self.get_object()
        check_if_match(request, IdeaSerializer(idea).data)
        fields = self.parse(IdeaMergeSerializer)
        merged = ideas.idea_merge(actor=request.user, idea=idea, expected_version=idea.version, **fields)
        return self._out(merged)


class KpiAlertSerializer(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rule = serializers.ChoiceField(choices=AlertRule.choices, read_only=True)
    level = serializers.ChoiceField(choices=AlertLevel.choices, read_only=True)
    segment = serializers.CharField(read_only=True)
    detail = serializers.CharField(
        read_only=True, help_text="For a control-chart signal, the rule that fired."
    )

    class Meta:
        model = KpiAlert
        fields = [
            "id",
            "kpi",
            "segment",
            "period",
            "rule",
            "level",
            "value",
            "threshold",
            "detail",
            "created_at",
        ]
        read_only_fields = fields


class KpiAlertFilter(django_filters.FilterSet):
    kpi = django_filters.ModelChoiceFilter(
        field_name="kpi", to_field_name="code", queryset=Kpi.objects.all(), help_text="The KPI's code."
    )
    since = BoundedIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="Only alerts raised at or after this time."
    )

    class Meta:
        model = KpiAlert
        fields = ["segment", "rule", "level"]


class KpiAlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """KPI alerts (threshold crossed, control-chart signal), newest first; ``start-improvement``
    gives the caller's draft idea from one (the same draft again while it is open)."""

    model = KpiAlert
    serializer_class = KpiAlertSerializer
    filterset_class = KpiAlertFilter
    action_scopes = {"start_improvement": Scope.IDEAS_WRITE}
    ordering_fields = ["created_at", "period", "id"]
    ordering = ["-created_at", "-id"]

    def select(self, *, user, include_archived):
        return kpi_alert_list()

    @extend_schema(request=None, responses={200: IdeaSerializer})
    @action(detail=True, methods=["post"], url_path="start-improvement")
    def start_improvement(self, request, pk=None):
        draft = idea_signals.idea_draft_from_alert(actor=request.user, alert=self.get_object())
        return Response(IdeaSerializer(idea_list(user=request.user).get(pk=draft.pk)).data)
