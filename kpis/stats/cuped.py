"""Variance reduction with pre-period data (CUPED): GrowthBook's regression adjustment.

Each user has a value y in the experiment and a value x from before it. Per variant the totals are
n, Σy, Σy², Σx, Σx² and Σxy (``CupedAggregate``). θ is the slope of y on x over the users of the
pair of arms taken together (GrowthBook's ``compute_theta``); each arm's mean becomes ȳ − θx̄ and its
variance s_y² + θ²s_x² − 2θ·s_xy. Formulas in ``docs/statistics.md`` §2.
"""

import math
from dataclasses import dataclass

from scipy import stats

from kpis.stats.aggregates import CupedAggregate, centred_covariance, centred_variance
from kpis.stats.common import Result, welch_df

# About 64 machine epsilons: the error of a difference of sums of squares in doubles.
ROUNDING_SHARE = 64 * 2.220446049250313e-16
W_CUPED_ONE_USER = (
    "{variant} vs {control}: an arm has fewer than 2 users, so the CUPED adjustment is undefined."
)
W_CUPED_NO_PRE_VARIANCE = (
    "{variant} vs {control}: the pre-period values (or the values) do not vary, so θ = 0 and CUPED "
    "leaves the effect unadjusted."
)
W_CUPED_ZERO_VARIANCE = (
    "{variant} vs {control}: the adjusted variance is zero, so the CUPED interval and p-value are undefined."
)


def pooled_theta(t: CupedAggregate, c: CupedAggregate) -> float:
    """θ = Cov(y, x) / Var(x) over the users of both arms together (n − 1 denominators).

    0 when either variance is zero or θ is not a finite number (GrowthBook then leaves the effect
    unadjusted).
    """
    n = t.users + c.users
    total_y, total_x = t.sum + c.sum, t.pre_sum + c.pre_sum
    var_y = centred_variance(total_y, t.sum_squares + c.sum_squares, n)
    var_x = centred_variance(total_x, t.pre_sum_squares + c.pre_sum_squares, n)
    if var_y == 0 or var_x == 0:
        return 0.0
    theta = centred_covariance(t.sum_product + c.sum_product, total_y, total_x, n) / var_x
    return theta if math.isfinite(theta) else 0.0


@dataclass(frozen=True)
class CupedArm:
    mean: float  # ȳ, unadjusted
    adjusted_mean: float  # ȳ − θx̄
    variance: float  # s_y², unadjusted
    adjusted_variance: float  # s_y² + θ²s_x² − 2θ s_xy, at least 0
    covariance: float  # s_xy
    pre_variance: float  # s_x²


def _arm(data: CupedAggregate, theta: float) -> CupedArm:
    n = data.users
    var_y = centred_variance(data.sum, data.sum_squares, n)
    var_x = centred_variance(data.pre_sum, data.pre_sum_squares, n)
    cov = centred_covariance(data.sum_product, data.sum, data.pre_sum, n)
    # θ·(θ s_x² − 2 s_xy) rather than θ² s_x² − 2θ s_xy: one product fewer that could overflow.
    adjusted = var_y + theta * (theta * var_x - 2 * cov)
    # The three terms come from raw totals; what is left of them below this share of the raw second
    # moments is rounding (a pre-period that predicts y exactly), not variance.
    scale = (
        data.sum_squares + abs(theta) * (abs(theta) * data.pre_sum_squares + 2 * abs(data.sum_product))
    ) / (n - 1)
    if math.isfinite(scale) and adjusted <= ROUNDING_SHARE * scale:
        adjusted = 0.0
    mean_y, mean_x = data.sum / n, data.pre_sum / n
    return CupedArm(mean_y, mean_y - theta * mean_x, var_y, max(adjusted, 0.0), cov, var_x)


@dataclass(frozen=True)
class CupedEffect(Result):
    theta: float
    absolute_effect: float
    absolute_se: float | None
    absolute_ci: list[float] | None
    relative_effect: float | None
    relative_se: float | None
    relative_ci: list[float] | None
    degrees_of_freedom: float | None
    p_value: float | None
    variance_reduction: float | None
    # Filled in by the read-out when the experiment is sequential.
    sequential_ci: list[float] | None = None
    sequential_relative_ci: list[float] | None = None
    sequential_p_value: float | None = None
    sequential_relative_p_value: float | None = None


def cuped_effect(
    t: CupedAggregate, c: CupedAggregate, *, alpha: float, warn: dict, theta: float | None = None
) -> CupedEffect | None:
    """The regression-adjusted effect of t against c (None with a warning if an arm has < 2 users).

    ``theta`` overrides the pooled θ (for checks against other estimators of the slope).
    Absolute: Δ = (ȳ_t − θx̄_t) − (ȳ_c − θx̄_c), SE² = v_t/n_t + v_c/n_c with the adjusted variances,
    Welch's t on those variances. Relative: Δ / |ȳ_c| with GrowthBook's delta-method variance.
    """
    if t.users < 2 or c.users < 2:
        warn["cuped"] = W_CUPED_ONE_USER
        return None
    if theta is None:
        theta = pooled_theta(t, c)
        if theta == 0:
            warn["cuped"] = W_CUPED_NO_PRE_VARIANCE
    arm_t, arm_c = _arm(t, theta), _arm(c, theta)
    diff = arm_t.adjusted_mean - arm_c.adjusted_mean
    vn_t, vn_c = arm_t.adjusted_variance / t.users, arm_c.adjusted_variance / c.users
    unadjusted = arm_t.variance / t.users + arm_c.variance / c.users
    reduction = 1 - (vn_t + vn_c) / unadjusted if unadjusted > 0 else None
    relative = relative_se = relative_ci = None
    if arm_c.mean != 0:
        relative = diff / abs(arm_c.mean)
        ratio = arm_t.mean / arm_c.mean
        # GrowthBook's frequentist_variance_relative_cuped, each arm divided by n·ȳ_c².
        v_ctrl = (
            arm_c.variance * ratio * ratio
            - 2 * theta * arm_c.covariance * ratio
            + theta * theta * arm_c.pre_variance
        )
        rel_var = (arm_t.adjusted_variance / t.users + max(v_ctrl, 0.0) / c.users) / arm_c.mean / arm_c.mean
        relative_se = math.sqrt(rel_var) if math.isfinite(rel_var) and rel_var > 0 else None
    if vn_t + vn_c == 0 or not math.isfinite(vn_t + vn_c):
        warn["cuped_variance"] = W_CUPED_ZERO_VARIANCE
        return CupedEffect(theta, diff, None, None, relative, None, None, None, None, reduction)
    se = math.sqrt(vn_t + vn_c)
    df = welch_df(vn_t, vn_c, t.users, c.users)
    quantile = float(stats.t.isf(alpha / 2, df))
    p_value = float(2 * stats.t.sf(abs(diff / se), df))
    if relative_se is not None:
        relative_ci = [relative - quantile * relative_se, relative + quantile * relative_se]
    return CupedEffect(
        theta=theta,
        absolute_effect=diff,
        absolute_se=se,
        absolute_ci=[diff - quantile * se, diff + quantile * se],
        relative_effect=relative,
        relative_se=relative_se,
        relative_ci=relative_ci,
        degrees_of_freedom=df,
        p_value=p_value,
        variance_reduction=reduction,
    )
