"""Money of an improvement: cash flows, ROI, payback, NPV and IRR. Pure: no Django imports.

The formulas are written out in docs/money.md. In short, over a horizon of H months:

- cash flow of month 0 = − one-time investment; of month m (1…H) = benefit(m) − recurring cost(m);
- ROI % = (total benefit − total cost) / total cost × 100, undiscounted; ``None`` when nothing was spent;
- payback = the month in which the cumulative flow first turns ≥ 0, interpolated linearly inside that
  month (exact on a month boundary); ``None`` ("never") when that does not happen within the horizon;
- NPV at an annual discount rate r, turned into the effective monthly rate (1 + r)^(1/12) − 1, with
  month 0 undiscounted;
- IRR per month, and per year as (1 + monthly)^12 − 1; ``None`` when the flows have no IRR.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy_financial as npf

MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class MoneySummary:
    cash_flows: tuple[float, ...]
    cumulative: tuple[float, ...]
    total_cost: float
    total_benefit: float
    roi_percent: float | None
    payback_months: float | None
    npv: float
    irr_monthly: float | None
    irr_annual: float | None


def monthly_rate(annual_rate: float) -> float:
    """The effective monthly rate equivalent to an annual rate: (1 + r)^(1/12) − 1."""
    if annual_rate <= -1:
        raise ValueError("The annual discount rate must be greater than −100 %.")
    return (1 + annual_rate) ** (1 / MONTHS_PER_YEAR) - 1


def cash_flows(
    *,
    one_time_costs: float,
    monthly_recurring_costs: Sequence[float],
    monthly_benefits: Sequence[float],
) -> list[float]:
    """Month 0 is the one-time investment (an outflow); month m is benefit(m) − recurring cost(m)."""
    if len(monthly_recurring_costs) != len(monthly_benefits):
        raise ValueError("Costs and benefits must cover the same number of months.")
    return [-float(one_time_costs)] + [
        float(benefit) - float(cost)
        for benefit, cost in zip(monthly_benefits, monthly_recurring_costs, strict=True)
    ]


def roi_percent(*, total_benefit: float, total_cost: float) -> float | None:
    if total_cost == 0:
        return None
    return (total_benefit - total_cost) / total_cost * 100


def payback_months(flows: Sequence[float]) -> float | None:
    """Months until the cumulative flow turns ≥ 0, linear inside the month in which it does.

    If the cumulative flow is negative at the end of month k − 1 and ≥ 0 at the end of month k,
    payback = (k − 1) + (what was still owed) / (flow of month k). A cumulative flow that is never
    negative pays back at 0; one still negative at the horizon never pays back (``None``).
    """
    owed = 0.0  # minus the cumulative flow so far
    for month, flow in enumerate(flows):
        if owed > 0 and flow >= owed:
            return (month - 1) + owed / flow
        owed -= flow
    return None if owed > 0 else 0.0


def npv(flows: Sequence[float], *, annual_rate: float) -> float:
    """Net present value with month 0 undiscounted (numpy-financial's convention)."""
    return float(npf.npv(monthly_rate(annual_rate), flows))


def irr(flows: Sequence[float]) -> tuple[float | None, float | None]:
    """(monthly, annual) internal rate of return; ``None`` when the flows never change sign."""
    values = np.asarray(flows, dtype=float)
    if not (values < 0).any() or not (values > 0).any():
        return None, None
    try:
        monthly = float(npf.irr(values))
    except np.linalg.LinAlgError:
        # Flows of wildly different magnitudes (a denormal next to a real amount) overflow the
        # polynomial's companion matrix: no rate can be computed.
        return None, None
    if not math.isfinite(monthly):
        return None, None
    try:
        annual = (1 + monthly) ** MONTHS_PER_YEAR - 1
    except OverflowError:
        # A tiny investment returned many times over in month 1: the yearly rate is beyond a float.
        annual = None
    return monthly, annual


def step_lines(rows: Sequence[int], starts: Sequence[int], amounts: Sequence[float], *, n: int, horizon: int):
    """Month-by-month amounts of ``n`` rows (an array n × horizon) from lines that recur.

    Line k adds ``amounts[k]`` to row ``rows[k]`` in every month from its 1-based start month (a
    start below 1 counts from month 1) to the horizon: a step, so the rows are the running sums of
    each month's new amounts.
    """
    steps = np.zeros((n, horizon + 1))
    columns = np.clip(np.asarray(starts, dtype=int) - 1, 0, horizon)
    np.add.at(steps, (np.asarray(rows, dtype=int), columns), np.asarray(amounts, dtype=float))
    return np.cumsum(steps, axis=1)[:, :horizon]


def summarise(
    *,
    one_time_costs: float,
    monthly_recurring_costs: Sequence[float],
    monthly_benefits: Sequence[float],
    horizon_months: int,
    annual_discount_rate: float,
) -> MoneySummary:
    """Everything the money panels show, over the first ``horizon_months`` months."""
    if horizon_months < 1:
        raise ValueError("The horizon must be at least one month.")
    recurring = list(monthly_recurring_costs)[:horizon_months]
    benefits = list(monthly_benefits)[:horizon_months]
    recurring += [0.0] * (horizon_months - len(recurring))
    benefits += [0.0] * (horizon_months - len(benefits))
    flows = cash_flows(
        one_time_costs=one_time_costs, monthly_recurring_costs=recurring, monthly_benefits=benefits
    )
    total_cost = float(one_time_costs) + math.fsum(recurring)
    total_benefit = math.fsum(benefits)
    irr_monthly, irr_annual = irr(flows)
    return MoneySummary(
        cash_flows=tuple(flows),
        cumulative=tuple(float(v) for v in np.cumsum(flows)),
        total_cost=total_cost,
        total_benefit=total_benefit,
        roi_percent=roi_percent(total_benefit=total_benefit, total_cost=total_cost),
        payback_months=payback_months(flows),
        npv=npv(flows, annual_rate=annual_discount_rate),
        irr_monthly=irr_monthly,
        irr_annual=irr_annual,
    )
