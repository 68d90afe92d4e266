"""Small samples and many arms: Fisher's exact test, the omnibus tests, the relative interval on
Welch t df (GrowthBook's published test values) and the credible interval."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.oneway import anova_oneway

from kpis.stats import experiments as ex
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate, mean_aggregate_from_sd
from kpis.stats.exact import fisher_p_value
from kpis.stats.omnibus import chi_square_omnibus, welch_anova
from tests.kpis.conftest import mean_aggregate, proportion_result, raw


def analyze(metric, arms, **kwargs):
    return ex.analyze_experiment(
        metric=metric,
        control="a",
        aggregates=arms,
        weights=dict.fromkeys(arms, 1),
        **kwargs,
    )


@settings(max_examples=150, deadline=None)
@given(n_t=st.integers(1, 80), n_c=st.integers(1, 80), share_t=st.floats(0, 1), share_c=st.floats(0, 1))
def test_fisher_p_value_matches_scipy_fisher_exact(n_t, n_c, share_t, share_c):
    x_t, x_c = round(n_t * share_t), round(n_c * share_c)
    if x_t + x_c in (0, n_t + n_c):
        return
    expected = stats.fisher_exact([[x_t, n_t - x_t], [x_c, n_c - x_c]]).pvalue
    assert fisher_p_value(ProportionAggregate(n_t, x_t), ProportionAggregate(n_c, x_c)) == pytest.approx(
        expected, rel=1e-11
    )


def test_small_expected_cells_switch_the_p_value_to_fisher_and_say_so():
    comparison = proportion_result(40, 1, 40, 6).comparisons[0]
    assert comparison.test == "fisher_exact"
    assert comparison.p_value == pytest.approx(stats.fisher_exact([[6, 34], [1, 39]]).pvalue, rel=1e-12)
    assert any("Fisher's exact test" in warning for warning in comparison.warnings)
    assert proportion_result(1_000, 100, 1_000, 130).comparisons[0].test == "z"


def test_fisher_at_a_trillion_users_is_the_binomial_split_of_the_few_conversions():
    # 4 conversions in two equal arms of 10¹²: given the margins, the split is Binomial(4, ½).
    p = fisher_p_value(ProportionAggregate(10**12, 1), ProportionAggregate(10**12, 3))
    assert p == pytest.approx(stats.binomtest(1, 4, 0.5).pvalue, rel=1e-9)
    result = proportion_result(2**62, 0, 2**62, 3).comparisons[0]
    assert result.test == "fisher_exact" and result.p_value == pytest.approx(0.25, rel=1e-9)


def test_relative_interval_of_means_reproduces_growthbooks_two_sided_ttest():
    # growthbook/growthbook packages/stats/tests/frequentist/test_tests.py, test_two_sided_ttest.
    control = mean_aggregate_from_sd(3407, 0.41, 3.9)
    treatment = mean_aggregate_from_sd(3461, 0.41 + 0.29, 6.2)
    comparison = analyze("mean", {"a": control, "b": treatment}).comparisons[0]
    assert comparison.relative_effect == pytest.approx(0.70732, abs=5e-6)
    assert comparison.relative_ci == pytest.approx([-0.03526, 1.44989], abs=5e-6)


@pytest.mark.parametrize(("n_c", "x_c", "n_t", "x_t"), [(1_000, 100, 1_200, 108), (300, 30, 280, 45)])
def test_relative_interval_of_proportions_uses_welch_t_df_as_growthbook(n_c, x_c, n_t, x_t):
    # GrowthBook's TwoSidedTTest written out: variance and dof on p(1 − p), t quantile.
    p_c, p_t = x_c / n_c, x_t / n_t
    v_c, v_t = p_c * (1 - p_c), p_t * (1 - p_t)
    variance = v_t / (p_c**2 * n_t) + v_c * p_t**2 / (p_c**4 * n_c)
    dof = (v_t / n_t + v_c / n_c) ** 2 / (v_t**2 / (n_t**2 * (n_t - 1)) + v_c**2 / (n_c**2 * (n_c - 1)))
    width = stats.t.ppf(0.975, dof) * math.sqrt(variance)
    estimate = (p_t - p_c) / p_c
    comparison = proportion_result(n_c, x_c, n_t, x_t).comparisons[0]
    assert comparison.relative_ci == pytest.approx([estimate - width, estimate + width], rel=1e-9)


def test_credible_interval_is_the_central_interval_of_the_flat_prior_posterior():
    comparison = proportion_result(1_000, 100, 1_200, 140, alpha=0.1).comparisons[0]
    p_c, p_t = 0.1, 140 / 1_200
    sd = math.sqrt(p_t * (1 - p_t) / (p_c**2 * 1_200) + p_c * (1 - p_c) * p_t**2 / (p_c**4 * 1_000))
    low, high = stats.norm(comparison.relative_effect, sd).interval(0.9)
    assert comparison.credible_interval == pytest.approx([low, high], rel=1e-9)
    assert comparison.chance_to_beat_control == pytest.approx(
        stats.norm(comparison.relative_effect, sd).sf(0)
    )


def test_three_proportion_arms_get_the_k_by_2_chi_square():
    table = [[30, 70], [45, 55], [20, 80]]
    result = analyze(
        "proportion", {key: ProportionAggregate(x + y, x) for key, (x, y) in zip("abc", table, strict=True)}
    )
    reference = stats.chi2_contingency(table)
    assert result.omnibus.test == "chi_square"
    assert result.omnibus.statistic == pytest.approx(reference.statistic, rel=1e-12)
    assert result.omnibus.df == reference.dof
    assert result.omnibus.p_value == pytest.approx(reference.pvalue, rel=1e-10)
    assert (
        analyze("proportion", {"a": ProportionAggregate(10, 1), "b": ProportionAggregate(10, 2)}).omnibus
        is None
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_three_or_more_mean_arms_get_welch_anova_as_statsmodels(seed):
    rng = np.random.default_rng(seed)
    data = [raw(10, 1, 30, seed), raw(10.5, 3, 50, seed + 10), rng.normal(11, 2, 20), rng.normal(9, 5, 8)]
    result = analyze("mean", {key: mean_aggregate(values) for key, values in zip("abcd", data, strict=True)})
    reference = anova_oneway(data, use_var="unequal")
    assert result.omnibus.test == "welch_anova"
    assert result.omnibus.statistic == pytest.approx(reference.statistic, rel=1e-9)
    assert [result.omnibus.df, result.omnibus.df_denominator] == pytest.approx(list(reference.df), rel=1e-9)
    assert result.omnibus.p_value == pytest.approx(reference.pvalue, rel=1e-8)


def test_omnibus_is_undefined_with_a_reason_not_an_error_at_the_limits():
    no_variation = chi_square_omnibus([ProportionAggregate(10, 0)] * 3)
    assert no_variation.p_value is None and no_variation.warnings
    one_user = welch_anova(
        [MeanAggregate(1, 5.0, 25.0), MeanAggregate(3, 3.0, 5.0), MeanAggregate(3, 3.0, 5.0)]
    )
    assert one_user.p_value is None and one_user.warnings
    huge = [MeanAggregate(2**62, 1e120 * s, 1e240) for s in (0.1, 0.2, 0.3)]
    assert welch_anova(huge).p_value is not None
    tiny = [MeanAggregate(3, 1e-300 * s, 1e-300) for s in (1, 2, 3)]
    assert welch_anova(tiny).statistic is None or math.isfinite(welch_anova(tiny).statistic)
    big = chi_square_omnibus([ProportionAggregate(2**62, 2**61 + s) for s in (0, 1, 2)])
    assert big.p_value == pytest.approx(1.0)
