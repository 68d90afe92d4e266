"""KPI targets in the API: inputs, the named outputs (a target, a target's progress), the list."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from common.api.conditional import check_if_match
from common.api.idempotency import idempotent
from common.api.sync import ChangePagePagination
from improvement import selectors
from improvement.api.common import (
    CREATED,
    MONEY,
    KpiRefSerializer,
    ReadViewSet,
    VisibleInitiativeField,
    blank_choice_field,
    kpi_code_field,
    updated_since,
)
from improvement.models import Evaluation, KpiTarget
from improvement.selectors import target_progress
from improvement.selectors.targets import with_change_marker
from improvement.services import targets


class KpiTargetSerializer(serializers.ModelSerializer):
    kpi = KpiRefSerializer(read_only=True)
    current_value = serializers.FloatField(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField(help_text="0 = baseline, 1 = target (unclamped).")
    evaluation = blank_choice_field(Evaluation, help_text='"" until the target is evaluated in Check.')
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = KpiTarget
        fields = [
            "id",
            "initiative",
            "kpi",
            "segment",
            "baseline_value",
            "baseline_start",
            "baseline_end",
            "target_value",
            "target_date",
            "is_primary",
            "unit_value_per_month",
            "current_value",
            "progress",
            "evaluation",
            "evaluated_at",
            "version",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_progress(self, target) -> float | None:
        return target_progress(target=target).progress


class KpiTargetUpdateSerializer(serializers.Serializer):
    baseline_value = serializers.FloatField()
    target_value = serializers.FloatField()
    segment = serializers.CharField(max_length=100, required=False, allow_blank=True)
    baseline_start = serializers.DateField(required=False, allow_null=True)
    baseline_end = serializers.DateField(required=False, allow_null=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    is_primary = serializers.BooleanField(required=False)
    unit_value_per_month = serializers.DecimalField(**MONEY, required=False, allow_null=True)


class KpiTargetInputSerializer(KpiTargetUpdateSerializer):
    initiative = VisibleInitiativeField()
    kpi = kpi_code_field()


class TargetProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="target.id", read_only=True)
    kpi = KpiRefSerializer(source="target.kpi", read_only=True)
    segment = serializers.CharField(source="target.segment", read_only=True)
    is_primary = serializers.BooleanField(source="target.is_primary", read_only=True)
    baseline = serializers.FloatField(source="target.baseline_value", read_only=True)
    target = serializers.FloatField(source="target.target_value", read_only=True)
    current = serializers.FloatField(read_only=True, allow_null=True)
    progress = serializers.FloatField(
        source="progress_clamped", read_only=True, allow_null=True, help_text="0 = baseline, 1 = target."
    )
    progress_raw = serializers.FloatField(
        source="progress", read_only=True, allow_null=True, help_text="Unclamped: < 0 worse, > 1 beyond."
    )
    evaluation = serializers.ChoiceField(
        source="target.evaluation", choices=Evaluation.choices, read_only=True, allow_blank=True
    )


class KpiTargetFilter(django_filters.FilterSet):
    updated_since = updated_since()
    kpi = django_filters.CharFilter(field_name="kpi__code", help_text="The KPI's code.")

    class Meta:
        model = KpiTarget
        fields = ["initiative", "kpi", "segment", "is_primary", "evaluation"]


class TargetChangePagination(ChangePagePagination):
    """A target changes with its series' latest value: the walk goes by its series' marker too."""

    change_marker = staticmethod(with_change_marker)


class KpiTargetViewSet(ReadViewSet):
    model = KpiTarget
    serializer_class = KpiTargetSerializer
    filterset_class = KpiTargetFilter
    pagination_class = TargetChangePagination
    search_fields = ["kpi__name", "kpi__code", "segment"]
    ordering_fields = ["id", "updated_at", "target_date"]
    ordering = ["id"]

    def select(self, *, user, include_archived):
        return selectors.kpi_target_list(user=user, include_archived=include_archived)

    @extend_schema(request=KpiTargetInputSerializer, responses={201: KpiTargetSerializer})
    @idempotent
    def create(self, request):
        target = targets.kpi_target_create(actor=request.user, **self.parse(KpiTargetInputSerializer))
        return Response(KpiTargetSerializer(self.reread(target)).data, status=CREATED)

    @extend_schema(request=KpiTargetUpdateSerializer, responses={200: KpiTargetSerializer})
    def update(self, request, pk=None, partial=False):
        target = self.get_object()
        check_if_match(request, KpiTargetSerializer(target).data)
        fields = self.parse(KpiTargetUpdateSerializer, partial=partial)
        targets.kpi_target_update(
            actor=request.user, target=target, expected_version=target.version, **fields
        )
        return Response(KpiTargetSerializer(self.reread(target)).data)

    @extend_schema(request=KpiTargetUpdateSerializer, responses={200: KpiTargetSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)
