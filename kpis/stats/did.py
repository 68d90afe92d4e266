"""Controlled before/after (difference in differences) for a rollout that could not be randomised.

Pilot sites changed on a date, control sites did not. With the four cell means of the period values
(pilot/control × before/after the change date),

    effect = (pilot_after − pilot_before) − (control_after − control_before),

the interaction coefficient of the OLS regression y ~ pilot · after (a saturated model, so exactly the
difference of cell means). Its standard error:

- ``site_clustered`` with at least 2 pilot and 2 control sites: cluster-robust by site, as statsmodels'
  ``cov_type="cluster"`` computes it (CR0 · G/(G − 1) · (N − 1)/(N − 4)), t on G − 1 df. Periods of one
  site are correlated; clustering by site keeps that from shrinking the interval.
- ``periods_independent`` otherwise (one pilot site is the usual case): √(Σ s²_cell / n_cell), the
  sample variance of each cell's values over its periods, which is statsmodels' HC2 for this model, t on
  Welch–Satterthwaite df over the four cells. It assumes the periods are independent; serial
  correlation makes it too narrow, and the read-out says so.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from scipy import stats

from kpis.stats.common import Result, check_alpha, defined

SITE_CLUSTERED = "site_clustered"
PERIODS_INDEPENDENT = "periods_independent"
CELLS = ("pilot_before", "pilot_after", "control_before", "control_after")

W_MISSING_CELL = "{cell} has no values: the difference in differences needs all four."
W_SHORT_CELL = "{cell} has fewer than 2 values: its variance cannot be estimated."
W_PERIODS_INDEPENDENT = (
    "Fewer than 2 pilot or 2 control sites: the interval treats each period as independent, "
    "which is too narrow when periods are correlated; read it as indicative."
)
W_ZERO_VARIANCE = "The values do not vary within any cell: the variance is 0, so no interval or p-value."
W_FEW_SITES = "Only {sites} sites: the site-clustered interval is rough."


@dataclass(frozen=True)
class SiteValue:
    site: str
    pilot: bool
    day: date
    value: float


@dataclass(frozen=True)
class CellSummary(Result):
    cell: str
    sites: int
    values: int
    mean: float | None


@dataclass(frozen=True)
class DidResult(Result):
    change_date: date
    method: str | None
    cells: list[CellSummary]
    effect: float | None
    standard_error: float | None
    ci: list[float] | None
    degrees_of_freedom: float | None
    p_value: float | None
    alpha: float
    warnings: list[str] = field(default_factory=list)


def _scaled_norm(values: np.ndarray) -> float:
    """√(Σ v²) without underflow or overflow of the squares."""
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    return 0.0 if scale == 0 else scale * math.sqrt(float(np.sum((values / scale) ** 2)))


def difference_in_differences(
    *, rows: Sequence[SiteValue], change_date: date, alpha: float = 0.05
) -> DidResult:
    alpha = check_alpha(alpha)
    cells: dict[str, list[SiteValue]] = {cell: [] for cell in CELLS}
    for row in rows:
        cells[
            f"{'pilot' if row.pilot else 'control'}_{'after' if row.day >= change_date else 'before'}"
        ].append(row)
    values = {cell: np.array([r.value for r in members], dtype=float) for cell, members in cells.items()}
    means = {cell: (math.fsum(v) / v.size if v.size else None) for cell, v in values.items()}
    summaries = [
        CellSummary(cell, len({r.site for r in cells[cell]}), values[cell].size, defined(means[cell]))
        for cell in CELLS
    ]
    warnings = [W_MISSING_CELL.format(cell=cell) for cell in CELLS if means[cell] is None]
    empty = DidResult(change_date, None, summaries, None, None, None, None, None, alpha, warnings)
    if warnings:
        return empty
    effect = (means["pilot_after"] - means["pilot_before"]) - (
        means["control_after"] - means["control_before"]
    )
    pilot_sites = {r.site for r in rows if r.pilot}
    control_sites = {r.site for r in rows if not r.pilot}
    sign = {"pilot_after": 1.0, "pilot_before": -1.0, "control_after": -1.0, "control_before": 1.0}
    if len(pilot_sites) >= 2 and len(control_sites) >= 2:
        method = SITE_CLUSTERED
        # Each value's influence on the effect, summed per site: CR0 is the sum of squares over sites.
        per_site: dict[str, float] = {}
        for cell, members in cells.items():
            for r in members:
                share = sign[cell] * (r.value - means[cell]) / len(members)
                per_site[r.site] = per_site.get(r.site, 0.0) + share
        sites, n = len(per_site), len(rows)
        correction = sites / (sites - 1) * (n - 1) / (n - 4) if n > 4 else math.inf
        se = _scaled_norm(np.array(list(per_site.values()))) * math.sqrt(correction)
        df = float(sites - 1)
        if sites < 10:
            warnings.append(W_FEW_SITES.format(sites=sites))
    else:
        method = PERIODS_INDEPENDENT
        warnings.append(W_PERIODS_INDEPENDENT)
        short = [cell for cell in CELLS if values[cell].size < 2]
        if short:
            warnings += [W_SHORT_CELL.format(cell=cell) for cell in short]
            return DidResult(
                change_date, method, summaries, defined(effect), None, None, None, None, alpha, warnings
            )
        # The se of each cell mean, s/√n, kept as a standard error so that tiny values do not underflow.
        cell_se = {
            cell: _scaled_norm(v - means[cell]) / math.sqrt((v.size - 1) * v.size)
            for cell, v in values.items()
        }
        se = _scaled_norm(np.array(list(cell_se.values())))
        shares = {cell: (s / se) ** 2 if se > 0 else 0.0 for cell, s in cell_se.items()}
        df = 1 / sum(shares[cell] ** 2 / (values[cell].size - 1) for cell in CELLS) if se > 0 else None
    if not se > 0 or not math.isfinite(se):
        warnings.append(W_ZERO_VARIANCE)
        return DidResult(
            change_date, method, summaries, defined(effect), None, None, None, None, alpha, warnings
        )
    q = float(stats.t.ppf(1 - alpha / 2, df))
    p_value = float(2 * stats.t.sf(abs(effect / se), df))
    ci = [effect - q * se, effect + q * se]
    return DidResult(
        change_date,
        method,
        summaries,
        defined(effect),
        defined(se),
        ci if all(math.isfinite(b) for b in ci) else None,
        defined(df),
        defined(p_value),
        alpha,
        warnings,
    )
