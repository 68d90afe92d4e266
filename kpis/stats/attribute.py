"""Attribute control charts for rates: p (share of a varying number of contacts), u (count per unit)
and Laney P′ (a p-chart widened by the overdispersion of very large periods). Pure: no Django.

Each point has its own limits, ``centre ± 3σᵢ``: σᵢ = √(p̄(1 − p̄)/nᵢ) for p, √(ū/nᵢ) for u, and
σᵢ·σ_z for Laney P′, where σ_z = mean |zᵢ − zᵢ₋₁| / 1.128 over the z-scores zᵢ = (pᵢ − p̄)/σᵢ
(Laney 2002). The Western Electric rules judge the z-scores (divided by σ_z for Laney P′) against
±1, ±2, ±3, which is the same as judging each point against its own zones.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kpis.stats.common import Result
from kpis.stats.spc import (
    MIN_BASELINE_POINTS,
    MOVING_RANGE_LIMIT_FACTOR,
    MSG_BASELINE,
    Signal,
    western_electric_signals,
)

P_CHART = "p"
U_CHART = "u"
LANEY_P_CHART = "laney_p"
ATTRIBUTE_CHARTS = (P_CHART, U_CHART, LANEY_P_CHART)
SIGMA_LIMIT = 3
# d2 for moving ranges of two points.
D2 = 1.128
# Auto picks Laney P′ over the p-chart when σ_z exceeds this: the binomial spread explains less
# than 1/1.5² ≈ 44 % of the period-to-period variance, so two in three points would sit near or
# beyond p-chart limits that are too tight for the process (see docs/statistics.md).
LANEY_SIGMA_Z_THRESHOLD = 1.5

MSG_SIZES = (
    "Every period needs a sample size above 0 and a count of at least 0 "
    "(and, for a share, no more than its sample size)."
)
MSG_KIND = "Unknown attribute chart {kind!r}."
W_CENTRE_DEGENERATE = (
    "Every baseline period is at {centre:g}, so the binomial spread is zero: no limits and no signals."
)
W_FLAT_Z = "The z-scores of the baseline do not vary (σ_z = 0), so Laney P′ limits are undefined."


@dataclass(frozen=True)
class AttributePoint(Result):
    """``value`` is the share xᵢ/nᵢ (p, Laney P′) or the rate xᵢ/nᵢ per unit (u)."""

    index: int
    value: float
    count: float
    size: float
    ucl: float | None
    lcl: float | None
    z: float | None
    moving_range: float | None
    in_baseline: bool


@dataclass(frozen=True)
class AttributeChart(Result):
    """``sigma_z`` is the overdispersion ratio of the baseline's z-scores (1 = binomial / Poisson).

    ``moving_range_ucl`` is the limit of the z-scores' moving range (Laney P′ only).
    """

    kind: str
    centre: float | None
    sigma_z: float | None
    moving_range_ucl: float | None
    points: list[AttributePoint]
    signals: list[Signal]
    warnings: list[str]


def _check(counts: np.ndarray, sizes: np.ndarray, kind: str) -> None:
    if kind not in ATTRIBUTE_CHARTS:
        raise ValueError(MSG_KIND.format(kind=kind))
    bad = ~np.isfinite(counts) | ~np.isfinite(sizes) | (sizes <= 0) | (counts < 0)
    if kind != U_CHART:
        bad |= counts > sizes
    if bad.any():
        raise ValueError(MSG_SIZES)


def _sigmas(centre: float, sizes: np.ndarray, kind: str) -> np.ndarray:
    spread = centre if kind == U_CHART else centre * (1 - centre)
    return np.sqrt(spread / sizes)


def overdispersion(counts: Sequence[float], sizes: Sequence[float], *, kind: str = P_CHART) -> float | None:
    """σ_z of a series (Laney 2002): the spread of its z-scores from the moving range; None if undefined."""
    x, n = np.asarray(counts, dtype=float), np.asarray(sizes, dtype=float)
    _check(x, n, kind)
    if len(x) < MIN_BASELINE_POINTS:
        return None
    centre = float(x.sum() / n.sum())
    sigma = _sigmas(centre, n, kind)
    if not (sigma > 0).all():
        return None
    z = (x / n - centre) / sigma
    return float(np.mean(np.abs(np.diff(z))) / D2)


def attribute_chart(
    counts: Sequence[float],
    sizes: Sequence[float],
    *,
    kind: str,
    baseline_counts: Sequence[float] | None = None,
    baseline_sizes: Sequence[float] | None = None,
    shown_from: int = 0,
    first_index: int = 0,
    in_baseline: Sequence[bool] | None = None,
) -> AttributeChart:
    """The ``kind`` chart of periods with ``counts`` out of ``sizes``, limits from the baseline.

    The baseline is the whole series unless ``baseline_counts``/``baseline_sizes`` are given.
    ``counts[:shown_from]`` are earlier points read only so the rules judge the first shown point
    as in the longer series; the shown points are numbered from ``first_index``.
    """
    x, n = np.asarray(counts, dtype=float), np.asarray(sizes, dtype=float)
    _check(x, n, kind)
    bx = x if baseline_counts is None else np.asarray(baseline_counts, dtype=float)
    bn = n if baseline_sizes is None else np.asarray(baseline_sizes, dtype=float)
    _check(bx, bn, kind)
    if len(bx) < MIN_BASELINE_POINTS:
        raise ValueError(MSG_BASELINE.format(minimum=MIN_BASELINE_POINTS))
    shown = len(x) - shown_from
    flags = [True] * shown if in_baseline is None else list(in_baseline)
    centre = float(bx.sum() / bn.sum())
    values = x / n
    sigma = _sigmas(centre, n, kind)
    warnings: list[str] = []
    if not (sigma > 0).all():
        points = [
            AttributePoint(
                first_index + i,
                float(values[shown_from + i]),
                float(x[shown_from + i]),
                float(n[shown_from + i]),
                None,
                None,
                None,
                None,
                flags[i],
            )
            for i in range(shown)
        ]
        msg = W_CENTRE_DEGENERATE.format(centre=centre)
        return AttributeChart(kind, centre, None, None, points, [], [msg])
    z = (values - centre) / sigma
    base_sigma = _sigmas(centre, bn, kind)
    base_z = (bx / bn - centre) / base_sigma
    sigma_z = float(np.mean(np.abs(np.diff(base_z))) / D2)
    scale = 1.0
    moving_range_ucl = None
    if kind == LANEY_P_CHART:
        if sigma_z == 0 or not math.isfinite(sigma_z):
            warnings.append(W_FLAT_Z)
        else:
            scale = sigma_z
            moving_range_ucl = MOVING_RANGE_LIMIT_FACTOR * float(np.mean(np.abs(np.diff(base_z))))
    half = SIGMA_LIMIT * sigma * scale
    ucl = centre + half if kind == U_CHART else np.minimum(1.0, centre + half)
    lcl = np.maximum(0.0, centre - half)
    judged = z / scale
    moving = [None, *np.abs(np.diff(z)).tolist()]
    points = [
        AttributePoint(
            index=first_index + i,
            value=float(values[at]),
            count=float(x[at]),
            size=float(n[at]),
            ucl=float(ucl[at]),
            lcl=float(lcl[at]),
            z=float(judged[at]),
            moving_range=moving[at],
            in_baseline=bool(flags[i]),
        )
        for i, at in enumerate(range(shown_from, len(x)))
    ]
    signals = []
    if not warnings:
        shift = first_index - shown_from
        signals = [
            Signal(s.rule, s.index + shift)
            for s in western_electric_signals(judged.tolist(), centre=0.0, ucl=SIGMA_LIMIT, lcl=-SIGMA_LIMIT)
            if s.index >= shown_from
        ]
    return AttributeChart(kind, centre, sigma_z, moving_range_ucl, points, signals, warnings)


XMR_CHART = "xmr"
AUTO_CHART = "auto"
CHART_TYPES = (AUTO_CHART, XMR_CHART, P_CHART, U_CHART, LANEY_P_CHART)
WHY_SET = "the KPI (or the request) asks for it"
WHY_PLAIN = "the KPI is a plain measure, not a rate or a count per unit"
WHY_NO_SIZES = "some periods carry no sample size"
WHY_LANEY = (
    "σ_z = {sigma_z:.2f} > {threshold}: the periods are so large that p-chart limits would be too tight "
    "for the real period-to-period variation"
)
WHY_P = "the KPI is a rate with a sample size for every period (σ_z = {sigma_z} ≤ {threshold})"
WHY_U = "the KPI is a count with a number of units for every period"


def chart_choice(
    *, requested: str, natural: str | None, sized: bool, sigma_z: float | None
) -> tuple[str, str]:
    """The chart to draw and why. ``natural`` is ``p`` for a rate KPI, ``u`` for a count, else None;
    ``sized`` is true when every period has a sample size; ``sigma_z`` is the p-chart's σ_z."""
    if requested != AUTO_CHART:
        return requested, WHY_SET
    if natural is None:
        return XMR_CHART, WHY_PLAIN
    if not sized:
        return XMR_CHART, WHY_NO_SIZES
    if natural == U_CHART:
        return U_CHART, WHY_U
    if sigma_z is not None and sigma_z > LANEY_SIGMA_Z_THRESHOLD:
        return LANEY_P_CHART, WHY_LANEY.format(sigma_z=sigma_z, threshold=LANEY_SIGMA_Z_THRESHOLD)
    shown = "undefined" if sigma_z is None else f"{sigma_z:.2f}"
    return P_CHART, WHY_P.format(sigma_z=shown, threshold=LANEY_SIGMA_Z_THRESHOLD)
