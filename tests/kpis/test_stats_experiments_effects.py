"""Treatment against control, against scipy and statsmodels: the z-test, Welch's t-test, their
intervals and the relative effect (statsmodels' delta method for relative CIs).
"""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats._delta_method import NonlinearDeltaCov
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from kpis.stats import experiments as ex
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from tests.kpis.conftest import PROPORTION_CASES, REL, mean_aggregate, proportion_result, raw


def delta_method_se(m_t, m_c, var_t, var_c, n_t, n_c):
    """Standard error of Δ/|m_c| from statsmodels' delta method (complex-step derivatives)."""
    sign = 1.0 if m_c > 0 else -1.0
    delta = NonlinearDeltaCov(
        lambda p: (p[0] - p[1]) / (sign * p[1]),
        np.array([m_t, m_c]),
        np.diag([var_t / n_t, var_c / n_c]),
    )
    return float(np.squeeze(delta.se_vectorized()))


@pytest.mark.parametrize(("n_c", "x_c", "n_t", "x_t"), PROPORTION_CASES)
@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_proportion_p_value_is_the_pooled_z_test_and_the_interval_unpooled_wald(n_c, x_c, n_t, x_t, alpha):
    comparison = proportion_result(n_c, x_c, n_t, x_t, alpha=alpha).comparisons[0]

    assert comparison.absolute_effect == pytest.approx(x_t / n_t - x_c / n_c, rel=REL, abs=1e-15)
    small = min(n * col / (n_c + n_t) for n in (n_c, n_t) for col in (x_c + x_t, n_c + n_t - x_c - x_t)) < 5
    if x_c + x_t not in (0, n_c + n_t) and small:
        p = stats.fisher_exact([[x_t, n_t - x_t], [x_c, n_c - x_c]]).pvalue
        assert (comparison.test, comparison.statistic) == ("fisher_exact", None)
        assert comparison.p_value == pytest.approx(p, rel=1e-12)
    elif x_c + x_t not in (0, n_c + n_t):
        z, p = proportions_ztest([x_t, x_c], [n_t, n_c])
        assert comparison.test == "z"
        assert comparison.statistic == pytest.approx(z, rel=REL)
        assert comparison.p_value == pytest.approx(p, rel=REL, abs=1e-300)
    if 0 < x_c < n_c or 0 < x_t < n_t:
        low, high = confint_proportions_2indep(x_t, n_t, x_c, n_c, method="wald", compare="diff", alpha=alpha)
        assert comparison.absolute_ci == pytest.approx([low, high], rel=REL)


@pytest.mark.parametrize(
    ("n_c", "x_c", "n_t", "x_t"), [c for c in PROPORTION_CASES if 0 < c[1] < c[0] and 0 < c[3] < c[2]]
)
def test_proportion_relative_interval_is_the_delta_method_on_welch_t_df(n_c, x_c, n_t, x_t):
    comparison = proportion_result(n_c, x_c, n_t, x_t).comparisons[0]
    p_t, p_c = x_t / n_t, x_c / n_c

    se = delta_method_se(p_t, p_c, p_t * (1 - p_t), p_c * (1 - p_c), n_t, n_c)
    vn_t, vn_c = p_t * (1 - p_t) / n_t, p_c * (1 - p_c) / n_c
    df = (vn_t + vn_c) ** 2 / (vn_t**2 / (n_t - 1) + vn_c**2 / (n_c - 1))
    z = stats.t.isf(0.025, df)
    assert comparison.relative_effect == pytest.approx((p_t - p_c) / p_c, rel=REL)
    assert comparison.relative_ci == pytest.approx(
        [comparison.relative_effect - z * se, comparison.relative_effect + z * se], rel=1e-9
    )
    assert comparison.chance_to_beat_control == pytest.approx(
        stats.norm(comparison.relative_effect, se).sf(0), rel=1e-9, abs=1e-300
    )


# (control values, treatment values) as distributions: (mean, sd, n)
MEAN_CASES = [
    ((5.0, 2.0, 2), (6.0, 1.0, 3)),
    ((5.0, 2.0, 10), (5.5, 4.0, 14)),
    ((100.0, 30.0, 500), (103.0, 35.0, 480)),
    ((-20.0, 15.0, 300), (-17.0, 14.0, 310)),
    ((-0.5, 3.0, 2_000), (0.4, 3.0, 2_100)),
    ((3.2, 1.1, 200_000), (3.21, 1.1, 200_000)),
]


@pytest.mark.parametrize(("control", "treatment"), MEAN_CASES)
def test_mean_comparison_is_welch_with_its_interval_on_welch_satterthwaite_df(control, treatment):
    x_c, x_t = raw(*control, seed=1), raw(*treatment, seed=2)
    result = ex.analyze_experiment(
        metric="mean",
        control="a",
        aggregates={"a": mean_aggregate(x_c), "b": mean_aggregate(x_t)},
        weights={"a": 1, "b": 1},
        alpha=0.1,
    )
    comparison = result.comparisons[0]

    welch = stats.ttest_ind(x_t, x_c, equal_var=False)
    assert result.variants[0].mean == pytest.approx(np.mean(x_c), rel=REL)
    assert result.variants[0].sd == pytest.approx(np.std(x_c, ddof=1), rel=1e-8)
    assert comparison.statistic == pytest.approx(welch.statistic, rel=1e-8)
    assert comparison.degrees_of_freedom == pytest.approx(welch.df, rel=1e-8)
    assert comparison.p_value == pytest.approx(welch.pvalue, rel=1e-8)
    assert comparison.absolute_ci == pytest.approx(list(welch.confidence_interval(0.9)), rel=1e-8, abs=1e-12)


@pytest.mark.parametrize(
    ("control", "treatment"),
    [
        *MEAN_CASES,
        ((4.0, 9.0, 10_000_000), (4.01, 9.2, 10_000_000)),
        ((-12.0, 40.0, 9_000_000), (-11.9, 41.0, 10_000_000)),
    ],
)
def test_mean_comparison_agrees_with_scipy_from_stats_to_1e_9(control, treatment):
    """Totals built from (mean, sd, n) exactly; scipy gets the same summary statistics."""
    s_c = control[1]
    aggregates = {
        key: MeanAggregate(n, n * m, (n - 1) * s**2 + n * m**2)
        for key, (m, s, n) in {"a": control, "b": treatment}.items()
    }
    result = ex.analyze_experiment(
        metric="mean", control="a", aggregates=aggregates, weights={"a": 1, "b": 1}, mde=0.01
    )
    comparison = result.comparisons[0]
    c, t = result.variants

    welch = stats.ttest_ind_from_stats(t.mean, t.sd, t.users, c.mean, c.sd, c.users, equal_var=False)
    assert c.sd == pytest.approx(s_c, rel=1e-8)
    assert comparison.statistic == pytest.approx(welch.statistic, rel=REL)
    assert comparison.p_value == pytest.approx(welch.pvalue, rel=REL)

    se = delta_method_se(t.mean, c.mean, t.sd**2, c.sd**2, t.users, c.users)
    quantile = stats.t.isf(0.025, comparison.degrees_of_freedom)
    rel = comparison.relative_effect
    assert rel == pytest.approx((t.mean - c.mean) / abs(c.mean), rel=REL)
    assert comparison.relative_ci == pytest.approx([rel - quantile * se, rel + quantile * se], rel=1e-9)

    expected_power = NormalIndPower().power(
        effect_size=0.01 * abs(c.mean) / c.sd, nobs1=t.users, alpha=0.05, ratio=c.users / t.users
    )
    assert comparison.power_at_mde == pytest.approx(expected_power, rel=REL)


def test_relative_effect_keeps_its_sign_when_the_control_mean_is_negative():
    """NPS from −10 to −5 is an improvement of 50 %, not a fall."""
    result = ex.analyze_experiment(
        metric="mean",
        control="a",
        aggregates={"a": MeanAggregate(100, -1_000, 30_000), "b": MeanAggregate(100, -500, 20_000)},
        weights={"a": 1, "b": 1},
    )
    comparison = result.comparisons[0]

    assert comparison.relative_effect == pytest.approx(0.5)
    assert comparison.absolute_effect == pytest.approx(5.0)
    assert comparison.chance_to_beat_control > 0.5


proportion_arms = st.tuples(st.integers(1, 10**7), st.floats(0, 1)).map(lambda a: (a[0], round(a[0] * a[1])))


@settings(max_examples=200, deadline=None)
@given(control=proportion_arms, treatments=st.lists(proportion_arms, min_size=1, max_size=3))
def test_every_defined_interval_contains_its_estimate_and_holm_never_lowers_p(control, treatments):
    keys = ["a", *(f"t{i}" for i in range(len(treatments)))]
    arms = [control, *treatments]
    result = ex.analyze_experiment(
        metric="proportion",
        control="a",
        aggregates={key: ProportionAggregate(*arm) for key, arm in zip(keys, arms, strict=True)},
        weights=dict.fromkeys(keys, 1),
        mde=0.05,
    )
    for comparison in result.comparisons:
        if comparison.absolute_ci is not None:
            assert comparison.absolute_ci[0] <= comparison.absolute_effect <= comparison.absolute_ci[1]
        if comparison.relative_ci is not None:
            assert comparison.relative_ci[0] <= comparison.relative_effect <= comparison.relative_ci[1]
        if comparison.p_value is not None:
            assert comparison.p_value <= comparison.p_value_holm <= 1
        if comparison.risk is not None:
            assert 0 <= comparison.chance_to_beat_control <= 1
            assert comparison.risk.control >= 0 and comparison.risk.treatment >= 0
            # E[max(X, 0)] − E[max(−X, 0)] = E[X]
            assert comparison.risk.control - comparison.risk.treatment == pytest.approx(
                comparison.relative_effect, rel=1e-6, abs=1e-12
            )
    json.dumps(result.as_dict(), allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    n=st.lists(st.integers(2, 10**6), min_size=2, max_size=2),
    means=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=2),
    sds=st.lists(st.floats(0.01, 1e3), min_size=2, max_size=2),
)
def test_mean_intervals_contain_the_estimate(n, means, sds):
    aggregates = {
        key: MeanAggregate(k, k * m, (k - 1) * s**2 + k * m**2)
        for key, k, m, s in zip(["a", "b"], n, means, sds, strict=True)
    }
    comparison = ex.analyze_experiment(
        metric="mean", control="a", aggregates=aggregates, weights={"a": 1, "b": 1}
    ).comparisons[0]

    assert comparison.absolute_ci[0] <= comparison.absolute_effect <= comparison.absolute_ci[1]
    if comparison.relative_ci is not None:
        assert comparison.relative_ci[0] <= comparison.relative_effect <= comparison.relative_ci[1]
    assert 0 <= comparison.p_value <= 1
