"""The demo's simulated numbers: measurement periods around an initiative's start, KPI values that
ease from the baseline to where the KPI has got to, and experiment totals per variant."""

import datetime as dt

from improvement.management.demo_specs import TargetSpec
from improvement.models import MetricType
from kpis.models import Kpi, Unit

# Measurements before the start form the baseline window the Check evaluation compares against.
BASELINE_MONTHS = 3
BASELINE_WEEKS = 8
# Period-to-period wobble, as a share of the distance between the baseline and the value reached.
NOISE_SHARE = 0.06
DECIMALS = {Unit.SECONDS: 0, Unit.COUNT: 0, Unit.PERCENT: 1, Unit.HOURS: 1, Unit.MINUTES: 2, Unit.SCORE: 2}


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _add_months(day: dt.date, months: int) -> dt.date:
    years, month_index = divmod(day.month - 1 + months, 12)
    return dt.date(day.year + years, month_index + 1, 1)


def _next_period(day: dt.date, *, weekly: bool) -> dt.date:
    return day + dt.timedelta(weeks=1) if weekly else _add_months(day, 1)


def measurement_periods(
    *, start: dt.date, today: dt.date, weekly: bool
) -> tuple[list[dt.date], list[dt.date]]:
    """Baseline periods (before the start) and periods after the start up to today.

    Monthly periods are first days of months, weekly ones Mondays; "after" is strictly after the
    start, matching the Do → Check gate and the Check evaluation.
    """
    if weekly:
        last_before = start - dt.timedelta(days=start.weekday() or 7)
        baseline = [last_before - dt.timedelta(weeks=k) for k in range(BASELINE_WEEKS - 1, -1, -1)]
    else:
        last_before = _add_months(start, 0 if start.day > 1 else -1)
        baseline = [_add_months(last_before, -k) for k in range(BASELINE_MONTHS - 1, -1, -1)]
    after = []
    period = _next_period(last_before, weekly=weekly)
    while period <= today:
        after.append(period)
        period = _next_period(period, weekly=weekly)
    return baseline, after


def measurement_values(
    spec: TargetSpec, kpi: Kpi, *, start: dt.date, baseline: list[dt.date], after: list[dt.date], rng
) -> list[tuple[dt.date, float]]:
    """Values that wobble around the baseline, then ease towards ``reached`` and land on it."""
    delta = spec.reached - spec.baseline
    # A KPI that has not moved yet still wobbles, by a quarter of what a full move would give.
    wobble = NOISE_SHARE * abs(delta) or NOISE_SHARE * abs(spec.target - spec.baseline) / 4
    values = [(period, spec.baseline + rng.uniform(-wobble, wobble)) for period in baseline]
    if after:
        ramp = spec.ramp_days or (after[-1] - start).days
        for period in after[:-1]:
            share = min(1.0, (period - start).days / ramp)
            eased = 1 - (1 - share) ** 2
            values.append((period, spec.baseline + delta * eased + rng.uniform(-wobble, wobble)))
        values.append((after[-1], spec.reached))
    low = kpi.min_value if kpi.min_value is not None else float("-inf")
    high = kpi.max_value if kpi.max_value is not None else float("inf")
    digits = DECIMALS.get(kpi.unit, 2)
    return [(period, min(high, max(low, round(value, digits)))) for period, value in values]


def variant_rows(metric_type: str, variants) -> list[dict]:
    """Per-variant totals: conversions for a proportion; for a mean, the sufficient statistics of
    ``users`` values with that mean and sample sd."""
    if metric_type == MetricType.PROPORTION:
        return [{"variant": v.key, "users": v.users, "conversions": v.conversions} for v in variants]
    return [
        {
            "variant": v.key,
            "users": v.users,
            "sum": v.users * v.mean,
            "sum_squares": (v.users - 1) * v.sd**2 + v.users * v.mean**2,
        }
        for v in variants
    ]
