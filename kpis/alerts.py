"""KPI alerts: threshold crossings recorded once per period, and the hook higher layers listen on.

``kpis`` must not import ``improvement``, yet the initiative's lead is the one to tell. So
``improvement`` registers a listener here when its app is ready, and every new alert is handed to
the listeners after it is recorded.
"""

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from kpis.models import AlertLevel, AlertRule, Kpi, KpiAlert, KpiKind, Measurement, PhaseBreak
from kpis.selectors import kpi_series
from kpis.stats.spc import RULE_NAMES, xmr_chart

AlertListener = Callable[[KpiAlert], None]
_listeners: list[AlertListener] = []

# 0 = fine; a higher number is a worse level.
SEVERITY = {AlertLevel.WARNING: 1, AlertLevel.CRITICAL: 2}


# An SPC alert stores its rule's English name (``RULE_NAMES`` of the pure ``kpis.stats.spc``) as its
# ``detail``; these are the same names marked for translation, shown in the reader's language.
RULE_NAME_MESSAGES = frozenset(
    {
        gettext_noop("A point beyond 3σ"),
        gettext_noop("2 of 3 points beyond 2σ on one side"),
        gettext_noop("4 of 5 points beyond 1σ on one side"),
        gettext_noop("8 points in a row on one side of the centre line"),
    }
)

# Control limits come from this many periods before the new data (fewer: no chart yet).
SPC_BASELINE_POINTS = 20
SPC_MIN_BASELINE_POINTS = 8


def kpi_alert_listener_register(listener: AlertListener) -> None:
    """Call ``listener(alert)`` for every new alert; registering the same listener twice is a no-op."""
    if listener not in _listeners:
        _listeners.append(listener)


def alert_detail_display(detail: str) -> str:
    """An alert's stored detail in the active language when it is a rule's name, else as stored."""
    return gettext(detail) if detail in RULE_NAME_MESSAGES else detail


def kpi_has_alert_thresholds(kpi: Kpi) -> bool:
    return kpi.warning_threshold is not None or kpi.critical_threshold is not None


def kpi_is_watched(kpi: Kpi) -> bool:
    """Warning indicators and KPIs with thresholds are evaluated after every ingest."""
    return kpi.kind == KpiKind.WARNING or kpi_has_alert_thresholds(kpi)


def _level(kpi: Kpi, value: float) -> tuple[str, float] | None:
    """The worst threshold ``value`` is beyond, in the KPI's bad direction, with that threshold."""
    for level, threshold in (
        (AlertLevel.CRITICAL, kpi.critical_threshold),
        (AlertLevel.WARNING, kpi.warning_threshold),
    ):
        if threshold is not None and kpi.is_better(threshold, value):
            return level, threshold
    return None


def _severity(kpi: Kpi, value: float | None) -> int:
    found = None if value is None else _level(kpi, value)
    return SEVERITY[found[0]] if found else 0


@transaction.atomic
def kpi_alerts_evaluate(*, kpi: Kpi, segment: str, periods: list[dt.date]) -> list[KpiAlert]:
    """Record an alert for each given period whose value crosses a threshold; returns the new ones.

    A crossing is a period worse than the period before it (warning after fine, critical after
    warning or fine); a KPI that stays beyond its threshold raises nothing more until it recovers.
    The value of a period is the mean over sources, as everywhere else. Any KPI with thresholds is
    watched; in the catalogue those are the warning indicators. Warning indicators are also
    watched with a control chart (see ``_spc_alerts``).
    """
    if not periods or not kpi_is_watched(kpi):
        return []
    wanted = set(periods)
    start = _baseline_start(kpi=kpi, segment=segment, first=min(periods))
    series = kpi_series(kpi=kpi, segment=segment, start=start, end=max(periods))
    new: list[KpiAlert] = []
    previous: float | None = None
    for period, value in series:
        if period in wanted and _severity(kpi, value) > _severity(kpi, previous):
            level, threshold = _level(kpi, value)
            alert, created = KpiAlert.objects.get_or_create(
                kpi=kpi,
                segment=segment,
                period=period,
                rule=AlertRule.THRESHOLD,
                level=level,
                defaults={"value": value, "threshold": threshold},
            )
            if created:
                new.append(alert)
        previous = value
    if kpi.kind == KpiKind.WARNING:
        new += _spc_alerts(kpi=kpi, segment=segment, series=series, wanted=wanted)
    for alert in new:
        for listener in _listeners:
            listener(alert)
    return new


def _baseline_start(*, kpi: Kpi, segment: str, first: dt.date) -> dt.date | None:
    """The oldest period the evaluation reads: ``SPC_BASELINE_POINTS`` measured periods before ``first``.

    The threshold rule needs the period before each new one and the control chart the baseline
    before the first: years of daily values before that change nothing, and reading them made
    every ingest of a long series slow. None: the series is shorter, read it all.
    """
    earlier = (
        Measurement.objects.filter(kpi=kpi, segment=segment, period__lt=first)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )
    return next(iter(earlier[SPC_BASELINE_POINTS - 1 : SPC_BASELINE_POINTS]), None)


def _spc_alerts(
    *, kpi: Kpi, segment: str, series: list[tuple[dt.date, float]], wanted: set[dt.date]
) -> list[KpiAlert]:
    """Western Electric signals in the KPI's bad direction at the given periods (one alert per period).

    The limits come from the periods just before the first new one, so new data are judged against
    the recent past and cannot widen the limits they are judged by; never from before the latest
    phase break (fewer than ``SPC_MIN_BASELINE_POINTS`` since: no signal yet). A flat baseline (every value
    equal) would make every change a signal, so it yields none.
    """
    # The latest phase only: limits from before a marked change would judge the new process by
    # the old one's, so the baseline starts no earlier than the break the new periods fall in.
    phase_start = (
        PhaseBreak.objects.filter(kpi=kpi, segment__in={"", segment}, starts__lte=min(wanted))
        .order_by("-starts")
        .values_list("starts", flat=True)
        .first()
    )
    if phase_start is not None:
        series = [(period, value) for period, value in series if period >= phase_start]
    first = next((i for i, (period, _) in enumerate(series) if period in wanted), None)
    if first is None or first < SPC_MIN_BASELINE_POINTS:
        return []
    start = max(0, first - SPC_BASELINE_POINTS)
    window = series[start:]
    chart = xmr_chart([v for _, v in window], baseline_end=first - start)
    if chart.warnings:
        return []
    limit = chart.lcl if kpi.higher_is_better else chart.ucl
    new = []
    seen: set[dt.date] = set()
    for signal in chart.signals:
        period, value = window[signal.index]
        if period not in wanted or period in seen or not kpi.is_better(chart.centre, value):
            continue
        seen.add(period)
        alert, created = KpiAlert.objects.get_or_create(
            kpi=kpi,
            segment=segment,
            period=period,
            rule=AlertRule.SPC,
            level=AlertLevel.WARNING,
            defaults={"value": value, "threshold": limit, "detail": RULE_NAMES[signal.rule]},
        )
        if created:
            new.append(alert)
    return new
