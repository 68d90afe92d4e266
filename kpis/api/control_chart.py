"""``GET /api/v1/kpis/{code}/control-chart/``: the XmR chart of a KPI series and its signals."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.viewsets import ApiViewSet
from kpis import selectors
from kpis.models import Kpi
from kpis.stats.spc import RULE_NAMES


class ControlChartQuerySerializer(serializers.Serializer):
    segment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text='"" = the whole service.'
    )
    baseline_start = serializers.DateField(
        required=False, help_text="First period of the baseline that sets the limits (default: the first)."
    )
    baseline_end = serializers.DateField(
        required=False, help_text="Last period of the baseline (default: the last); later points are judged."
    )


class ControlChartPointSerializer(serializers.Serializer):
    index = serializers.IntegerField(read_only=True, help_text="0-based position in the series.")
    period = serializers.DateField(read_only=True)
    value = serializers.FloatField(read_only=True, help_text="The period's value (mean over sources).")
    moving_range = serializers.FloatField(read_only=True, allow_null=True)
    in_baseline = serializers.BooleanField(read_only=True)


class ControlChartLimitsSerializer(serializers.Serializer):
    centre = serializers.FloatField(read_only=True, allow_null=True)
    ucl = serializers.FloatField(
        read_only=True, allow_null=True, help_text="centre + 2.66 × mean moving range"
    )
    lcl = serializers.FloatField(
        read_only=True, allow_null=True, help_text="centre − 2.66 × mean moving range"
    )
    sigma = serializers.FloatField(read_only=True, allow_null=True, help_text="(UCL − centre) / 3")
    mean_moving_range = serializers.FloatField(read_only=True, allow_null=True)
    moving_range_ucl = serializers.FloatField(
        read_only=True, allow_null=True, help_text="3.267 × mean moving range"
    )
    baseline_start = serializers.DateField(read_only=True)
    baseline_end = serializers.DateField(read_only=True)


class ControlChartSignalSerializer(serializers.Serializer):
    rule = serializers.IntegerField(read_only=True, help_text="Western Electric rule 1–4.")
    description = serializers.CharField(read_only=True)
    index = serializers.IntegerField(read_only=True, help_text="0-based index of the point completing it.")
    period = serializers.DateField(read_only=True)


class ControlChartSerializer(serializers.Serializer):
    kpi = serializers.CharField(read_only=True)
    segment = serializers.CharField(read_only=True)
    limits = ControlChartLimitsSerializer(read_only=True)
    points = ControlChartPointSerializer(many=True, read_only=True)
    signals = ControlChartSignalSerializer(many=True, read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


def control_chart_data(result: selectors.ControlChart) -> dict:
    chart, periods = result.chart, result.periods
    return {
        "kpi": result.kpi.code,
        "segment": result.segment,
        "limits": {
            "centre": chart.centre,
            "ucl": chart.ucl,
            "lcl": chart.lcl,
            "sigma": chart.sigma,
            "mean_moving_range": chart.mean_moving_range,
            "moving_range_ucl": chart.moving_range_ucl,
            "baseline_start": periods[chart.baseline_start],
            "baseline_end": periods[chart.baseline_end - 1],
        },
        "points": [{**point.as_dict(), "period": periods[point.index]} for point in chart.points],
        "signals": [
            {"rule": s.rule, "description": RULE_NAMES[s.rule], "index": s.index, "period": periods[s.index]}
            for s in chart.signals
        ],
        "warnings": chart.warnings,
    }


class KpiControlChartViewSet(ApiViewSet):
    """Shares the ``kpis/`` prefix with the catalogue; addresses a KPI by its code."""

    model = Kpi
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    pagination_class = None
    filter_backends: list = []

    def select(self, *, user, include_archived):
        return selectors.kpi_list(include_archived=True)

    @extend_schema(
        parameters=[ControlChartQuerySerializer],
        responses={200: ControlChartSerializer},
        description="XmR chart of the KPI's series (one value per period, the mean over sources): limits "
        "from the baseline periods, held while every point is judged by the four Western Electric rules. "
        "Each signal names its rule and the 0-based index of the point that completes it.",
    )
    @action(detail=True, methods=["get"], url_path="control-chart", url_name="control-chart")
    def control_chart(self, request, code=None):
        query = ControlChartQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = selectors.kpi_control_chart(kpi=self.get_object(), **query.validated_data)
        return Response(ControlChartSerializer(control_chart_data(result)).data)
