"""Prioritisation in the API: the ranked list, the break-point Pareto and the settings.

``GET /priorities/`` pages the ranked ideas and Plan-stage initiatives (best score first);
``GET /breakpoints/`` answers the Pareto rows and the reference mix; ``GET/PATCH
/priority-settings/`` reads and (admins, with a token of ``initiatives:write``: the scope of
organisation-wide settings such as sign-off rules) changes the weights and the mix.
"""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import Scope
from common.api.conditional import check_if_match
from common.api.schema import ReportSchema
from common.api.viewsets import ApiViewSet
from common.errors import PermissionDenied
from improvement.api.common import VisibleTeamField
from improvement.models import BreakpointType, Idea, PrioritySettings, Quadrant
from improvement.models.initiatives import quadrant_for
from improvement.selectors.breakpoints import NO_KPI, breakpoint_report
from improvement.selectors.priorities import (
    KIND_IDEA,
    KIND_INITIATIVE,
    Items,
    PriorityFilters,
    priority_ranking,
    priority_settings_get,
    ranked_rows_named,
)
from improvement.services.priorities import MSG_ADMIN_ONLY, priority_settings_update
from kpis.models import Kpi

# --- input ------------------------------------------------------------------------------------------


class PriorityQuerySerializer(serializers.Serializer):
    team = VisibleTeamField(required=False, help_text="Only items of this team (an id).")
    kpi = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Kpi.objects.all(),
        required=False,
        help_text="Only items on this KPI (its code).",
    )
    breakpoint_type = serializers.ChoiceField(choices=BreakpointType.choices, required=False)
    items = serializers.ChoiceField(
        choices=Items.ALL,
        required=False,
        default=Items.BOTH,
        help_text="Ideas, Plan-stage initiatives or both.",
    )

    def filters(self) -> PriorityFilters:
        data = self.validated_data
        return PriorityFilters(
            team=data.get("team"),
            kpi=data.get("kpi"),
            breakpoint_type=data.get("breakpoint_type", ""),
            items=data.get("items", Items.BOTH),
        )


class PrioritySettingsInputSerializer(serializers.Serializer):
    """Shape only: the service checks that the mix adds up to 100 and that some weight is above 0."""

    weight_value = serializers.IntegerField(min_value=0, max_value=100, required=False)
    weight_money = serializers.IntegerField(min_value=0, max_value=100, required=False)
    weight_ease = serializers.IntegerField(min_value=0, max_value=100, required=False)
    reference_interaction = serializers.IntegerField(min_value=0, max_value=100, required=False)
    reference_process = serializers.IntegerField(min_value=0, max_value=100, required=False)
    reference_technical = serializers.IntegerField(min_value=0, max_value=100, required=False)


# --- output -----------------------------------------------------------------------------------------


class PriorityItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[KIND_IDEA, KIND_INITIATIVE])
    id = serializers.IntegerField(source="item_id")
    reference = serializers.SerializerMethodField()
    title = serializers.CharField(source="name")
    team = serializers.CharField(source="team_name", allow_null=True)
    breakpoint_type = serializers.ChoiceField(choices=BreakpointType.choices, source="bp")
    value = serializers.IntegerField(source="v", help_text="1–5 (an initiative's impact).")
    difficulty = serializers.IntegerField(source="d", help_text="1–5 (an initiative's effort).")
    quadrant = serializers.SerializerMethodField()
    money_per_month = serializers.FloatField(
        source="money",
        allow_null=True,
        help_text="The KPI gap to target in money a month; null when unknown.",
    )
    score = serializers.FloatField(help_text="0–100: the weighted score of value, money a month and ease.")

    def get_reference(self, row) -> str:
        return f"IDEA-{row['item_id']:04d}" if row["kind"] == KIND_IDEA else row["ref"]

    @extend_schema(responses=serializers.ChoiceField(choices=Quadrant.choices))
    def get_quadrant(self, row) -> str:
        return quadrant_for(row["v"], row["d"])


class ParetoRowSerializer(serializers.Serializer):
    breakpoint_type = serializers.ChoiceField(choices=BreakpointType.choices, source="totals.breakpoint_type")
    kpi = serializers.SerializerMethodField(
        help_text="The KPI's code (null: the type's row, or items with no KPI)."
    )
    ideas = serializers.IntegerField(source="totals.ideas")
    initiatives = serializers.IntegerField(source="totals.initiatives")
    money_per_month = serializers.FloatField(source="totals.money", allow_null=True)
    targets = serializers.IntegerField(source="totals.targets")
    targets_on_target = serializers.IntegerField(source="totals.targets_on_target")
    on_target_rate = serializers.FloatField(allow_null=True, help_text="Percent of the targets on target.")
    share = serializers.FloatField(allow_null=True, help_text="Percent of the items counted.")
    cumulative_share = serializers.FloatField(allow_null=True)
    reference_share = serializers.FloatField(allow_null=True)
    difference = serializers.FloatField(allow_null=True, help_text="share − reference_share, in points.")

    def get_kpi(self, row) -> str | None:
        _, _, kpi = row.totals.key.partition(":")
        return None if not kpi or kpi == NO_KPI else self.context["kpi_codes"].get(kpi)


class ReferenceMixSerializer(serializers.Serializer):
    interaction = serializers.IntegerField()
    process = serializers.IntegerField()
    technical = serializers.IntegerField()


class BreakpointReportSerializer(serializers.Serializer):
    reference_mix = ReferenceMixSerializer()
    by_type = ParetoRowSerializer(many=True)
    by_kpi = ParetoRowSerializer(many=True, help_text="Within each type (in the order of by_type), its KPIs.")


class PrioritySettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = PrioritySettings
        fields = [
            "id",
            "weight_value",
            "weight_money",
            "weight_ease",
            "reference_interaction",
            "reference_process",
            "reference_technical",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields


# --- views ------------------------------------------------------------------------------------------


def _query(request) -> PriorityFilters:
    query = PriorityQuerySerializer(data=request.query_params, context={"request": request})
    query.is_valid(raise_exception=True)
    return query.filters()


class PriorityViewSet(ApiViewSet):
    """Open ideas and active Plan-stage initiatives, best score first, a page at a time."""

    model = Idea
    filter_backends: list = []

    def select(self, *, user, include_archived):
        return Idea.objects.none()

    @extend_schema(parameters=[PriorityQuerySerializer], responses={200: PriorityItemSerializer(many=True)})
    def list(self, request):
        ranking = priority_ranking(
            user=request.user, filters=_query(request), settings=priority_settings_get()
        )
        page = self.paginate_queryset(ranking.rows)
        return self.get_paginated_response(PriorityItemSerializer(ranked_rows_named(page), many=True).data)


class BreakpointViewSet(ApiViewSet):
    """The break-point Pareto of open ideas and active initiatives, and the reference mix."""

    model = Idea
    pagination_class = None
    filter_backends: list = []
    # One report object, not a list of rows: documented (and fuzzed) as such.
    schema = ReportSchema()

    def select(self, *, user, include_archived):
        return Idea.objects.none()

    @extend_schema(parameters=[PriorityQuerySerializer], responses={200: BreakpointReportSerializer})
    def list(self, request):
        report = breakpoint_report(
            user=request.user, filters=_query(request), settings=priority_settings_get()
        )
        codes = dict(Kpi.objects.filter(pk__in=[int(k) for k in report.kpi_names]).values_list("pk", "code"))
        data = {
            "reference_mix": report.reference,
            "by_type": report.by_type,
            "by_kpi": [kpi_row for _, kpi_rows in report.by_kpi for kpi_row in kpi_rows],
        }
        context = {"kpi_codes": {str(pk): code for pk, code in codes.items()}}
        return Response(BreakpointReportSerializer(data, context=context).data)


class PrioritySettingsViewSet(ApiViewSet):
    """The organisation's one settings row: read by every caller, changed by admins."""

    model = PrioritySettings
    pagination_class = None
    filter_backends: list = []
    write_scope = Scope.INITIATIVES_WRITE

    def select(self, *, user, include_archived):
        return PrioritySettings.objects.all()

    @extend_schema(responses={200: PrioritySettingsSerializer})
    def retrieve(self, request):
        return Response(PrioritySettingsSerializer(priority_settings_get()).data)

    @extend_schema(
        request=PrioritySettingsInputSerializer,
        responses={200: PrioritySettingsSerializer},
        description="Admins only. The reference mix must add up to 100 (400 on `reference_mix`); some "
        "weight must be above 0 (400 on `weights`). If-Match with the ETag of the GET refuses a change "
        "made against settings changed since (412).",
    )
    def partial_update(self, request):
        if not request.user.is_admin:
            # Before the body is read: a caller who may not change the settings learns nothing of it.
            raise PermissionDenied(gettext(MSG_ADMIN_ONLY))
        settings = priority_settings_get()
        check_if_match(request, PrioritySettingsSerializer(settings).data)
        fields = self.parse(PrioritySettingsInputSerializer, partial=True)
        updated = priority_settings_update(
            actor=request.user, expected_updated_at=settings.updated_at, **fields
        )
        return Response(PrioritySettingsSerializer(updated).data)
