import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import DateField, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from kpis.models import Kpi, Measurement


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
    *, kpi: Kpi | int, segment: str = "", start: dt.date | None = None, end: dt.date | None = None
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
class SeriesWindow:
    """The latest ``points`` periods of a KPI series within [``start``, ``end``] (None: unbounded)."""

    kpi_id: int
    segment: str
    points: int
    end: dt.date | None = None
    start: dt.date | None = None

    def scope(self) -> Q:
        scope = Q(kpi_id=self.kpi_id, segment=self.segment)
        if self.end is not None:
            scope &= Q(period__lte=self.end)
        if self.start is not None:
            scope &= Q(period__gte=self.start)
        return scope

    def holds(self, period: dt.date) -> bool:
        return (self.start is None or period >= self.start) and (self.end is None or period <= self.end)


# Before every stored period: a window shorter than its ``points`` starts here.
EARLIEST_PERIOD = dt.date(1, 1, 1)


def _window_rows(windows: Sequence[SeriesWindow]) -> QuerySet[Measurement]:
    """The rows of every window: from each window's oldest period on, found by a ``DISTINCT period …
    ORDER BY period DESC OFFSET points − 1`` subquery on the series index."""
    condition = Q()
    for window in windows:
        edge = (
            Measurement.objects.filter(window.scope())
            .order_by("-period")
            .values("period")
            .distinct()[window.points - 1 : window.points]
        )
        oldest = Coalesce(Subquery(edge), Value(EARLIEST_PERIOD), output_field=DateField())
        condition |= window.scope() & Q(period__gte=oldest)
    return Measurement.objects.filter(condition).order_by("period")


def _windows_of(rows, windows: Sequence[SeriesWindow]) -> list[list[tuple[dt.date, float]]]:
    """Each window's periods from (kpi_id, segment, period, value) rows in period order."""
    # Averaged in Python, as kpi_series does: a SQL AVG of values near the float limit overflows.
    values: dict[tuple[int, str], dict[dt.date, list[float]]] = defaultdict(dict)
    for kpi_id, segment, period, value in rows:
        values[(kpi_id, segment)].setdefault(period, []).append(value)
    found = []
    for window in windows:
        series = values.get((window.kpi_id, window.segment), {})
        inside = [(period, period_mean(vs)) for period, vs in series.items() if window.holds(period)]
        found.append(inside[-window.points :])
    return found


def kpi_series_windows(*, windows: Sequence[SeriesWindow]) -> list[list[tuple[dt.date, float]]]:
    """Each window's periods (one value per period, the mean over sources), oldest first, in one query.

    A window reads at most its ``points`` periods however long the series is.
    """
    if not windows:
        return []
    rows = _window_rows(windows).values_list("kpi_id", "segment", "period", "value")
    return _windows_of(rows, windows)


# The points a control chart answers by default, and at most: a year of days, ten years of days.
CHART_POINTS = 365
CHART_POINTS_MAX = 3_660
