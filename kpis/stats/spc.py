"""Statistical process control: the XmR (individuals and moving range) chart and Western Electric rules.

Limits come from a baseline stretch of the series and are held while every point is judged, so a
change after the baseline shows up as signals instead of quietly widening the limits.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kpis.stats.common import Result, defined

# 3 / d2 with d2 = 1.128 for moving ranges of two points, as the SPC literature rounds it.
NATURAL_LIMIT_FACTOR = 2.66
# D4 for subgroups of two: the upper limit of the moving-range chart.
MOVING_RANGE_LIMIT_FACTOR = 3.267
MIN_BASELINE_POINTS = 2

RULE_BEYOND_3_SIGMA = 1
RULE_2_OF_3_BEYOND_2_SIGMA = 2
RULE_4_OF_5_BEYOND_1_SIGMA = 3
RULE_8_ON_ONE_SIDE = 4
RULE_NAMES = {
    RULE_BEYOND_3_SIGMA: "A point beyond 3σ",
    RULE_2_OF_3_BEYOND_2_SIGMA: "2 of 3 points beyond 2σ on one side",
    RULE_4_OF_5_BEYOND_1_SIGMA: "4 of 5 points beyond 1σ on one side",
    RULE_8_ON_ONE_SIDE: "8 points in a row on one side of the centre line",
}

MSG_VALUES_NOT_FINITE = "Every value of the series must be a finite number."
MSG_BASELINE = (
    "The baseline must be a stretch of at least {minimum} points inside the series (0-based, end exclusive)."
)
W_LIMITS_UNDEFINED = (
    "The baseline values are too large for floating point (their mean or moving range is infinite), "
    "so the centre line and limits are undefined and no point is judged."
)
W_FLAT_BASELINE = (
    "The baseline points are all equal, so the limits sit on the centre line and every point off it signals."
)


@dataclass(frozen=True)
class Signal(Result):
    """Western Electric ``rule`` (1–4), completed at the 0-based ``index`` of the series."""

    rule: int
    index: int


@dataclass(frozen=True)
class XmrPoint(Result):
    index: int
    value: float
    moving_range: float | None
    in_baseline: bool


@dataclass(frozen=True)
class XmrChart(Result):
    """Limits are ``None`` (with a warning) when the baseline overflows floating point."""

    centre: float | None
    ucl: float | None
    lcl: float | None
    sigma: float | None
    mean_moving_range: float | None
    moving_range_ucl: float | None
    baseline_start: int
    baseline_end: int
    points: list[XmrPoint]
    signals: list[Signal]
    warnings: list[str]


def _count_beyond(deviations: Sequence[float], *, end: int, window: int, side: int, threshold: float) -> int:
    start = max(0, end - window + 1)
    return sum(1 for d in deviations[start : end + 1] if side * d > threshold)


def western_electric_signals(
    values: Sequence[float], *, centre: float, ucl: float, lcl: float
) -> list[Signal]:
    """Signals of the four Western Electric rules, with σ = (UCL − centre) / 3 and strict comparisons.

    A signal is reported at every point that completes its pattern, and that point must itself be part
    of it (beyond the zone for rules 1–3, on the same side for rule 4). Near the start of the series a
    window holds only the points there are: two points beyond 2σ at indexes 0 and 1 already make 2 of 3.
    A point exactly on the centre line is on neither side, so it breaks a run.
    """
    sigma = (ucl - centre) / 3
    deviations = [value - centre for value in values]
    signals = []
    for index, (value, deviation) in enumerate(zip(values, deviations, strict=True)):
        if value > ucl or value < lcl:
            signals.append(Signal(RULE_BEYOND_3_SIGMA, index))
        for side in (1, -1):
            if side * deviation > 2 * sigma and (
                _count_beyond(deviations, end=index, window=3, side=side, threshold=2 * sigma) >= 2
            ):
                signals.append(Signal(RULE_2_OF_3_BEYOND_2_SIGMA, index))
            if side * deviation > sigma and (
                _count_beyond(deviations, end=index, window=5, side=side, threshold=sigma) >= 4
            ):
                signals.append(Signal(RULE_4_OF_5_BEYOND_1_SIGMA, index))
            if index >= 7 and _count_beyond(deviations, end=index, window=8, side=side, threshold=0) == 8:
                signals.append(Signal(RULE_8_ON_ONE_SIDE, index))
    return sorted(signals, key=lambda signal: (signal.index, signal.rule))


def xmr_chart(
    values: Sequence[float], *, baseline_start: int = 0, baseline_end: int | None = None
) -> XmrChart:
    """The XmR chart of a series with limits from ``values[baseline_start:baseline_end]``.

    centre = mean of the baseline points; MR̄ = mean of |xᵢ − xᵢ₋₁| within the baseline;
    limits = centre ± 2.66 MR̄; moving-range upper limit = 3.267 MR̄. Every point is judged.
    """
    series = np.asarray(values, dtype=float)
    if not np.isfinite(series).all():
        raise ValueError(MSG_VALUES_NOT_FINITE)
    end = len(series) if baseline_end is None else baseline_end
    if not 0 <= baseline_start <= end <= len(series) or end - baseline_start < MIN_BASELINE_POINTS:
        raise ValueError(MSG_BASELINE.format(minimum=MIN_BASELINE_POINTS))
    baseline = series[baseline_start:end]
    with np.errstate(over="ignore", invalid="ignore"):
        centre = float(np.mean(baseline))
        mean_moving_range = float(np.mean(np.abs(np.diff(baseline))))
        ucl = centre + NATURAL_LIMIT_FACTOR * mean_moving_range
        lcl = centre - NATURAL_LIMIT_FACTOR * mean_moving_range
        moving_ranges = [None, *(defined(float(r)) for r in np.abs(np.diff(series)))]
    points = [
        XmrPoint(
            index=index,
            value=float(value),
            moving_range=moving_ranges[index],
            in_baseline=baseline_start <= index < end,
        )
        for index, value in enumerate(series)
    ]
    limits = (centre, ucl, lcl, mean_moving_range, MOVING_RANGE_LIMIT_FACTOR * mean_moving_range)
    if not all(math.isfinite(limit) for limit in limits):
        return XmrChart(
            centre=None,
            ucl=None,
            lcl=None,
            sigma=None,
            mean_moving_range=None,
            moving_range_ucl=None,
            baseline_start=baseline_start,
            baseline_end=end,
            points=points,
            signals=[],
            warnings=[W_LIMITS_UNDEFINED],
        )
    return XmrChart(
        centre=centre,
        ucl=ucl,
        lcl=lcl,
        sigma=(ucl - centre) / 3,
        mean_moving_range=mean_moving_range,
        moving_range_ucl=MOVING_RANGE_LIMIT_FACTOR * mean_moving_range,
        baseline_start=baseline_start,
        baseline_end=end,
        points=points,
        signals=western_electric_signals(series.tolist(), centre=centre, ucl=ucl, lcl=lcl),
        warnings=[W_FLAT_BASELINE] if mean_moving_range == 0 else [],
    )


# Rule 4 (the longest pattern) reads the 8 points ending at a point: 7 before it, and the moving
# range of a point reads 1 before it. With these before a stretch, the stretch is judged as it is
# in the whole series.
LOOKBACK_POINTS = 7


def xmr_chart_window(
    values: Sequence[float],
    *,
    baseline: Sequence[float],
    shown_from: int,
    first_index: int,
    in_baseline: Sequence[bool],
) -> XmrChart:
    """The XmR chart of a stretch of a longer series, limits from ``baseline`` (consecutive points).

    ``values`` holds up to ``LOOKBACK_POINTS`` points before the stretch, which starts at
    ``values[shown_from]`` and is position ``first_index`` of the whole series: the points, their
    moving ranges and the signals are those of the stretch in ``xmr_chart`` of the whole series with
    the same limits. ``baseline_start``/``baseline_end`` of the result are left at 0 (the caller
    says where the baseline lies in its own terms); ``in_baseline`` flags the stretch's points.
    """
    series = np.asarray(values, dtype=float)
    base = np.asarray(baseline, dtype=float)
    if not (np.isfinite(series).all() and np.isfinite(base).all()):
        raise ValueError(MSG_VALUES_NOT_FINITE)
    if len(base) < MIN_BASELINE_POINTS:
        raise ValueError(MSG_BASELINE.format(minimum=MIN_BASELINE_POINTS))
    with np.errstate(over="ignore", invalid="ignore"):
        centre = float(np.mean(base))
        mean_moving_range = float(np.mean(np.abs(np.diff(base))))
        ucl = centre + NATURAL_LIMIT_FACTOR * mean_moving_range
        lcl = centre - NATURAL_LIMIT_FACTOR * mean_moving_range
        moving_ranges = [None, *(defined(float(r)) for r in np.abs(np.diff(series)))]
    shift = first_index - shown_from
    points = [
        XmrPoint(
            index=shift + at,
            value=float(series[at]),
            # The series' first point has no moving range; a stretch's first point has one when a
            # point before it was given.
            moving_range=moving_ranges[at],
            in_baseline=bool(in_baseline[at - shown_from]),
        )
        for at in range(shown_from, len(series))
    ]
    limits = (centre, ucl, lcl, mean_moving_range, MOVING_RANGE_LIMIT_FACTOR * mean_moving_range)
    if not all(math.isfinite(limit) for limit in limits):
        return XmrChart(None, None, None, None, None, None, 0, 0, points, [], [W_LIMITS_UNDEFINED])
    signals = [
        Signal(signal.rule, shift + signal.index)
        for signal in western_electric_signals(series.tolist(), centre=centre, ucl=ucl, lcl=lcl)
        if signal.index >= shown_from
    ]
    return XmrChart(
        centre=centre,
        ucl=ucl,
        lcl=lcl,
        sigma=(ucl - centre) / 3,
        mean_moving_range=mean_moving_range,
        moving_range_ucl=MOVING_RANGE_LIMIT_FACTOR * mean_moving_range,
        baseline_start=0,
        baseline_end=0,
        points=points,
        signals=signals,
        warnings=[W_FLAT_BASELINE] if mean_moving_range == 0 else [],
    )


# Per rule: how many points end at the signalling one, and how far (in σ) beyond the centre they lie.
RULE_PATTERNS = {
    RULE_BEYOND_3_SIGMA: (1, 3),
    RULE_2_OF_3_BEYOND_2_SIGMA: (3, 2),
    RULE_4_OF_5_BEYOND_1_SIGMA: (5, 1),
    RULE_8_ON_ONE_SIDE: (8, 0),
}


def signal_members(values: Sequence[float], *, centre: float, sigma: float, signal: Signal) -> list[int]:
    """The indexes of the points that make up ``signal``: those of its window beyond its zone on the
    side of the signalling point, compared as ``western_electric_signals`` compares them."""
    if signal.rule == RULE_BEYOND_3_SIGMA:
        return [signal.index]
    window, zones = RULE_PATTERNS[signal.rule]
    side = 1 if values[signal.index] > centre else -1
    start = max(0, signal.index - window + 1)
    return [at for at in range(start, signal.index + 1) if side * (values[at] - centre) > zones * sigma]
