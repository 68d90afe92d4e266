"""Check without an experiment: the KPI's baseline window against its values since the change.

The label, in order of precedence:

- ``met``: the mean since the change is at or beyond the target, on the KPI's good side;
- ``improved``: otherwise, a significant change (two-sided test at ``alpha``) in the good direction;
- ``worse``: a significant change in the bad direction;
- ``no_change``: no significant change (or too little data to test, with a warning saying so).

The test is Welch's t-test of the period values after the change against those of the baseline
window (scipy ``ttest_ind``, ``equal_var=False``). A window with fewer than two points has no
variance, so the values after the change are tested against the stated baseline value instead
(one-sample t-test, scipy ``ttest_1samp``).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from kpis.stats.common import Result, check_alpha, finite, welch_df

HIGHER = "higher"
LOWER = "lower"

MET = "met"
IMPROVED = "improved"
NO_CHANGE = "no_change"
WORSE = "worse"

WELCH = "welch"
ONE_SAMPLE = "one_sample"

MSG_DIRECTION = "direction must be 'higher' or 'lower'."
MSG_NO_AFTER = "No measurements since the change: there is nothing to evaluate yet."
MSG_NO_BASELINE = "The baseline window has fewer than two measurements and no baseline value is given."
MSG_VALUES_NOT_FINITE = "Every measurement must be a finite number."

W_ONE_AFTER = "Only one measurement since the change: too few to test for a change."
W_ZERO_VARIANCE = "The measurements do not vary at all, so the test is undefined."
W_ONE_SAMPLE = (
    "The baseline window has fewer than two measurements: the values since the change are tested "
    "against the baseline value {baseline} (one-sample t-test)."
)


@dataclass(frozen=True)
class BeforeAfter(Result):
    label: str
    test: str
    baseline_mean: float
    baseline_n: int
    after_mean: float
    after_n: int
    difference: float
    statistic: float | None
    degrees_of_freedom: float | None
    p_value: float | None
    alpha: float
    target_value: float
    direction: str
    warnings: list[str]


def _values(values: Sequence[float]) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if not np.isfinite(array).all():
        raise ValueError(MSG_VALUES_NOT_FINITE)
    return array


def _welch(after: np.ndarray, before: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """t, Welch–Satterthwaite df and two-sided p of after − before (None when there is no variance)."""
    vn_after, vn_before = after.var(ddof=1) / after.size, before.var(ddof=1) / before.size
    if vn_after + vn_before == 0:
        return None, None, None
    statistic = (after.mean() - before.mean()) / math.sqrt(vn_after + vn_before)
    df = welch_df(vn_after, vn_before, after.size, before.size)
    return float(statistic), float(df), float(2 * stats.t.sf(abs(statistic), df))


def _one_sample(after: np.ndarray, reference: float) -> tuple[float | None, float | None, float | None]:
    sd = after.std(ddof=1)
    if sd == 0:
        return None, None, None
    statistic = (after.mean() - reference) / (sd / math.sqrt(after.size))
    df = after.size - 1
    return float(statistic), float(df), float(2 * stats.t.sf(abs(statistic), df))


def before_after(
    *,
    baseline_values: Sequence[float],
    after_values: Sequence[float],
    target_value: float,
    direction: str,
    baseline_value: float | None = None,
    alpha: float = 0.05,
) -> BeforeAfter:
    """Label a KPI target met / improved / no_change / worse (see the module docstring)."""
    if direction not in (HIGHER, LOWER):
        raise ValueError(MSG_DIRECTION)
    alpha = check_alpha(alpha)
    target_value = finite(target_value, name="target_value")
    before, after = _values(baseline_values), _values(after_values)
    if after.size == 0:
        raise ValueError(MSG_NO_AFTER)
    warnings = []
    if before.size >= 2:
        test, reference = WELCH, float(before.mean())
    elif baseline_value is not None:
        test, reference = ONE_SAMPLE, finite(baseline_value, name="baseline_value")
        warnings.append(W_ONE_SAMPLE.format(baseline=reference))
    else:
        raise ValueError(MSG_NO_BASELINE)

    statistic = df = p_value = None
    if after.size < 2:
        warnings.append(W_ONE_AFTER)
    else:
        statistic, df, p_value = _welch(after, before) if test == WELCH else _one_sample(after, reference)
        if p_value is None:
            warnings.append(W_ZERO_VARIANCE)

    after_mean = float(after.mean())
    difference = after_mean - reference
    good = 1 if direction == HIGHER else -1
    if good * (after_mean - target_value) >= 0:
        label = MET
    elif p_value is not None and p_value < alpha:
        label = IMPROVED if good * difference > 0 else WORSE
    else:
        label = NO_CHANGE
    return BeforeAfter(
        label=label,
        test=test,
        baseline_mean=reference,
        baseline_n=int(before.size),
        after_mean=after_mean,
        after_n=int(after.size),
        difference=difference,
        statistic=statistic,
        degrees_of_freedom=df,
        p_value=p_value,
        alpha=alpha,
        target_value=target_value,
        direction=str(direction),
        warnings=warnings,
    )
