"""One treatment against the control: the two-sample test, its intervals and the relative effect.

Two-sided throughout; t = treatment, c = control. Proportions use the pooled z-test and the unpooled
Wald interval, means Welch's t-test; the relative effect Δ/|m_c| has a delta-method interval. The
formulas, and the library each one matches, are in ``docs/statistics.md``. Warnings are collected in
the caller's ``warn`` dict, keyed by topic, as unformatted templates ({variant}, {control}, {measure}).
"""

import math
from dataclasses import dataclass

from scipy import stats

from kpis.stats import exact
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.common import welch_df

W_COMPARE_ONE_USER = (
    "{variant} vs {control}: an arm has a single user, so the variance, intervals, p-value, "
    "chance to beat control and risk are undefined."
)
W_ZERO_VARIANCE_TEST = (
    "{variant} vs {control}: zero variance under the null hypothesis (every user in both arms has "
    "the same value), so the p-value is undefined."
)
W_ZERO_VARIANCE = (
    "{variant} vs {control}: zero variance in both arms, so the intervals, chance to beat control "
    "and risk are undefined."
)
W_ZERO_CONTROL_MEAN = (
    "{variant} vs {control}: the control's {measure} is zero, so the relative effect, its interval, "
    "chance to beat control and risk are undefined."
)
W_ZERO_RELATIVE_VARIANCE = (
    "{variant} vs {control}: the delta-method variance of the relative effect is zero, so its interval, "
    "chance to beat control and risk are undefined."
)


WELCH_T = "welch_t"


def sample_variance(data: MeanAggregate) -> float:
    # Floating-point totals of identical values can leave a tiny negative difference: it is zero.
    return max(data.sum_squares - data.sum * (data.sum / data.users), 0.0) / (data.users - 1)


@dataclass(frozen=True)
class Effect:
    """The test and intervals of one comparison, before Holm and power are added."""

    absolute_effect: float | None = None
    absolute_ci: list[float] | None = None
    relative_effect: float | None = None
    relative_ci: list[float] | None = None
    relative_se: float | None = None
    standard_error: float | None = None
    statistic: float | None = None
    degrees_of_freedom: float | None = None
    p_value: float | None = None
    # "z" (pooled z-test), "fisher_exact" (an expected cell below 5) or "welch_t".
    test: str | None = None


def _interval(centre: float, half_width: float) -> list[float]:
    return [centre - half_width, centre + half_width]


def _relative(
    *,
    m_t: float,
    m_c: float,
    v_t: float | None,
    v_c: float | None,
    n_t: int,
    n_c: int,
    quantile: float | None,
    warn: dict,
) -> tuple[float | None, float | None, list[float] | None]:
    """Δ/|m_c|, its delta-method standard error and interval (``quantile`` × se either side).

    Var = s_t²/(m_c² n_t) + s_c² m_t²/(m_c⁴ n_c), computed as (s_t²/n_t + s_c² (m_t/m_c)²/n_c) / m_c²
    so that a control mean near zero does not underflow. No variances (a single-user arm): no interval.
    """
    relative = (m_t - m_c) / abs(m_c) if m_c != 0 else math.inf
    if not math.isfinite(relative):
        warn["control"] = W_ZERO_CONTROL_MEAN
        return None, None, None
    if quantile is None:
        return relative, None, None
    ratio = m_t / m_c
    # Multiplication, not **: float ** raises OverflowError where * gives inf (handled below).
    se = math.sqrt(v_t / n_t + v_c * ratio * ratio / n_c) / abs(m_c)
    if not math.isfinite(se):
        warn["control"] = W_ZERO_CONTROL_MEAN
        return relative, None, None
    if se == 0:
        warn.setdefault("variance", W_ZERO_RELATIVE_VARIANCE)
        return relative, None, None
    return relative, se, _interval(relative, quantile * se)


def _proportion_df(v_t: float, v_c: float, n_t: int, n_c: int) -> float | None:
    """Welch–Satterthwaite df of the two arms' variances p(1 − p)/n, as GrowthBook computes it.

    An arm with zero variance adds nothing (its n − 1 may be 0); with both at zero there is no df.
    """
    vn_t, vn_c = v_t / n_t, v_c / n_c
    if vn_t + vn_c == 0:
        return None
    if vn_t == 0 or vn_c == 0:
        return float((n_c if vn_t == 0 else n_t) - 1)
    return welch_df(vn_t, vn_c, n_t, n_c)


def proportion_effect(t: ProportionAggregate, c: ProportionAggregate, alpha: float, warn: dict) -> Effect:
    p_t, p_c = t.conversions / t.users, c.conversions / c.users
    diff = p_t - p_c
    v_t, v_c = p_t * (1 - p_t), p_c * (1 - p_c)
    z = stats.norm.isf(alpha / 2)
    # p-value: pooled two-proportion z-test (statsmodels proportions_ztest), or Fisher's exact test
    # (scipy fisher_exact) when an expected cell of the 2×2 table is below 5.
    pooled = (t.conversions + c.conversions) / (t.users + c.users)
    se_null = math.sqrt(pooled * (1 - pooled) * (1 / t.users + 1 / c.users))
    statistic = p_value = None
    test = exact.Z_TEST
    if se_null > 0:
        statistic = diff / se_null
        p_value = float(2 * stats.norm.sf(abs(statistic)))
        fisher = exact.fisher_p_value(t, c) if exact.needs_exact(t, c) else None
        if fisher is not None:
            statistic, p_value, test = None, fisher, exact.FISHER_EXACT
            warn["exact"] = exact.W_FISHER
    else:
        warn["test"] = W_ZERO_VARIANCE_TEST
    # Interval: unpooled Wald (statsmodels confint_proportions_2indep, method="wald").
    se = math.sqrt(v_t / t.users + v_c / c.users)
    absolute_ci = None
    if se > 0:
        absolute_ci = _interval(diff, z * se)
    else:
        warn["variance"] = W_ZERO_VARIANCE
    # Relative interval on Welch t degrees of freedom, as GrowthBook's TwoSidedTTest.
    df = _proportion_df(v_t, v_c, t.users, c.users)
    quantile = float(stats.t.isf(alpha / 2, df)) if df else z
    relative, relative_se, relative_ci = _relative(
        m_t=p_t, m_c=p_c, v_t=v_t, v_c=v_c, n_t=t.users, n_c=c.users, quantile=quantile, warn=warn
    )
    return Effect(
        diff, absolute_ci, relative, relative_ci, relative_se, se or None, statistic, None, p_value, test
    )


def mean_effect(t: MeanAggregate, c: MeanAggregate, alpha: float, warn: dict) -> Effect:
    m_t, m_c = t.sum / t.users, c.sum / c.users
    diff = m_t - m_c
    sizes = {"n_t": t.users, "n_c": c.users}
    if t.users < 2 or c.users < 2:
        warn["users"] = W_COMPARE_ONE_USER
        relative, _, _ = _relative(m_t=m_t, m_c=m_c, v_t=None, v_c=None, quantile=None, warn=warn, **sizes)
        return Effect(absolute_effect=diff, relative_effect=relative, test=WELCH_T)
    v_t, v_c = sample_variance(t), sample_variance(c)
    vn_t, vn_c = v_t / t.users, v_c / c.users
    if vn_t + vn_c == 0:
        warn["test"] = W_ZERO_VARIANCE_TEST
        warn["variance"] = W_ZERO_VARIANCE
        relative, _, _ = _relative(m_t=m_t, m_c=m_c, v_t=None, v_c=None, quantile=None, warn=warn, **sizes)
        return Effect(absolute_effect=diff, relative_effect=relative, test=WELCH_T)
    # Welch's t-test on Welch–Satterthwaite degrees of freedom (scipy ttest_ind_from_stats, equal_var=False).
    se = math.sqrt(vn_t + vn_c)
    df = welch_df(vn_t, vn_c, t.users, c.users)
    statistic = diff / se
    p_value = float(2 * stats.t.sf(abs(statistic), df))
    quantile = float(stats.t.isf(alpha / 2, df))
    relative, relative_se, relative_ci = _relative(
        m_t=m_t, m_c=m_c, v_t=v_t, v_c=v_c, quantile=quantile, warn=warn, **sizes
    )
    return Effect(
        diff,
        _interval(diff, quantile * se),
        relative,
        relative_ci,
        relative_se,
        se,
        statistic,
        df,
        p_value,
        WELCH_T,
    )
