"""Money formulas of an improvement: month lines, cash flows, ROI, payback, NPV and IRR. Pure: no
Django. The figures built from them (``Money``, ``money_of``) are in ``roi_figures``.

The formulas are written out in docs/money.md. In short, over a horizon of H months:

- cash flow of month 0 = − one-time investment; of month m (1…H) = benefit(m) − recurring cost(m);
- ROI % = (total benefit − total cost) / total cost × 100, undiscounted; ``None`` when nothing was spent;
- payback = the month in which the cumulative flow first turns ≥ 0, interpolated linearly inside that
  month (exact on a month boundary); ``None`` ("never") when that does not happen within the horizon,
  and ``None`` when there is no money at all (no cost and no benefit: nothing to pay back);
- NPV at an annual discount rate r, turned into the effective monthly rate (1 + r)^(1/12) − 1, with
  month 0 undiscounted;
- IRR per month, and per year as (1 + monthly)^12 − 1; ``None`` when the flows have no IRR;
- discounted payback = the payback of the flows discounted at the monthly rate (month m divided by
  (1 + i)^m), the same rules otherwise;
- payback status against a target T months: on target when payback ≤ T, late when later, not within
  the horizon when there is no payback; ``None`` without a target or before any benefit is recorded
  (there is no payback to judge yet, whatever the costs).
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy_financial as npf

from improvement.words import gettext_noop

MONTHS_PER_YEAR = 12


PAYBACK_ON_TARGET = "on_target"
PAYBACK_LATE = "late"
PAYBACK_NEVER = "not_within_horizon"
# English labels (the API's choices); ``payback_status_label`` gives them in the active language.
PAYBACK_STATUSES = {
    PAYBACK_ON_TARGET: gettext_noop("On target"),
    PAYBACK_LATE: gettext_noop("Later than the target"),
    PAYBACK_NEVER: gettext_noop("Not within the horizon"),
}


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
    discounted_payback_months: float | None = None


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


def discounted_payback_months(flows: Sequence[float], *, annual_rate: float) -> float | None:
    """``payback_months`` of the flows discounted to month 0: month m's flow ÷ (1 + i)^m for the
    monthly rate i of ``annual_rate``. The cumulative discounted flow at month k is then the NPV of
    the flows of months 0…k."""
    rate = monthly_rate(annual_rate)
    return payback_months([flow / (1 + rate) ** month for month, flow in enumerate(flows)])


def payback_status(payback: float | None, *, target: float | None, has_benefit: bool) -> str | None:
    """Where a payback stands against a target in months (``PAYBACK_STATUSES``); ``None`` while no
    benefit is recorded: a payback not yet estimated is not a payback missed."""
    if not has_benefit or target is None:
        return None
    if payback is None:
        return PAYBACK_NEVER
    return PAYBACK_ON_TARGET if payback <= target else PAYBACK_LATE


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


def step_lines(
    rows: Sequence[int],
    starts: Sequence[int],
    amounts: Sequence[float],
    ends: Sequence[int | None] | None = None,
    *,
    n: int,
    horizon: int,
):
    """Month-by-month amounts of ``n`` rows (an array n × horizon) from lines that recur.

    Line k adds ``amounts[k]`` to row ``rows[k]`` in every month from its 1-based start month (a
    start below 1 counts from month 1) to its end month included (``ends[k]``; ``None``: to the
    horizon): a step up at the start and down after the end, so the rows are the running sums of
    each month's changes.
    """
    steps = np.zeros((n, horizon + 1))
    rows_ = np.asarray(rows, dtype=int)
    values = np.asarray(amounts, dtype=float)
    columns = np.clip(np.asarray(starts, dtype=int) - 1, 0, horizon)
    np.add.at(steps, (rows_, columns), values)
    if ends is not None and len(ends):
        last = np.asarray([horizon if end is None else end for end in ends], dtype=int)
        # A line ending before it starts adds nothing (the models refuse one).
        stops = np.clip(np.maximum(last, columns), 0, horizon)
        np.add.at(steps, (rows_, stops), -values)
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
    no_money = total_cost == 0 and total_benefit == 0
    return MoneySummary(
        cash_flows=tuple(flows),
        cumulative=tuple(float(v) for v in np.cumsum(flows)),
        total_cost=total_cost,
        total_benefit=total_benefit,
        roi_percent=roi_percent(total_benefit=total_benefit, total_cost=total_cost),
        payback_months=None if no_money else payback_months(flows),
        npv=npv(flows, annual_rate=annual_discount_rate),
        irr_monthly=irr_monthly,
        irr_annual=irr_annual,
        discounted_payback_months=(
            None if no_money else discounted_payback_months(flows, annual_rate=annual_discount_rate)
        ),
    )


def months_between(start: dt.date, today: dt.date) -> int:
    """Whole months from ``start`` to ``today`` (0 until the first month is complete)."""
    months = (today.year - start.year) * MONTHS_PER_YEAR + (today.month - start.month)
    if today.day < start.day:
        months -= 1
    return max(months, 0)
