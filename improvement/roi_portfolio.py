"""The money of many initiatives at once, as arrays: their month lines and the figures a money
table ranks on. Pure: no Django. Row by row the values equal ``improvement.roi``'s per-initiative
figures (docs/money.md); arrays let a portfolio of thousands be built and ranked without a Python
loop per initiative.
"""

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from improvement.progress import improvement_amount
from improvement.roi import MONTHS_PER_YEAR, monthly_rate, months_between, step_lines
from improvement.roi_figures import BENEFIT_SPLIT_FIELDS, BenefitSplit, MoneyLines


@dataclass(frozen=True)
class LineTable:
    """The money lines of many initiatives as arrays, row i for the i-th initiative given."""

    index: dict[int, int]
    one_time: np.ndarray
    recurring: np.ndarray
    benefits: np.ndarray
    derived: np.ndarray
    validated: np.ndarray
    to_date: np.ndarray
    # n × 5: each row's benefit over the horizon by evidence, in BENEFIT_SPLIT_FIELDS order.
    split: np.ndarray
    # A month's benefit were the valued targets met; the forecast locked on entering Do.
    target: np.ndarray
    forecast: np.ndarray

    def lines(self, rows=slice(None)) -> MoneyLines:
        """The month-by-month sum of some rows (all by default), or one row's lines."""
        return MoneyLines(
            one_time_cost=float(self.one_time[rows].sum()),
            recurring_costs=self.recurring[rows].reshape(-1, self.recurring.shape[1]).sum(axis=0).tolist(),
            benefits=self.benefits[rows].reshape(-1, self.benefits.shape[1]).sum(axis=0).tolist(),
            derived_monthly_benefit=float(self.derived[rows].sum()),
            validated_monthly_benefit=float(self.validated[rows].sum()),
            benefit_to_date=float(self.to_date[rows].sum()),
            split=BenefitSplit(*self.split[rows].reshape(-1, len(BENEFIT_SPLIT_FIELDS)).sum(axis=0).tolist()),
            target_monthly_benefit=float(self.target[rows].sum()),
            forecast_benefit=float(self.forecast[rows].sum()),
        )

    def per_initiative(self) -> dict[int, MoneyLines]:
        """Each initiative's own lines, by initiative id."""
        return {pk: self.lines(row) for pk, row in self.index.items()}


Amount = float | Decimal


def _end(rest: Sequence) -> int | None:
    """The optional last field of a cost or benefit row: its end month (``None``: open-ended)."""
    return rest[0] if rest else None


def line_table(
    *,
    starts: Sequence[tuple[int, dt.date]],
    costs: Iterable[tuple[int, bool, Amount, int]],
    benefits: Iterable[tuple[int, Amount, int, bool, bool]],
    valued_targets: Iterable[tuple],
    horizon: int,
    today: dt.date,
    forecasts: Iterable[tuple[int, float]] = (),
) -> LineTable:
    """Every initiative's money lines over ``horizon`` months, from plain rows.

    - ``starts``: (initiative id, start date), one per initiative, in the order of the table's rows;
    - ``costs``: (initiative id, is one-time, amount, start month[, end month]); a recurring cost
      runs from its 1-based start month to its end month included (``None`` or left out: to the
      horizon);
    - ``benefits``: (initiative id, monthly amount, start month, validated, hard[, end month]),
      recurring like costs;
    - ``valued_targets``: (initiative id, baseline, current value, higher is better, money value of
      one unit per month[, target value]): a target that improved adds its gain × unit value to
      every month; its target value, what meeting it would be worth a month;
    - ``forecasts``: (initiative id, benefit over the horizon forecast on entering Do), at most one
      per initiative.

    Rows of initiatives not in ``starts`` are ignored. The month arithmetic runs on arrays
    (``step_lines``), not per initiative in Python: a portfolio holds thousands of initiatives.
    """
    index = {pk: row for row, (pk, _) in enumerate(starts)}
    n = len(index)
    one_time, recurring = ([], []), ([], [], [], [])
    for pk, is_one_time, amount, start_month, *end in costs:
        if (row := index.get(pk)) is None:
            continue
        if is_one_time:
            one_time[0].append(row)
            one_time[1].append(float(amount))
        else:
            for column, value in zip(recurring, (row, start_month, float(amount), _end(end)), strict=True):
                column.append(value)
    monthly_benefits, validated = ([], [], [], []), ([], [])
    # One (rows, starts, amounts, ends) per evidence kind: validated hard, validated soft, claimed
    # hard, claimed soft.
    by_evidence = {key: ([], [], [], []) for key in BENEFIT_SPLIT_FIELDS[:4]}
    for pk, amount, start_month, ok, hard, *end in benefits:
        if (row := index.get(pk)) is None:
            continue
        evidence = by_evidence[("validated_" if ok else "claimed_") + ("hard" if hard else "soft")]
        line = (row, start_month, float(amount), _end(end))
        for column, value in zip(monthly_benefits, line, strict=True):
            column.append(value)
        for column, value in zip(evidence, line, strict=True):
            column.append(value)
        if ok:
            validated[0].append(row)
            validated[1].append(float(amount))
    derived, targeted = ([], []), ([], [])
    for pk, baseline, current, higher_is_better, unit_value, *target in valued_targets:
        if (row := index.get(pk)) is None:
            continue
        gain = improvement_amount(baseline=baseline, current=current, higher_is_better=higher_is_better)
        if gain is not None and gain > 0:
            derived[0].append(row)
            derived[1].append(gain * float(unit_value))
        aim = improvement_amount(
            baseline=baseline, current=target[0] if target else None, higher_is_better=higher_is_better
        )
        if aim is not None and aim > 0:
            targeted[0].append(row)
            targeted[1].append(aim * float(unit_value))
    forecast = ([], [])
    for pk, amount in forecasts:
        if (row := index.get(pk)) is not None:
            forecast[0].append(row)
            forecast[1].append(float(amount))

    def per_row(rows, amounts) -> np.ndarray:
        return np.bincount(np.asarray(rows, dtype=int), weights=amounts, minlength=n).astype(float)

    derived_total = per_row(*derived)
    monthly = step_lines(*monthly_benefits, n=n, horizon=horizon) + derived_total[:, None]
    elapsed = np.fromiter(
        (min(months_between(start, today), horizon) for _, start in starts), dtype=int, count=n
    )
    return LineTable(
        index=index,
        one_time=per_row(*one_time),
        recurring=step_lines(*recurring, n=n, horizon=horizon),
        benefits=monthly,
        derived=derived_total,
        validated=per_row(*validated),
        # Benefit to date: the months already elapsed since the initiative started.
        to_date=np.where(np.arange(horizon) < elapsed[:, None], monthly, 0.0).sum(axis=1),
        split=np.column_stack(
            [step_lines(*lines, n=n, horizon=horizon).sum(axis=1) for lines in by_evidence.values()]
            + [derived_total * horizon]
        ),
        target=per_row(*targeted),
        forecast=per_row(*forecast),
    )


@dataclass(frozen=True)
class Ranking:
    """The figures a money table sorts on, one array entry per row of a ``LineTable``.

    NaN where ``Money`` says ``None``: ROI without cost, payback never reached or without money.
    Computed on the arrays at once, so a portfolio of thousands is ranked without a ``Money`` (and
    its IRR root-finding) per initiative; the values equal ``money_of`` row by row.
    """

    total_cost: np.ndarray
    total_benefit: np.ndarray
    net_benefit: np.ndarray
    roi_percent: np.ndarray
    payback_months: np.ndarray
    npv: np.ndarray


def ranking(table: LineTable, *, horizon: int, annual_rate: float) -> Ranking:
    return ranking_of(
        table.one_time, table.recurring, table.benefits, horizon=horizon, annual_rate=annual_rate
    )


def ranking_of(
    one_time: np.ndarray, recurring: np.ndarray, benefits: np.ndarray, *, horizon: int, annual_rate: float
) -> Ranking:
    """The figures of rows given by their one-time cost (n) and month lines (n × at least ``horizon``)."""
    recurring, benefits = recurring[:, :horizon], benefits[:, :horizon]
    flows = np.column_stack([-one_time, benefits - recurring])
    total_cost = one_time + recurring.sum(axis=1)
    total_benefit = benefits.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        roi = np.where(total_cost == 0, np.nan, (total_benefit - total_cost) / total_cost * 100)
    discount = (1 + monthly_rate(annual_rate)) ** -np.arange(horizon + 1, dtype=float)
    payback = _payback(flows, (total_cost == 0) & (total_benefit == 0))
    return Ranking(
        total_cost=total_cost,
        total_benefit=total_benefit,
        net_benefit=total_benefit - total_cost,
        roi_percent=roi,
        payback_months=payback,
        npv=flows @ discount,
    )


@dataclass(slots=True)
class RowMoney:
    """One row's figures exactly as ``roi_figures.money_of`` gives them, the IRR aside: a list or an export
    does not show it, and its root-finding per initiative is what made a portfolio of thousands slow.
    The benefit split is flattened into its five sums (``BenefitSplit``'s properties, same additions).
    Not frozen: thousands are built per export, and a frozen dataclass's constructor costs 10× more.
    """

    total_cost: float
    total_benefit: float
    benefit_to_date: float
    projected_12m_benefit: float
    roi_percent: float | None
    payback_months: float | None
    npv: float
    validated: float
    claimed: float
    hard: float
    soft: float
    derived: float

    @property
    def net_benefit(self) -> float:
        return self.total_benefit - self.total_cost


def _payback(flows: np.ndarray, no_money: np.ndarray) -> np.ndarray:
    """``roi.payback_months`` of each row of ``flows`` at once; NaN where it says ``None``."""
    cumulative = np.cumsum(flows, axis=1)
    negative = cumulative < 0
    # Month k pays back when the cumulative flow was negative after k − 1 and is not after k.
    crossing = negative[:, :-1] & ~negative[:, 1:]
    paid_back = crossing.any(axis=1)
    month = crossing.argmax(axis=1) + 1
    rows = np.arange(len(flows))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        inside = (month - 1) + (-cumulative[rows, month - 1]) / flows[rows, month]
    payback = np.where(paid_back, inside, np.where(negative.any(axis=1), np.nan, 0.0))
    return np.where(no_money, np.nan, payback)


def row_money(table: LineTable, *, annual_rate: float) -> list[RowMoney]:
    """Every row's ``RowMoney``, in the table's row order, equal bit for bit to ``roi_figures.money_of``.

    The arithmetic is the same as there, in the same order: totals by ``math.fsum`` per row, NPV
    as numpy-financial divides and sums, payback from the running sum. Arrays do the month
    arithmetic for all rows at once; Python only reads the results out.
    """
    horizon = table.recurring.shape[1]
    flows = np.column_stack([-table.one_time, table.benefits - table.recurring])
    discounted = flows / (1 + monthly_rate(annual_rate)) ** np.arange(0, horizon + 1)
    npv = discounted.sum(axis=1).tolist()
    recurring, benefits = table.recurring.tolist(), table.benefits.tolist()
    one_time = table.one_time.tolist()
    total_cost = [cost + math.fsum(months) for cost, months in zip(one_time, recurring, strict=True)]
    total_benefit = [math.fsum(months) for months in benefits]
    no_money = np.array(
        [c == 0 and b == 0 for c, b in zip(total_cost, total_benefit, strict=True)], dtype=bool
    )
    payback = _payback(flows, no_money).tolist()
    to_date, split = table.to_date.tolist(), table.split.tolist()
    return [
        RowMoney(
            total_cost=cost,
            total_benefit=benefit,
            benefit_to_date=to_date[row],
            projected_12m_benefit=sum(benefits[row][:MONTHS_PER_YEAR]),
            roi_percent=None if cost == 0 else (benefit - cost) / cost * 100,
            payback_months=None if math.isnan(payback[row]) else payback[row],
            npv=npv[row],
            validated=validated_hard + validated_soft,
            claimed=claimed_hard + claimed_soft,
            hard=validated_hard + claimed_hard,
            soft=validated_soft + claimed_soft,
            derived=derived,
        )
        for row, (
            cost,
            benefit,
            (validated_hard, validated_soft, claimed_hard, claimed_soft, derived),
        ) in enumerate(zip(total_cost, total_benefit, split, strict=True))
    ]
