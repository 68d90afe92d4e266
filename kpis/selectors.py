import datetime as dt
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from kpis.models import Kpi, Measurement
from kpis.stats.spc import MIN_BASELINE_POINTS, XmrChart, xmr_chart


def kpi_list(*, include_archived: bool = False) -> QuerySet[Kpi]:
    return Kpi.objects.all() if include_archived else Kpi.objects.active()


def measurement_list() -> QuerySet[Measurement]:
    return Measurement.objects.select_related("kpi")


def period_mean(values: list[float]) -> float:
    """The mean of one period's values over sources, finite for any finite values."""
    mean = sum(values) / len(values)
    if math.isfinite(mean):
        return mean
    return sum(value / len(values) for value in values)


def kpi_series(
    *, kpi: Kpi, segment: str = "", start: dt.date | None = None, end: dt.date | None = None
) -> list[tuple[dt.date, float]]:
    """One value per period (the mean over sources), oldest first."""
    qs = Measurement.objects.filter(kpi=kpi, segment=segment)
    if start is not None:
        qs = qs.filter(period__gte=start)
    if end is not None:
        qs = qs.filter(period__lte=end)
    # Averaged here rather than with SQL AVG: values near the float limit (stored before
    # MAX_ABS_VALUE was enforced) overflow a database sum, which PostgreSQL refuses (500).
    values: dict[dt.date, list[float]] = {}
    for period, value in qs.order_by("period").values_list("period", "value"):
        values.setdefault(period, []).append(value)
    return [(period, period_mean(vs)) for period, vs in values.items()]


@dataclass(frozen=True)
class ControlChart:
    """An XmR chart of a KPI series, with the periods the chart's 0-based indexes stand for."""

    kpi: Kpi
    segment: str
    periods: list[dt.date]
    chart: XmrChart


MSG_CHART_BASELINE = "The baseline period must hold at least {minimum} measured periods of the series."


def kpi_control_chart(
    *,
    kpi: Kpi,
    segment: str = "",
    baseline_start: dt.date | None = None,
    baseline_end: dt.date | None = None,
) -> ControlChart:
    """The XmR chart of the KPI's series (one value per period), limits from the baseline periods.

    Without a baseline period the whole series sets the limits. The limits are held while every
    point, later ones included, is judged by the Western Electric rules.
    """
    series = kpi_series(kpi=kpi, segment=segment)
    periods = [period for period, _ in series]
    inside = [
        index
        for index, period in enumerate(periods)
        if (baseline_start is None or period >= baseline_start)
        and (baseline_end is None or period <= baseline_end)
    ]
    if len(inside) < MIN_BASELINE_POINTS:
        raise ValidationError({"baseline": MSG_CHART_BASELINE.format(minimum=MIN_BASELINE_POINTS)})
    chart = xmr_chart([value for _, value in series], baseline_start=inside[0], baseline_end=inside[-1] + 1)
    return ControlChart(kpi=kpi, segment=segment, periods=periods, chart=chart)
