"""CUPED (regression adjustment): GrowthBook's unit-test values, and raw-data checks with numpy,
scipy and a statsmodels OLS regression on the pre-period covariate."""

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from kpis.stats.aggregates import CupedAggregate, MeanAggregate, fold_observations
from kpis.stats.cuped import W_CUPED_NO_PRE_VARIANCE, W_CUPED_ZERO_VARIANCE, cuped_effect, pooled_theta
from kpis.stats.experiments import analyze_experiment


def _data(seed=1, n_t=4000, n_c=3500, lift=0.3, rho=0.7):
    rng = np.random.default_rng(seed)
    x = rng.normal(10, 3, n_t + n_c)
    y = 5 + rho * (x - 10) + rng.normal(0, 3 * math.sqrt(1 - rho * rho), n_t + n_c)
    treat = np.r_[np.ones(n_t), np.zeros(n_c)]
    y = y + lift * treat
    return x, y, treat.astype(bool)


def _totals(x, y):
    return CupedAggregate(len(y), y.sum(), (y * y).sum(), x.sum(), (x * x).sum(), (x * y).sum())


def test_growthbook_regression_adjusted_sequential_values():
    """growthbook packages/stats/tests/frequentist/test_tests.py, test_sequential_test_runs_ra (θ pooled)."""
    control = CupedAggregate(3000, 1396.87, 52377.9767, 16.87, 527.9767, 1)
    treatment = CupedAggregate(3461, 2422.7, 134698.29, 22.7, 1348.29, 1)
    result = analyze_experiment(
        metric="mean",
        control="a",
        aggregates={"a": control, "b": treatment},
        weights={"a": 1, "b": 1},
        sequential=True,
    )
    cuped = result.comparisons[0].cuped
    assert result.cuped is True
    assert round(cuped.relative_effect, 5) == 0.50338
    assert round(cuped.relative_se, 5) == 0.33341
    assert [round(x, 5) for x in cuped.sequential_relative_ci] == [-0.50969, 1.51646]
    assert round(cuped.sequential_relative_p_value, 5) == 1


def test_theta_is_the_slope_over_both_arms_together():
    x, y, treat = _data()
    theta = pooled_theta(_totals(x[treat], y[treat]), _totals(x[~treat], y[~treat]))
    assert theta == pytest.approx(np.cov(y, x)[0, 1] / np.var(x, ddof=1), rel=1e-9)


def test_adjusted_effect_and_test_match_welch_on_the_adjusted_values():
    x, y, treat = _data()
    t, c = _totals(x[treat], y[treat]), _totals(x[~treat], y[~treat])
    effect = cuped_effect(t, c, alpha=0.05, warn={})
    adj = y - effect.theta * x
    reference = stats.ttest_ind(adj[treat], adj[~treat], equal_var=False)
    assert effect.absolute_effect == pytest.approx(adj[treat].mean() - adj[~treat].mean(), rel=1e-9)
    assert effect.p_value == pytest.approx(reference.pvalue, rel=1e-7)
    assert effect.absolute_ci == pytest.approx(list(reference.confidence_interval(0.95)), rel=1e-8)
    unadjusted = np.var(y[treat], ddof=1) / treat.sum() + np.var(y[~treat], ddof=1) / (~treat).sum()
    adjusted = np.var(adj[treat], ddof=1) / treat.sum() + np.var(adj[~treat], ddof=1) / (~treat).sum()
    assert effect.variance_reduction == pytest.approx(1 - adjusted / unadjusted, rel=1e-8)
    # A pre-period correlated at 0.7 removes about 0.7² of the variance.
    assert 0.45 < effect.variance_reduction < 0.53


def test_adjusted_difference_with_the_ols_slope_is_the_ols_treatment_coefficient():
    x, y, treat = _data(seed=7)
    fit = sm.OLS(y, sm.add_constant(np.column_stack([treat.astype(float), x]))).fit()
    effect = cuped_effect(
        _totals(x[treat], y[treat]), _totals(x[~treat], y[~treat]), alpha=0.05, warn={}, theta=fit.params[2]
    )
    assert effect.absolute_effect == pytest.approx(fit.params[1], rel=1e-9)
    # The pooled θ is GrowthBook's (both arms together), close to but not the within-arm OLS slope.
    pooled = cuped_effect(_totals(x[treat], y[treat]), _totals(x[~treat], y[~treat]), alpha=0.05, warn={})
    assert pooled.absolute_effect == pytest.approx(fit.params[1], abs=2 * fit.bse[1] / 100)


def test_fold_with_pre_values_gives_the_totals():
    x, y, treat = _data(n_t=1000, n_c=900)
    labels = np.where(treat, "b", "a")
    folded = fold_observations(labels, y, pre_values=x)
    for key, mask in (("b", treat), ("a", ~treat)):
        expected = _totals(x[mask], y[mask])
        for field in ("users", "sum", "sum_squares", "pre_sum", "pre_sum_squares", "sum_product"):
            assert getattr(folded[key], field) == pytest.approx(getattr(expected, field), rel=1e-12)


def test_constant_pre_period_leaves_the_effect_unadjusted_and_says_so():
    t = CupedAggregate(3, 6.0, 14.0, 3.0, 3.0, 6.0)
    c = CupedAggregate(3, 3.0, 5.0, 3.0, 3.0, 3.0)
    warn = {}
    effect = cuped_effect(t, c, alpha=0.05, warn=warn)
    assert effect.theta == 0 and effect.variance_reduction == 0
    assert warn["cuped"] == W_CUPED_NO_PRE_VARIANCE
    assert effect.absolute_effect == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((-1, 0, 0, 0, 0, 0), "users must be a whole number"),
        ((3, 3.0, 5.0, 3.0, 5.0, 100.0), "sum_product (100.0) is inconsistent"),
        ((3, 3.0, 5.0, 3.0, 1.0, 3.0), "pre-period sum_squares (1.0) is too small"),
        ((0, 0.0, 0.0, 0.0, 0.0, 1.0), "no users must have sum_product of 0"),
        ((3, 3.0, 5.0, 3.0, 5.0, 1e300), "sum_product must lie between"),
        ((3, 3.0, 5.0, float("nan"), 5.0, 3.0), "pre_sum must be a finite number"),
    ],
)
def test_inconsistent_totals_are_refused(fields, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CupedAggregate(*fields)


@pytest.mark.parametrize(
    ("arms", "warned"),
    [
        # Subnormal spreads: variances underflow, θ falls back to 0; no error, no zero-width interval.
        (((3, 1.5e-323, 0.0, 1.5e-323, 0.0, 0.0), (3, 0.0, 0.0, 5e-324, 0.0, 0.0)), True),
        # Values near 10¹⁰⁰: squares near the 10²⁴⁰ bound (a valid read-out).
        (((2, 2e100, 2.5e200, 1e100, 1e200, 1.5e200), (2, 1e100, 1e200, 1e100, 1e200, 1e200)), True),
        (((3, 3e100, 5e200, 1e100, 2e200, 1e200), (3, 1e100, 2e200, 2e100, 3e200, 2e200)), False),
        # One user per arm.
        (((1, 2.0, 4.0, 1.0, 1.0, 2.0), (1, 1.0, 1.0, 1.0, 1.0, 1.0)), True),
    ],
)
def test_float_extremes_give_numbers_or_null(arms, warned):
    aggregates = {"a": CupedAggregate(*arms[0]), "b": CupedAggregate(*arms[1])}
    result = analyze_experiment(
        metric="mean", control="a", aggregates=aggregates, weights={"a": 1, "b": 1}, sequential=True
    ).as_dict()
    cuped = result["comparisons"][0]["cuped"]
    for value in (cuped or {}).values():
        for number in value if isinstance(value, list) else [value]:
            assert number is None or math.isfinite(number)
    if cuped and cuped["absolute_ci"] is not None:
        assert cuped["absolute_ci"][0] < cuped["absolute_ci"][1]
    assert bool(result["comparisons"][0]["warnings"]) is warned
    if not warned:
        assert cuped["p_value"] is not None and cuped["sequential_ci"] is not None


def test_a_pre_period_that_predicts_every_value_leaves_no_variance_not_rounding_noise():
    """y = x for every user: the adjusted variance is 0 exactly; in doubles the three terms leave
    about 10⁻¹⁶ of 10²⁰⁰ behind, which would claim p ≈ 10⁻⁸ from nothing."""
    warn = {}
    effect = cuped_effect(
        CupedAggregate(2, 1e100, 1e200, 1e100, 1e200, 1e200),
        CupedAggregate(2, 2e100, 2.5e200, 1e100, 1e200, 1.5e200),
        alpha=0.05,
        warn=warn,
    )
    assert effect.p_value is None and effect.absolute_ci is None
    assert warn["cuped_variance"] == W_CUPED_ZERO_VARIANCE
    # Values offset a million times their spread keep their variance (about 4 digits survive).
    rng = np.random.default_rng(5)
    x = rng.normal(1e6, 1, 400)
    y = x + rng.normal(0, 1, 400)
    kept = cuped_effect(_totals(x[:200], y[:200]), _totals(x[200:], y[200:]), alpha=0.05, warn={})
    assert kept.absolute_se == pytest.approx(
        math.sqrt(
            np.var(y[:200] - kept.theta * x[:200], ddof=1) / 200
            + np.var(y[200:] - kept.theta * x[200:], ddof=1) / 200
        ),
        rel=1e-3,
    )


def test_mixed_arms_are_analysed_without_cuped():
    result = analyze_experiment(
        metric="mean",
        control="a",
        aggregates={"a": MeanAggregate(3, 3.0, 5.0), "b": CupedAggregate(3, 6.0, 14.0, 3.0, 5.0, 7.0)},
        weights={"a": 1, "b": 1},
    )
    assert result.cuped is False and result.comparisons[0].cuped is None
    assert result.comparisons[0].absolute_effect == pytest.approx(1.0)
