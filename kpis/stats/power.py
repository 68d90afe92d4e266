"""Power, sample size and the experiment planner (two-sided tests, normal approximation).

Group 1 is the treatment and group 2 the control, as in statsmodels: ``ratio = n_control / n_treatment``.

- Proportions: the variance is pooled under H0 and unpooled under H1, as statsmodels
  ``power_proportions_2indep`` (power, both tails) and ``samplesize_proportions_2indep_onetail``
  (sample size, the far tail ignored).
- Means: the normal approximation with the control's standard deviation in both arms, as
  statsmodels ``NormalIndPower`` (power) and ``normal_sample_size_one_tail`` (sample size).

Sample sizes are rounded up per arm; allocation weights set the ratio between arms.
"""

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from kpis.stats.common import (
    MSG_WEIGHT_RATIO,
    Result,
    check_alpha,
    check_power,
    check_weight_spread,
    finite,
)

PROPORTION = "proportion"
MEAN = "mean"
METRICS = (PROPORTION, MEAN)
MDE_RELATIVE = "relative"
MDE_ABSOLUTE = "absolute"
MDE_TYPES = (MDE_RELATIVE, MDE_ABSOLUTE)

MSG_METRIC = "metric must be 'proportion' or 'mean'."
MSG_MDE_TYPE = "mde_type must be 'relative' or 'absolute'."
MSG_MDE_ZERO = "The minimum detectable effect must not be zero."
MSG_MDE_RELATIVE_ZERO_BASELINE = "A relative minimum detectable effect needs a baseline other than zero."
MSG_BASELINE_RATE = "A proportion's baseline must lie between 0 and 1."
MSG_RATE_OUT_OF_RANGE = (
    "The baseline plus the minimum detectable effect ({rate}) is not a proportion between 0 and 1."
)
MSG_NO_VARIANCE = "Both rates are 0 or 1: there is no variance, so power and sample size are undefined."
MSG_SD = "The standard deviation must be greater than 0."
MSG_SD_REQUIRED = "A mean needs the control's standard deviation."
MSG_WEIGHTS = "Give at least two allocation weights (control first), all greater than 0."
MSG_DAILY_USERS = "daily_users must be greater than 0."
MSG_USERS = "Both arms need at least one user."
MSG_TOO_MANY_USERS = (
    "Detecting this effect needs more than {limit:,} users per arm: choose a larger minimum "
    "detectable effect."
)
MSG_TOO_MANY_DAYS = "At this traffic the experiment would need more than {limit:,} days."
MSG_TOO_SMALL = (
    "{name} is too small to compute with ({value!r}): below {smallest:.3g} floating point loses precision."
)
MSG_MDE_UNDERFLOW = (
    "The minimum detectable effect on the metric's scale ({mde!r} × |{baseline!r}|) is too small to compute "
    "with; give it as an absolute effect."
)
MSG_MDE_TOO_LARGE = "The minimum detectable effect on the metric's scale ({diff!r}) is not a finite number."

# Beyond these a plan is not an experiment anyone can run; they also keep every count a 64-bit
# integer (and exact in a JavaScript number) where an unbounded one would reach the renderer.
MAX_USERS_PER_ARM = 10**15
MAX_DAYS = 10**6
# The smallest normal float: below it (subnormals) a ratio such as sd / mde is silently inexact.
SMALLEST = sys.float_info.min


def _not_subnormal(value: float, *, name: str) -> float:
    if value != 0 and abs(value) < SMALLEST:
        raise ValueError(MSG_TOO_SMALL.format(name=name, value=value, smallest=SMALLEST))
    return value


def check_mde(mde: float, mde_type: str) -> float:
    if mde_type not in MDE_TYPES:
        raise ValueError(MSG_MDE_TYPE)
    mde = finite(mde, name="mde")
    if mde == 0:
        raise ValueError(MSG_MDE_ZERO)
    return _not_subnormal(mde, name="mde")


def absolute_mde(*, baseline: float, mde: float, mde_type: str) -> float:
    """The MDE on the metric's own scale; a relative MDE is a share of |baseline|."""
    mde = check_mde(mde, mde_type)
    if mde_type == MDE_ABSOLUTE:
        return mde
    if baseline == 0:
        raise ValueError(MSG_MDE_RELATIVE_ZERO_BASELINE)
    diff = mde * abs(baseline)
    if not math.isfinite(diff):
        raise ValueError(MSG_MDE_TOO_LARGE.format(diff=diff))
    if abs(diff) < SMALLEST:
        raise ValueError(MSG_MDE_UNDERFLOW.format(mde=mde, baseline=baseline))
    return diff


def _proportion_stds(*, control_rate: float, diff: float, ratio: float) -> tuple[float, float]:
    """Standard deviations of the difference (per √n_treatment) under H0 (pooled) and H1 (unpooled).

    The pooled rate weights both arms' rates under the alternative by their sizes.
    """
    if not 0 <= control_rate <= 1:
        raise ValueError(MSG_BASELINE_RATE)
    treatment_rate = control_rate + diff
    if not 0 <= treatment_rate <= 1:
        raise ValueError(MSG_RATE_OUT_OF_RANGE.format(rate=treatment_rate))
    pooled = (treatment_rate + control_rate * ratio) / (1 + ratio)
    std_null = math.sqrt(pooled * (1 - pooled) + pooled * (1 - pooled) / ratio)
    std_alt = math.sqrt(treatment_rate * (1 - treatment_rate) + control_rate * (1 - control_rate) / ratio)
    if std_null == 0 or std_alt == 0:
        raise ValueError(MSG_NO_VARIANCE)
    return std_null, std_alt


def _two_sided_power(*, diff: float, std_null: float, std_alt: float, n1: float, alpha: float) -> float:
    crit = stats.norm.isf(alpha / 2)
    shift = diff * math.sqrt(n1) / std_alt
    std_ratio = std_null / std_alt
    return float(stats.norm.sf(crit * std_ratio - shift) + stats.norm.cdf(-crit * std_ratio - shift))


def _one_tail_n1(*, diff: float, std_null: float, std_alt: float, alpha: float, power: float) -> float:
    crit = stats.norm.isf(alpha / 2)
    crit_power = stats.norm.isf(power)
    # Plain floats multiplied: an overflow is inf (refused by required_users), not a warning or error.
    root = float(max(crit * std_null - crit_power * std_alt, 0.0)) / diff
    return root * root


def _arms(treatment_users: float, control_users: float) -> float:
    if treatment_users <= 0 or control_users <= 0:
        raise ValueError(MSG_USERS)
    return control_users / treatment_users


def proportion_power(
    *, control_rate: float, diff: float, treatment_users: float, control_users: float, alpha: float = 0.05
) -> float:
    """Power of the pooled two-proportion z-test to detect ``diff`` with these arm sizes."""
    ratio = _arms(treatment_users, control_users)
    std_null, std_alt = _proportion_stds(control_rate=control_rate, diff=diff, ratio=ratio)
    return _two_sided_power(
        diff=diff, std_null=std_null, std_alt=std_alt, n1=treatment_users, alpha=check_alpha(alpha)
    )


def proportion_sample_size(
    *, control_rate: float, diff: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> float:
    """Treatment users (unrounded) for ``power``; the control needs ``ratio`` times as many."""
    std_null, std_alt = _proportion_stds(control_rate=control_rate, diff=diff, ratio=ratio)
    return _one_tail_n1(
        diff=diff, std_null=std_null, std_alt=std_alt, alpha=check_alpha(alpha), power=check_power(power)
    )


def mean_power(
    *, sd: float, diff: float, treatment_users: float, control_users: float, alpha: float = 0.05
) -> float:
    """Power of the two-sample z-test to detect ``diff`` when both arms have standard deviation ``sd``."""
    ratio = _arms(treatment_users, control_users)
    if not sd > 0:
        raise ValueError(MSG_SD)
    _not_subnormal(sd, name="sd")
    std = sd * math.sqrt(1 + 1 / ratio)
    return _two_sided_power(
        diff=diff, std_null=std, std_alt=std, n1=treatment_users, alpha=check_alpha(alpha)
    )


def mean_sample_size(
    *, sd: float, diff: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> float:
    """Treatment users (unrounded) for ``power``; the control needs ``ratio`` times as many."""
    if not sd > 0:
        raise ValueError(MSG_SD)
    _not_subnormal(sd, name="sd")
    std = sd * math.sqrt(1 + 1 / ratio)
    return _one_tail_n1(
        diff=diff, std_null=std, std_alt=std, alpha=check_alpha(alpha), power=check_power(power)
    )


def required_users(
    *,
    metric: str,
    baseline: float,
    diff: float,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> tuple[int, int]:
    """(treatment users, control users), each rounded up, for one treatment against the control."""
    if not 0 < ratio < math.inf:
        # Weights whose quotient underflows or overflows (1e-320 against 1e308).
        raise ValueError(MSG_WEIGHT_RATIO)
    if metric == PROPORTION:
        n1 = proportion_sample_size(control_rate=baseline, diff=diff, alpha=alpha, power=power, ratio=ratio)
    elif metric == MEAN:
        if sd is None:
            raise ValueError(MSG_SD_REQUIRED)
        n1 = mean_sample_size(sd=sd, diff=diff, alpha=alpha, power=power, ratio=ratio)
    else:
        raise ValueError(MSG_METRIC)
    # n1 is infinite or huge for a tiny MDE or a huge sd: refuse before ceil() or an integer overflows.
    if not n1 * max(ratio, 1.0) <= MAX_USERS_PER_ARM:
        raise ValueError(MSG_TOO_MANY_USERS.format(limit=MAX_USERS_PER_ARM))
    return math.ceil(n1), math.ceil(n1 * ratio)


@dataclass(frozen=True)
class SampleSizePlan(Result):
    """Users each arm needs (control first, in the order of the weights) and the days to get them."""

    metric: str
    baseline: float
    absolute_mde: float
    alpha: float
    power: float
    weights: list[float]
    users_per_arm: list[int]
    total_users: int
    daily_users: float
    days_needed: int


def plan_sample_size(
    *,
    metric: str,
    baseline: float,
    mde: float,
    mde_type: str = MDE_RELATIVE,
    alpha: float = 0.05,
    power: float = 0.8,
    daily_users: float,
    weights: Sequence[float] = (1.0, 1.0),
    sd: float | None = None,
) -> SampleSizePlan:
    """Plan an experiment: every treatment against the control at the given MDE, alpha and power.

    The control serves every comparison, so it needs the largest of the control sizes they ask for.
    Traffic splits by weight, so the days needed are set by the arm that fills up slowest.
    """
    if metric not in METRICS:
        raise ValueError(MSG_METRIC)
    baseline = finite(baseline, name="baseline")
    weights = [finite(weight, name="weight") for weight in weights]
    if len(weights) < 2 or min(weights) <= 0:
        raise ValueError(MSG_WEIGHTS)
    check_weight_spread(weights)
    daily_users = finite(daily_users, name="daily_users")
    if daily_users <= 0:
        raise ValueError(MSG_DAILY_USERS)
    if metric == MEAN:
        if sd is None:
            raise ValueError(MSG_SD_REQUIRED)
        sd = finite(sd, name="sd")
    diff = absolute_mde(baseline=baseline, mde=mde, mde_type=mde_type)
    control_weight, *treatment_weights = weights
    treatments, controls = [], []
    for weight in treatment_weights:
        treatment, control = required_users(
            metric=metric,
            baseline=baseline,
            diff=diff,
            sd=sd,
            alpha=alpha,
            power=power,
            ratio=control_weight / weight,
        )
        treatments.append(treatment)
        controls.append(control)
    users_per_arm = [max(controls), *treatments]
    total_weight = sum(weights)
    # An arm's daily users (weight × daily_users) can underflow to 0: that arm never fills up.
    exact_days = max(
        users * total_weight / (weight * daily_users) if weight * daily_users > 0 else math.inf
        for users, weight in zip(users_per_arm, weights, strict=True)
    )
    if not exact_days <= MAX_DAYS:
        raise ValueError(MSG_TOO_MANY_DAYS.format(limit=MAX_DAYS))
    days = math.ceil(exact_days)
    return SampleSizePlan(
        metric=metric,
        baseline=baseline,
        absolute_mde=diff,
        alpha=alpha,
        power=power,
        weights=weights,
        users_per_arm=users_per_arm,
        total_users=sum(users_per_arm),
        daily_users=daily_users,
        days_needed=days,
    )
