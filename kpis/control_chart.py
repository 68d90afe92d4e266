"""The control chart of a KPI series: a bounded stretch, split into phases at the KPI's phase breaks,
each phase with its own limits, drawn as XmR, p, u or Laney P′ (see docs/statistics.md)."""

import bisect
import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import connections, router
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from common.errors import NotFound
from kpis.models import ChartType, Kpi, Measurement, Unit
from kpis.selectors import CHART_POINTS, EARLIEST_PERIOD, period_mean
from kpis.stats import attribute as ac
from kpis.stats.spc import (
    LOOKBACK_POINTS,
    MIN_BASELINE_POINTS,
    Signal,
    XmrChart,
    signal_members,
    xmr_chart_window,
)

MSG_CHART_BASELINE = gettext_noop(
    "The baseline period must hold at least {minimum} measured periods of the series."
)
MSG_CHART_RANGE = gettext_noop("period_after must not be later than period_before.")
MSG_CHART_SIZES = gettext_noop(
    "A {kind} chart needs a sample size above 0 for every period charted: {detail}"
)
MSG_CHART_SIZE_MISSING = gettext_noop(
    "A {kind} chart needs a sample size above 0 for every period charted: {day} has none."
)
W_PHASE_SHORT = gettext_noop("Phase “{label}” holds fewer than {minimum} periods: no limits, no signals yet.")
FIRST_PHASE_LABEL = gettext_noop("Before the first change")
NOTES_SEPARATOR = "; "

LATEST_PERIOD = dt.date(9999, 12, 31)
# The chart's one query for its points and its phase breaks, written out (it runs on every chart,
# and the ORM took longer to build it than PostgreSQL to run it). Portable SQL: PostgreSQL and
# SQLite. The KPI by its code in each subquery; the window's oldest period by DISTINCT … OFFSET on
# the (kpi, segment, period) index; the series' period counts (all, and after the window) and the
# KPI's unit and chart type ride along on every point row (each an uncorrelated subquery, run once).
# The phase breaks of the segment and of every segment follow as rows of part 1: (starts, label,
# segment) in the period, note and assignable-cause columns.
_KPI = "(SELECT id FROM kpis_kpi WHERE code = %(code)s)"
_SERIES = f"kpi_id = {_KPI} AND segment = %(segment)s"
POINTS_PART, BREAKS_PART = 0, 1
CONTROL_CHART_SQL = f"""
SELECT {POINTS_PART}, m.kpi_id, m.period, m.value,
       (SELECT COUNT(*) FROM (SELECT DISTINCT period FROM kpis_measurement WHERE {_SERIES}) t),
       (SELECT COUNT(*) FROM (SELECT DISTINCT period FROM kpis_measurement
                              WHERE {_SERIES} AND period > %(before)s) a),
       m.sample_size, m.numerator, m.note, m.assignable_cause,
       (SELECT unit FROM kpis_kpi WHERE code = %(code)s),
       (SELECT chart_type FROM kpis_kpi WHERE code = %(code)s)
FROM kpis_measurement m
WHERE m.{_SERIES} AND m.period <= %(before)s
  AND m.period >= COALESCE(
      (SELECT period FROM (SELECT DISTINCT period FROM kpis_measurement
                           WHERE {_SERIES} AND period <= %(before)s
                           ORDER BY period DESC LIMIT 1 OFFSET %(offset)s) e),
      %(earliest)s)
UNION ALL
SELECT {BREAKS_PART}, kpi_id, starts, NULL, NULL, NULL, NULL, NULL, label, segment, NULL, NULL
FROM kpis_phasebreak
WHERE kpi_id = {_KPI} AND segment IN ('', %(segment)s)
ORDER BY 1, 3
"""


@dataclass
class Period:
    """One period of the series: the mean value over sources and, when every source has one, the
    summed sample size and count (the numerator, or the value × sample size for a rate)."""

    day: dt.date
    values: list[float] = field(default_factory=list)
    size: float | None = 0.0
    count: float = 0.0
    notes: list[str] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)

    @property
    def value(self) -> float:
        return period_mean(self.values)

    @property
    def note(self) -> str:
        return NOTES_SEPARATOR.join(self.notes)

    @property
    def assignable_cause(self) -> str:
        return NOTES_SEPARATOR.join(self.causes)


def periods_of_rows(rows, *, unit: str) -> list[Period]:
    """(period, value, sample_size, numerator, note, cause) rows in period order, one Period each."""
    found: dict[dt.date, Period] = {}
    for day, value, size, numerator, note, cause in rows:
        # SQLite hands dates back as text.
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(day)
        period = found.setdefault(day, Period(day))
        period.values.append(value)
        if note:
            period.notes.append(note)
        if cause:
            period.causes.append(cause)
        if size is None or period.size is None:
            period.size = None
            continue
        period.size += size
        if numerator is not None:
            period.count += numerator
        elif unit == Unit.PERCENT:
            period.count += value / 100 * size
        elif unit == Unit.COUNT:
            period.count += value
        else:
            period.count += value * size
    return list(found.values())


def _breaks(rows) -> list[tuple[dt.date, str]]:
    """(starts, label) of the chart's phase breaks, in the order the phases follow: by day, and on a
    day with both, every segment's break before the segment's own, so the segment's own names the
    phase from that day. Breaks of one day named alike count once. SQLite hands dates back as text."""
    own: dict[tuple[dt.date, str], bool] = {}
    for row in rows:
        day = row[2] if isinstance(row[2], dt.date) else dt.date.fromisoformat(row[2])
        own[(day, row[8])] = own.get((day, row[8]), False) or row[9] != ""
    return [key for key, _ in sorted(own.items(), key=lambda item: (item[0][0], item[1], item[0][1]))]


def _natural(unit: str) -> str | None:
    return {Unit.PERCENT: ac.P_CHART, Unit.COUNT: ac.U_CHART}.get(unit)


@dataclass(frozen=True)
class ChartPhase:
    """One phase of the chart: its answered points (positions ``first_index``… of the whole series)
    under one set of limits. ``starts`` is its phase break's date (None for the first phase)."""

    label: str
    starts: dt.date | None
    periods: list[Period]
    first_index: int
    baseline: tuple[dt.date, dt.date] | None
    xmr: XmrChart | None = None
    attribute: ac.AttributeChart | None = None
    warnings: tuple[str, ...] = ()

    @property
    def signals(self) -> list[Signal]:
        chart = self.xmr or self.attribute
        return chart.signals if chart else []

    @cached_property
    def _judged(self) -> tuple[list[float], float, float]:
        """What the rules judged: the values against the centre and σ (XmR), or the z-scores."""
        if self.xmr is not None:
            return [point.value for point in self.xmr.points], self.xmr.centre, self.xmr.sigma
        return [point.z for point in self.attribute.points], 0.0, 1.0

    def members(self, signal: Signal) -> list[int]:
        """The indexes (in the whole series) of the answered points making up ``signal``."""
        values, centre, sigma = self._judged
        local = Signal(signal.rule, signal.index - self.first_index)
        found = signal_members(values, centre=centre, sigma=sigma, signal=local)
        return [self.first_index + at for at in found]

    def moving_range_beyond(self) -> list[int]:
        """Indexes of points whose moving range is above the moving-range chart's limit."""
        chart = self.xmr or self.attribute
        if chart is None or chart.moving_range_ucl is None:
            return []
        return [
            p.index
            for p in chart.points
            if p.moving_range is not None and p.moving_range > chart.moving_range_ucl
        ]


@dataclass(frozen=True)
class ControlChart:
    """The latest stretch of a KPI series, in phases. ``first_index`` is the position of the first
    answered period in the whole series; ``points_total`` counts the series' periods."""

    code: str
    segment: str
    first_index: int
    points_total: int
    limit: int
    kind: str
    why: str
    scale: float
    phases: list[ChartPhase]

    @property
    def periods(self) -> list[Period]:
        return [period for phase in self.phases for period in phase.periods]

    @property
    def truncated(self) -> bool:
        return self.points_total > len(self.periods)

    @property
    def latest(self) -> ChartPhase:
        return self.phases[-1]


def _phase_chart(
    *, kind: str, label: str, stretch: list[Period], shown_from: int, first_index: int, baseline: list[Period]
) -> tuple[XmrChart | None, ac.AttributeChart | None, list[str]]:
    if len(baseline) < MIN_BASELINE_POINTS:
        return None, None, [_(W_PHASE_SHORT).format(label=label, minimum=MIN_BASELINE_POINTS)]
    first, last = baseline[0].day, baseline[-1].day
    flags = [first <= p.day <= last for p in stretch[shown_from:]]
    if kind == ac.XMR_CHART:
        chart = xmr_chart_window(
            [p.value for p in stretch],
            baseline=[p.value for p in baseline],
            shown_from=shown_from,
            first_index=first_index,
            in_baseline=flags,
        )
        return chart, None, []
    missing = next((p for p in stretch + baseline if p.size is None or p.size <= 0), None)
    if missing is not None:
        raise ValidationError({"chart": _(MSG_CHART_SIZE_MISSING).format(kind=kind, day=missing.day)})
    try:
        chart = ac.attribute_chart(
            [p.count for p in stretch],
            [p.size for p in stretch],
            kind=kind,
            baseline_counts=[p.count for p in baseline],
            baseline_sizes=[p.size for p in baseline],
            shown_from=shown_from,
            first_index=first_index,
            in_baseline=flags,
        )
    except ValueError as error:
        raise ValidationError({"chart": _(MSG_CHART_SIZES).format(kind=kind, detail=str(error))}) from error
    return None, chart, []


def _series_periods(*, kpi_pk: int, segment: str, unit: str, start, end) -> list[Period]:
    qs = Measurement.objects.filter(kpi_id=kpi_pk, segment=segment)
    if start is not None:
        qs = qs.filter(period__gte=start)
    if end is not None:
        qs = qs.filter(period__lte=end)
    fields = ("period", "value", "sample_size", "numerator", "note", "assignable_cause")
    return periods_of_rows(qs.order_by("period").values_list(*fields), unit=unit)


def _choose(requested: str, unit: str, periods: list[Period], charted: list[Period]) -> tuple[str, str]:
    """``periods`` set σ_z (the latest phase's); every period ``charted`` must have a sample size."""
    natural = _natural(unit)
    sized = bool(periods) and all(p.size for p in periods) and all(p.size for p in charted)
    sigma_z = None
    if requested == ChartType.AUTO and natural == ac.P_CHART and sized:
        try:
            sigma_z = ac.overdispersion([p.count for p in periods], [p.size for p in periods])
        except ValueError:
            sized = False
    return ac.chart_choice(requested=requested, natural=natural, sized=sized, sigma_z=sigma_z)


def kpi_control_chart(
    *,
    code: str,
    segment: str = "",
    baseline_start: dt.date | None = None,
    baseline_end: dt.date | None = None,
    limit: int = CHART_POINTS,
    period_after: dt.date | None = None,
    period_before: dt.date | None = None,
    chart: str | None = None,
) -> ControlChart:
    """The chart of the series' latest ``limit`` periods within [period_after, period_before].

    The answered periods split into phases at the KPI's phase breaks (those of the segment and
    those of every segment); each phase's limits come from its own answered points, except that
    ``baseline_start``/``baseline_end`` (either given) set the latest phase's limits from those
    periods of the whole series. Points are judged by the Western Electric rules against their
    phase's limits; the first phase also reads the 7 periods before the first answered one (when
    they are in the same phase) so each point is judged as in the chart of the whole series.
    ``chart`` (else the KPI's ``chart_type``) picks XmR, p, u or Laney P′; ``auto`` decides.
    """
    if period_after is not None and period_before is not None and period_after > period_before:
        raise ValidationError({"period_after": _(MSG_CHART_RANGE)})
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
        found = cursor.fetchall()
    rows = [row[1:] for row in found if row[0] == POINTS_PART]
    breaks = _breaks([row for row in found if row[0] == BREAKS_PART])
    if rows:
        kpi_pk, total, later, unit, chart_type = rows[0][0], rows[0][3], rows[0][4], rows[0][9], rows[0][10]
    else:
        kpi = Kpi.objects.filter(code=code).values_list("pk", "unit", "chart_type").first()
        if kpi is None:
            raise NotFound()
        kpi_pk, unit, chart_type = kpi
        total = later = (
            Measurement.objects.filter(kpi_id=kpi_pk, segment=segment).values("period").distinct().count()
        )
    stretch = periods_of_rows([row[1:3] + row[5:9] for row in rows], unit=unit)
    shown_from = len(stretch) - sum(
        1 for p in stretch[-limit:] if period_after is None or p.day >= period_after
    )
    shown = stretch[shown_from:]
    first_index = total - later - len(shown)
    # Phase k holds the periods on or after break k − 1 and before break k.
    starts = [day for day, _ in breaks]
    groups: dict[int, list[int]] = {}
    for at, period in enumerate(shown):
        groups.setdefault(bisect.bisect_right(starts, period.day), []).append(at)
    explicit = baseline_start is not None or baseline_end is not None
    latest = max(groups, default=0)
    baseline_latest = None
    if explicit:
        baseline_latest = _series_periods(
            kpi_pk=kpi_pk, segment=segment, unit=unit, start=baseline_start, end=baseline_end
        )
    if len(groups) <= 1:
        # One phase: too short a baseline is the caller's to fix, as it always was.
        base = baseline_latest if explicit else shown
        if len(base) < MIN_BASELINE_POINTS:
            raise ValidationError({"baseline": _(MSG_CHART_BASELINE).format(minimum=MIN_BASELINE_POINTS)})
    latest_points = [shown[at] for at in groups.get(latest, [])]
    charted = stretch + (baseline_latest or [])
    kind, why = _choose(chart or chart_type, unit, baseline_latest if explicit else latest_points, charted)
    phases = []
    for number, ats in sorted(groups.items()):
        starts_on = breaks[number - 1][0] if number else None
        label = breaks[number - 1][1] if number else _(FIRST_PHASE_LABEL)
        own = [shown[at] for at in ats]
        lookback = [
            p for p in stretch[:shown_from] if ats[0] == 0 and (starts_on is None or p.day >= starts_on)
        ]
        baseline = baseline_latest if (explicit and number == latest) else own
        xmr, attr, warnings = _phase_chart(
            kind=kind,
            label=label,
            stretch=lookback + own,
            shown_from=len(lookback),
            first_index=first_index + ats[0],
            baseline=baseline,
        )
        phases.append(
            ChartPhase(
                label=label,
                starts=starts_on,
                periods=own,
                first_index=first_index + ats[0],
                baseline=(baseline[0].day, baseline[-1].day) if baseline else None,
                xmr=xmr,
                attribute=attr,
                warnings=tuple(warnings),
            )
        )
    if not phases:
        phases.append(ChartPhase(_(FIRST_PHASE_LABEL), None, [], first_index, None))
    scale = 100.0 if unit == Unit.PERCENT and kind in (ac.P_CHART, ac.LANEY_P_CHART) else 1.0
    return ControlChart(
        code=code,
        segment=segment,
        first_index=first_index,
        points_total=total,
        limit=limit,
        kind=kind,
        why=why,
        scale=scale,
        phases=phases,
    )
