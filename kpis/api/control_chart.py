"""``GET /api/v1/kpis/{code}/control-chart/``: the XmR chart of a KPI series and its signals.

The answer is bounded: the latest ``limit`` periods (365 by default, at most 3,660), within
``period_after``/``period_before`` when given; ``points_total`` and ``truncated`` say what was left
out. It is written straight from the chart as dicts with ``ControlChartSerializer``'s keys, order and
formats (the serializer documents the schema; a test holds the two to the same output).
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.viewsets import ApiViewSet
from common.db_router import lag_tolerant_view
from kpis import selectors
from kpis.models import Kpi
from kpis.stats.spc import MIN_BASELINE_POINTS, RULE_NAMES


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
    limit = serializers.IntegerField(
        required=False,
        default=selectors.CHART_POINTS,
        min_value=MIN_BASELINE_POINTS,
        max_value=selectors.CHART_POINTS_MAX,
        help_text=f"How many of the latest periods to answer (default {selectors.CHART_POINTS}, "
        f"at most {selectors.CHART_POINTS_MAX:,}). Without a baseline, the answered points set the limits.",
    )
    period_after = serializers.DateField(required=False, help_text="Only periods on or after this date.")
    period_before = serializers.DateField(required=False, help_text="Only periods on or before this date.")


class ControlChartPointSerializer(serializers.Serializer):
    index = serializers.IntegerField(read_only=True, help_text="0-based position in the whole series.")
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
    points_total = serializers.IntegerField(read_only=True, help_text="Periods in the whole series.")
    truncated = serializers.BooleanField(
        read_only=True, help_text="True when `points` leaves periods of the series out (see `limit`)."
    )
    limit = serializers.IntegerField(read_only=True, help_text="The most points this answer could hold.")
    limits = ControlChartLimitsSerializer(read_only=True)
    points = ControlChartPointSerializer(many=True, read_only=True)
    signals = ControlChartSignalSerializer(many=True, read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


# What ``ControlChartQuerySerializer`` validates an empty query string to (a test holds the two equal).
CHART_DEFAULTS = {"segment": "", "limit": selectors.CHART_POINTS}


def _day(value):
    return value.isoformat()


def control_chart_data(result: selectors.ControlChart) -> dict:
    """The answer, as ``ControlChartSerializer`` writes it (dates ISO 8601, numbers as floats)."""
    chart, period = result.chart, result.period
    return {
        "kpi": result.code,
        "segment": result.segment,
        "points_total": result.points_total,
        "truncated": result.truncated,
        "limit": result.limit,
        "limits": {
            "centre": chart.centre,
            "ucl": chart.ucl,
            "lcl": chart.lcl,
            "sigma": chart.sigma,
            "mean_moving_range": chart.mean_moving_range,
            "moving_range_ucl": chart.moving_range_ucl,
            "baseline_start": _day(result.baseline[0]),
            "baseline_end": _day(result.baseline[1]),
        },
        "points": [
            {
                "index": point.index,
                "period": _day(period(point.index)),
                "value": point.value,
                "moving_range": point.moving_range,
                "in_baseline": point.in_baseline,
            }
            for point in chart.points
        ],
        "signals": [
            {
                "rule": s.rule,
                "description": RULE_NAMES[s.rule],
                "index": s.index,
                "period": _day(period(s.index)),
            }
            for s in chart.signals
        ],
        "warnings": list(chart.warnings),
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
        "Each signal names its rule and the 0-based index (in the whole series) of the point that "
        "completes it. The answer holds the latest `limit` periods (default 365, at most 3,660) within "
        "`period_after`/`period_before`; `points_total` and `truncated` say what was left out. Without "
        "`baseline_start`/`baseline_end` the answered points set the limits; with either, the baseline "
        "is read from the whole series, and the points before the answered ones are still taken into "
        "account for the rules and the first moving range. A limit outside 2–3,660 answers 400.",
    )
    @action(detail=True, methods=["get"], url_path="control-chart", url_name="control-chart")
    @lag_tolerant_view
    def control_chart(self, request, code=None):
        if request.query_params:
            query = ControlChartQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            params = query.validated_data
        else:
            # No parameters: the serializer's defaults, without building and running it.
            params = CHART_DEFAULTS
        # The KPI is looked up inside the chart's one query (404 when there is none).
        result = selectors.kpi_control_chart(code=code, **params)
        return Response(control_chart_data(result))
