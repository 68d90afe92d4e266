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
from kpis.control_chart import ChartPhase, ControlChart, kpi_control_chart
from kpis.models import ChartType, Kpi
from kpis.stats.attribute import ATTRIBUTE_CHARTS, XMR_CHART
from kpis.stats.spc import MIN_BASELINE_POINTS, RULE_NAMES

CHART_KINDS = [XMR_CHART, *ATTRIBUTE_CHARTS]


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
    chart = serializers.ChoiceField(
        choices=ChartType.choices,
        required=False,
        help_text="The chart to draw (default: the KPI's chart type; `auto` picks p, u or Laney P′ for "
        "rates and counts with sample sizes, else XmR). `chart_reason` in the answer says why.",
    )


class ControlChartPointSerializer(serializers.Serializer):
    index = serializers.IntegerField(read_only=True, help_text="0-based position in the whole series.")
    period = serializers.DateField(read_only=True)
    value = serializers.FloatField(
        read_only=True,
        help_text="XmR: the period's value (mean over sources). p / Laney P′: the share counted, in the "
        "KPI's unit (percent for a percent KPI). u: the count per unit.",
    )
    moving_range = serializers.FloatField(
        read_only=True, allow_null=True, help_text="XmR: |value − previous|; Laney P′: of the z-scores."
    )
    in_baseline = serializers.BooleanField(read_only=True)
    phase = serializers.IntegerField(read_only=True, help_text="0-based index into `phases`.")
    ucl = serializers.FloatField(read_only=True, allow_null=True, help_text="This point's upper limit.")
    lcl = serializers.FloatField(read_only=True, allow_null=True, help_text="This point's lower limit.")
    sample_size = serializers.FloatField(
        read_only=True, allow_null=True, help_text="The period's sample size (summed over sources)."
    )
    note = serializers.CharField(read_only=True)
    assignable_cause = serializers.CharField(read_only=True)


class ControlChartLimitsSerializer(serializers.Serializer):
    centre = serializers.FloatField(read_only=True, allow_null=True)
    ucl = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="XmR: centre + 2.66 × mean moving range; p / u / Laney P′: the latest point's limit.",
    )
    lcl = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="XmR: centre − 2.66 × mean moving range; p / u / Laney P′: the latest point's limit.",
    )
    sigma = serializers.FloatField(read_only=True, allow_null=True, help_text="XmR: (UCL − centre) / 3")
    mean_moving_range = serializers.FloatField(read_only=True, allow_null=True)
    moving_range_ucl = serializers.FloatField(
        read_only=True, allow_null=True, help_text="3.267 × mean moving range (XmR; Laney P′ of the z-scores)"
    )
    sigma_z = serializers.FloatField(
        read_only=True, allow_null=True, help_text="p / u / Laney P′: the overdispersion ratio σ_z."
    )
    baseline_start = serializers.DateField(read_only=True, allow_null=True)
    baseline_end = serializers.DateField(read_only=True, allow_null=True)


class ControlChartSignalSerializer(serializers.Serializer):
    rule = serializers.IntegerField(read_only=True, help_text="Western Electric rule 1–4.")
    description = serializers.CharField(read_only=True)
    index = serializers.IntegerField(read_only=True, help_text="0-based index of the point completing it.")
    period = serializers.DateField(read_only=True)
    points = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Indexes of the answered points that make up the signal.",
    )


class ControlChartPhaseSerializer(serializers.Serializer):
    label = serializers.CharField(read_only=True)
    starts = serializers.DateField(read_only=True, allow_null=True, help_text="The phase break's date.")
    first_index = serializers.IntegerField(read_only=True)
    points = serializers.IntegerField(read_only=True, help_text="How many answered points it holds.")
    limits = ControlChartLimitsSerializer(read_only=True)
    signals = ControlChartSignalSerializer(many=True, read_only=True)
    moving_range_beyond = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Indexes of points above the moving-range chart's limit (XmR, Laney P′).",
    )
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class ControlChartSerializer(serializers.Serializer):
    kpi = serializers.CharField(read_only=True)
    segment = serializers.CharField(read_only=True)
    chart_type = serializers.ChoiceField(choices=CHART_KINDS, read_only=True)
    chart_reason = serializers.CharField(read_only=True, help_text="Why this chart was chosen.")
    points_total = serializers.IntegerField(read_only=True, help_text="Periods in the whole series.")
    truncated = serializers.BooleanField(
        read_only=True, help_text="True when `points` leaves periods of the series out (see `limit`)."
    )
    limit = serializers.IntegerField(read_only=True, help_text="The most points this answer could hold.")
    limits = ControlChartLimitsSerializer(read_only=True, help_text="The latest phase's limits.")
    points = ControlChartPointSerializer(many=True, read_only=True)
    signals = ControlChartSignalSerializer(many=True, read_only=True, help_text="The latest phase's signals.")
    moving_range_beyond = serializers.ListField(
        child=serializers.IntegerField(), read_only=True, help_text="The latest phase's."
    )
    phases = ControlChartPhaseSerializer(many=True, read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


# What ``ControlChartQuerySerializer`` validates an empty query string to (a test holds the two equal).
CHART_DEFAULTS = {"segment": "", "limit": selectors.CHART_POINTS}


def _day(value):
    return None if value is None else value.isoformat()


def _limits(phase: ChartPhase, scale: float) -> dict:
    xmr, attr = phase.xmr, phase.attribute
    first, last = phase.baseline or (None, None)
    limits = dict.fromkeys(
        ("centre", "ucl", "lcl", "sigma", "mean_moving_range", "moving_range_ucl", "sigma_z")
    )
    if xmr is not None:
        limits.update(
            centre=xmr.centre,
            ucl=xmr.ucl,
            lcl=xmr.lcl,
            sigma=xmr.sigma,
            mean_moving_range=xmr.mean_moving_range,
            moving_range_ucl=xmr.moving_range_ucl,
        )
    elif attr is not None:
        end = attr.points[-1] if attr.points else None
        limits.update(
            centre=attr.centre * scale,
            ucl=None if end is None or end.ucl is None else end.ucl * scale,
            lcl=None if end is None or end.lcl is None else end.lcl * scale,
            moving_range_ucl=attr.moving_range_ucl,
            sigma_z=attr.sigma_z,
        )
    return {**limits, "baseline_start": _day(first), "baseline_end": _day(last)}


def _signals(phase: ChartPhase, period) -> list[dict]:
    return [
        {
            "rule": s.rule,
            "description": RULE_NAMES[s.rule],
            "index": s.index,
            "period": _day(period(s.index)),
            "points": phase.members(s),
        }
        for s in phase.signals
    ]


def _points(result: ControlChart) -> list[dict]:
    """Every answered point, phase by phase; one comprehension per phase (a series of 3,660 points
    is built here on every request)."""
    points = []
    scale = result.scale
    for number, phase in enumerate(result.phases):
        xmr, attribute, first = phase.xmr, phase.attribute, phase.first_index
        if xmr is not None:
            points += [
                {
                    "index": first + at,
                    "period": period.day.isoformat(),
                    "value": period.value,
                    "moving_range": point.moving_range,
                    "in_baseline": point.in_baseline,
                    "phase": number,
                    "ucl": xmr.ucl,
                    "lcl": xmr.lcl,
                    "sample_size": period.size,
                    "note": period.note,
                    "assignable_cause": period.assignable_cause,
                }
                for at, (period, point) in enumerate(zip(phase.periods, xmr.points, strict=True))
            ]
        elif attribute is not None:
            points += [
                {
                    "index": first + at,
                    "period": period.day.isoformat(),
                    "value": point.value * scale,
                    "moving_range": point.moving_range,
                    "in_baseline": point.in_baseline,
                    "phase": number,
                    "ucl": None if point.ucl is None else point.ucl * scale,
                    "lcl": None if point.ucl is None else point.lcl * scale,
                    "sample_size": period.size,
                    "note": period.note,
                    "assignable_cause": period.assignable_cause,
                }
                for at, (period, point) in enumerate(zip(phase.periods, attribute.points, strict=True))
            ]
        else:
            points += [
                {
                    "index": first + at,
                    "period": period.day.isoformat(),
                    "value": period.value,
                    "moving_range": None,
                    "in_baseline": False,
                    "phase": number,
                    "ucl": None,
                    "lcl": None,
                    "sample_size": period.size,
                    "note": period.note,
                    "assignable_cause": period.assignable_cause,
                }
                for at, period in enumerate(phase.periods)
            ]
    return points


def control_chart_data(result: ControlChart) -> dict:
    """The answer, as ``ControlChartSerializer`` writes it (dates ISO 8601, numbers as floats)."""
    days = {result.first_index + at: p.day for at, p in enumerate(result.periods)}
    phases = [
        {
            "label": phase.label,
            "starts": _day(phase.starts),
            "first_index": phase.first_index,
            "points": len(phase.periods),
            "limits": _limits(phase, result.scale),
            "signals": _signals(phase, days.get),
            "moving_range_beyond": phase.moving_range_beyond(),
            "warnings": [
                *phase.warnings,
                *((phase.xmr or phase.attribute).warnings if phase.xmr or phase.attribute else ()),
            ],
        }
        for phase in result.phases
    ]
    latest = phases[-1]
    return {
        "kpi": result.code,
        "segment": result.segment,
        "chart_type": result.kind,
        "chart_reason": result.why,
        "points_total": result.points_total,
        "truncated": result.truncated,
        "limit": result.limit,
        "limits": latest["limits"],
        "points": _points(result),
        "signals": latest["signals"],
        "moving_range_beyond": latest["moving_range_beyond"],
        "phases": phases,
        "warnings": latest["warnings"],
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
        result = kpi_control_chart(code=code, **params)
        return Response(control_chart_data(result))
