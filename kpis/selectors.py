import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models import DateField, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from common.errors import NotFound
from kpis.models import Kpi, Measurement
from kpis.stats.spc import LOOKBACK_POINTS, MIN_BASELINE_POINTS, XmrChart, xmr_chart_window


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


@dataclass(frozen=True)
class ControlChart:
    """An XmR chart of the latest stretch of a KPI series.

    ``periods`` are the stretch's periods; ``first_index`` is the position of the first in the whole
    series (the chart's indexes are positions in the whole series). ``points_total`` counts the
    series' periods; ``truncated`` is true when the stretch leaves some out.
    """

    code: str
    segment: str
    periods: list[dt.date]
    first_index: int
    points_total: int
    limit: int
    baseline: tuple[dt.date, dt.date]
    chart: XmrChart

    @property
    def truncated(self) -> bool:
        return self.points_total > len(self.periods)

    def period(self, index: int) -> dt.date:
        return self.periods[index - self.first_index]


MSG_CHART_BASELINE = "The baseline period must hold at least {minimum} measured periods of the series."
MSG_CHART_RANGE = "period_after must not be later than period_before."


LATEST_PERIOD = dt.date(9999, 12, 31)
# The chart's one query, written out (it runs on every chart, and the ORM took longer to build it
# than PostgreSQL to run it). Portable SQL: PostgreSQL and SQLite. The KPI by its code in each
# subquery; the window's oldest period by DISTINCT … OFFSET on the (kpi, segment, period) index;
# the series' period counts (all, and after the window) ride along on every row.
_KPI = "(SELECT id FROM kpis_kpi WHERE code = %(code)s)"
_SERIES = f"kpi_id = {_KPI} AND segment = %(segment)s"
CONTROL_CHART_SQL = f"""
SELECT m.kpi_id, m.period, m.value,
       (SELECT COUNT(*) FROM (SELECT DISTINCT period FROM kpis_measurement WHERE {_SERIES}) t),
       (SELECT COUNT(*) FROM (SELECT DISTINCT period FROM kpis_measurement
                              WHERE {_SERIES} AND period > %(before)s) a)
FROM kpis_measurement m
WHERE m.{_SERIES} AND m.period <= %(before)s
  AND m.period >= COALESCE(
      (SELECT period FROM (SELECT DISTINCT period FROM kpis_measurement
                           WHERE {_SERIES} AND period <= %(before)s
                           ORDER BY period DESC LIMIT 1 OFFSET %(offset)s) e),
      %(earliest)s)
ORDER BY m.period
"""


def _periods_of(rows) -> list[tuple[dt.date, float]]:
    """(kpi_id, period, value, …) rows in period order as one value per period."""
    values: dict[dt.date, list[float]] = {}
    for _, period, value, *_ in rows:
        # SQLite hands dates back as text.
        day = period if isinstance(period, dt.date) else dt.date.fromisoformat(period)
        values.setdefault(day, []).append(value)
    return [(period, period_mean(vs)) for period, vs in values.items()]


def kpi_control_chart(
    *,
    code: str,
    segment: str = "",
    baseline_start: dt.date | None = None,
    baseline_end: dt.date | None = None,
    limit: int = CHART_POINTS,
    period_after: dt.date | None = None,
    period_before: dt.date | None = None,
) -> ControlChart:
    """The XmR chart of the series' latest ``limit`` periods within [period_after, period_before].

    The limits come from the baseline: the periods from ``baseline_start`` to ``baseline_end`` of
    the whole series when either is given (a missing one: the series' first or last period), else
    the points answered. They are held while every answered point is judged by the Western Electric
    rules, with the 7 periods before the first answered one read as well, so each point is judged
    and each moving range taken exactly as in the chart of the whole series.
    """
    if period_after is not None and period_before is not None and period_after > period_before:
        raise ValidationError({"period_after": MSG_CHART_RANGE})
    params = {
        "code": code,
        "segment": segment,
        "before": period_before or LATEST_PERIOD,
        "offset": limit + LOOKBACK_POINTS - 1,
        "earliest": EARLIEST_PERIOD,
    }
    # The router's choice for a measurement read: the replica when the caller tolerates lag.
    with connections[router.db_for_read(Measurement)].cursor() as cursor:
        cursor.execute(CONTROL_CHART_SQL, params)
        rows = cursor.fetchall()
    stretch = _periods_of(rows)
    if rows:
        kpi_pk, total, later = rows[0][0], rows[0][3], rows[0][4]
    else:
        kpi_pk = Kpi.objects.filter(code=code).values_list("pk", flat=True).first()
        if kpi_pk is None:
            raise NotFound()
        total = later = (
            Measurement.objects.filter(kpi_id=kpi_pk, segment=segment).values("period").distinct().count()
        )
    shown_from = len(stretch) - sum(
        1 for period, _ in stretch[-limit:] if period_after is None or period >= period_after
    )
    shown = stretch[shown_from:]
    explicit = baseline_start is not None or baseline_end is not None
    if explicit:
        baseline = kpi_series(kpi=kpi_pk, segment=segment, start=baseline_start, end=baseline_end)
    else:
        baseline = shown
    if len(baseline) < MIN_BASELINE_POINTS:
        raise ValidationError({"baseline": MSG_CHART_BASELINE.format(minimum=MIN_BASELINE_POINTS)})
    first, last = baseline[0][0], baseline[-1][0]
    first_index = total - later - len(shown)
    chart = xmr_chart_window(
        [value for _, value in stretch],
        baseline=[value for _, value in baseline],
        shown_from=shown_from,
        first_index=first_index,
        in_baseline=[first <= period <= last for period, _ in shown],
    )
    return ControlChart(
        code=code,
        segment=segment,
        periods=[period for period, _ in shown],
        first_index=first_index,
        points_total=total,
        limit=limit,
        baseline=(first, last),
        chart=chart,
    )
