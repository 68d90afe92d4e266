"""Experiment read-out against scipy and statsmodels (and statsmodels' delta method for relative CIs)."""

import json
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from statsmodels.stats._delta_method import NonlinearDeltaCov
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)

from kpis.stats import experiments as ex
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.bayes import chance_to_beat, risk
from kpis.stats.common import MSG_ALPHA
from kpis.stats.srm import SRM_THRESHOLD, srm_test

REL = 1e-9

# (control users, control conversions, treatment users, treatment conversions)
PROPORTION_CASES = [
    (5, 1, 7, 3),
    (20, 0, 20, 3),
    (20, 3, 20, 0),
    (20, 20, 25, 21),
    (20, 0, 20, 20),
    (1_000, 100, 1_000, 130),
    (1_000, 100, 1_200, 108),
    (50_000, 1_500, 49_700, 1_620),
    (10_000_000, 1_234_567, 10_000_000, 1_236_000),
    (10_000_000, 5, 9_999_000, 17),
    (10_000_000, 9_999_999, 10_000_000, 9_999_990),
]


def proportion_result(n_c, x_c, n_t, x_t, **kwargs):
    kwargs.setdefault("mde", 0.05)
    return ex.analyze_experiment(
        metric="proportion",
        control="control",
        aggregates={"control": ProportionAggregate(n_c, x_c), "b": ProportionAggregate(n_t, x_t)},
        weights={"control": 1, "b": 1},
        **kwargs,
    )


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
    if x_c + x_t not in (0, n_c + n_t):
        z, p = proportions_ztest([x_t, x_c], [n_t, n_c])
        assert comparison.statistic == pytest.approx(z, rel=REL)
        assert comparison.p_value == pytest.approx(p, rel=REL, abs=1e-300)
    if 0 < x_c < n_c or 0 < x_t < n_t:
        low, high = confint_proportions_2indep(x_t, n_t, x_c, n_c, method="wald", compare="diff", alpha=alpha)
        assert comparison.absolute_ci == pytest.approx([low, high], rel=REL)


@pytest.mark.parametrize(
    ("n_c", "x_c", "n_t", "x_t"), [c for c in PROPORTION_CASES if 0 < c[1] < c[0] and 0 < c[3] < c[2]]
)
def test_proportion_relative_interval_is_the_delta_method_with_normal_quantile(n_c, x_c, n_t, x_t):
    comparison = proportion_result(n_c, x_c, n_t, x_t).comparisons[0]
    p_t, p_c = x_t / n_t, x_c / n_c

    se = delta_method_se(p_t, p_c, p_t * (1 - p_t), p_c * (1 - p_c), n_t, n_c)
    z = stats.norm.isf(0.025)
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


def raw(mean, sd, n, seed):
    return np.random.default_rng(seed).normal(mean, sd, n)


def mean_aggregate(values):
    return MeanAggregate(len(values), float(np.sum(values)), float(np.sum(values * values)))


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


@pytest.mark.parametrize(
    ("users", "rates"),
    [
        ((10_000, 10_000, 10_000), (0.10, 0.11, 0.104)),
        ((3_000, 3_100, 2_900, 3_050), (0.20, 0.23, 0.21, 0.19)),
        ((100, 120, 90, 110), (0.30, 0.30, 0.45, 0.10)),
    ],
)
def test_holm_adjusts_every_treatment_against_the_control_as_statsmodels(users, rates):
    keys = ["control", "b", "c", "d"][: len(users)]
    aggregates = {
        key: ProportionAggregate(n, round(n * rate)) for key, n, rate in zip(keys, users, rates, strict=True)
    }
    result = ex.analyze_experiment(
        metric="proportion", control="control", aggregates=aggregates, weights=dict.fromkeys(keys, 1)
    )

    raw_p = [c.p_value for c in result.comparisons]
    reject, adjusted, _, _ = multipletests(raw_p, alpha=0.05, method="holm")
    assert [c.p_value_holm for c in result.comparisons] == pytest.approx(list(adjusted), rel=REL)
    assert [c.significant for c in result.comparisons] == list(reject)


def test_four_mean_variants_each_match_welch_and_holm_adjusts_them_together():
    samples = {
        key: raw(mean, 10.0, 400, seed)
        for seed, (key, mean) in enumerate(zip("abcd", [50, 51.5, 49, 50.2], strict=True))
    }
    result = ex.analyze_experiment(
        metric="mean",
        control="a",
        aggregates={key: mean_aggregate(values) for key, values in samples.items()},
        weights=dict.fromkeys("abcd", 1),
    )

    expected = [stats.ttest_ind(samples[key], samples["a"], equal_var=False).pvalue for key in "bcd"]
    assert [c.variant for c in result.comparisons] == ["b", "c", "d"]
    assert [c.p_value for c in result.comparisons] == pytest.approx(expected, rel=1e-8)
    assert [c.p_value_holm for c in result.comparisons] == pytest.approx(
        list(multipletests(expected, method="holm")[1]), rel=1e-8
    )


def test_holm_leaves_undefined_p_values_out_of_the_family():
    assert ex.holm([0.01, None, 0.04]) == pytest.approx([0.02, None, 0.04])
    assert ex.holm([None]) == [None]


@pytest.mark.parametrize(
    ("users", "weights", "detected"),
    [
        ((5_000, 5_000), (1, 1), False),
        ((5_000, 5_400), (1, 1), True),
        ((10_050, 4_990, 4_960), (2, 1, 1), False),
        ((10_000, 5_600, 4_400), (2, 1, 1), True),
        ((2_510, 2_490, 2_480, 2_520), (1, 1, 1, 1), False),
        ((9_000_000, 1_010_000), (0.9, 0.1), True),
        ((9_000_000, 1_000_900), (0.9, 0.1), False),
        ((3, 1), (1, 1), False),
    ],
)
def test_srm_is_the_chi_square_goodness_of_fit_against_the_weights(users, weights, detected):
    srm = srm_test(users, weights)

    expected = [sum(users) * w / sum(weights) for w in weights]
    chi_square, p_value = stats.chisquare(users, expected)
    assert srm.chi_square == pytest.approx(chi_square, rel=REL)
    assert srm.p_value == pytest.approx(p_value, rel=REL, abs=1e-300)
    assert srm.detected is detected
    assert srm.detected is bool(p_value < SRM_THRESHOLD)


def test_srm_without_users_is_undefined_with_a_warning():
    result = proportion_result(0, 0, 0, 0)

    assert result.srm.as_dict() == {"chi_square": None, "p_value": None, "detected": None}
    assert ex.W_SRM_NO_USERS in result.warnings


POWER_CASES = [
    (*case, mde, mde_type)
    for case in PROPORTION_CASES
    for mde, mde_type in [(0.1, "relative"), (0.02, "absolute"), (-0.05, "relative")]
    if 0 < case[1] < case[0]
    and 0 <= case[1] / case[0] + (mde * case[1] / case[0] if mde_type == "relative" else mde) <= 1
]


@pytest.mark.parametrize(("n_c", "x_c", "n_t", "x_t", "mde", "mde_type"), POWER_CASES)
def test_proportion_power_at_mde_and_required_users_match_statsmodels(n_c, x_c, n_t, x_t, mde, mde_type):
    p_c = x_c / n_c
    diff = mde * p_c if mde_type == "relative" else mde
    comparison = proportion_result(n_c, x_c, n_t, x_t, mde=mde, mde_type=mde_type).comparisons[0]

    expected_power = power_proportions_2indep(diff, p_c, n_t, ratio=n_c / n_t, return_results=False)
    n1 = samplesize_proportions_2indep_onetail(diff, p_c, 0.8, ratio=1)
    assert comparison.power_at_mde == pytest.approx(expected_power, rel=REL)
    assert comparison.required_users_per_arm == {"control": math.ceil(n1), "b": math.ceil(n1)}


def test_required_users_respect_unequal_weights():
    result = ex.analyze_experiment(
        metric="proportion",
        control="a",
        aggregates={"a": ProportionAggregate(5_000, 500), "b": ProportionAggregate(2_500, 260)},
        weights={"a": 2, "b": 1},
        mde=0.1,
    )

    n1 = samplesize_proportions_2indep_onetail(0.01, 0.1, 0.8, ratio=2.0)
    assert result.comparisons[0].required_users_per_arm == {"a": math.ceil(2 * n1), "b": math.ceil(n1)}


def test_zero_users_in_an_arm_empties_the_comparison_with_warnings():
    result = ex.analyze_experiment(
        metric="mean",
        control="a",
        aggregates={"a": MeanAggregate(0, 0, 0), "b": MeanAggregate(10, 50, 300)},
        weights={"a": 1, "b": 1},
        mde=0.1,
    )
    comparison = result.comparisons[0]

    assert result.variants[0].mean is None and result.variants[0].sd is None
    assert ex.W_NO_USERS.format(variant="a", measure="mean") in result.warnings
    assert comparison.warnings == [ex.W_COMPARE_NO_USERS.format(variant="b", control="a")]
    assert all(
        value is None
        for key, value in comparison.as_dict().items()
        if key not in ("variant", "control", "warnings")
    )


def test_zero_variance_in_both_proportion_arms_gives_no_p_value_or_interval():
    comparison = proportion_result(500, 0, 400, 0).comparisons[0]

    assert comparison.absolute_effect == 0
    assert comparison.p_value is None and comparison.p_value_holm is None and comparison.significant is None
    assert comparison.absolute_ci is None
    assert ex.W_ZERO_VARIANCE_TEST.format(variant="b", control="control") in comparison.warnings
    assert (
        ex.W_ZERO_CONTROL_MEAN.format(variant="b", control="control", measure="rate") in comparison.warnings
    )


def test_a_certain_treatment_leaves_the_relative_interval_without_variance():
    """Treatment at 0 %: Δ/p_c is exactly −1 whatever p_c is, so the delta method gives zero variance."""
    comparison = proportion_result(20, 3, 20, 0).comparisons[0]

    assert comparison.relative_effect == pytest.approx(-1.0)
    assert comparison.absolute_ci is not None and comparison.relative_ci is None
    assert comparison.chance_to_beat_control is None
    assert ex.W_ZERO_RELATIVE_VARIANCE.format(variant="b", control="control") in comparison.warnings


def test_opposite_certain_arms_have_a_p_value_but_no_wald_interval():
    """0 % against 100 %: the pooled test is defined, the unpooled variance is zero."""
    comparison = proportion_result(20, 0, 20, 20).comparisons[0]

    _, p_value = proportions_ztest([20, 0], [20, 20])
    assert comparison.p_value == pytest.approx(p_value, rel=REL)
    assert comparison.absolute_ci is None
    assert ex.W_ZERO_VARIANCE.format(variant="b", control="control") in comparison.warnings


def test_zero_variance_means_give_no_test_but_keep_the_effect():
    result = ex.analyze_experiment(
        metric="mean",
        control="a",
        aggregates={"a": MeanAggregate(4, 20, 100), "b": MeanAggregate(5, 30, 180)},
        weights={"a": 1, "b": 1},
        mde=0.1,
    )
    comparison = result.comparisons[0]

    assert comparison.absolute_effect == pytest.approx(1.0)
    assert comparison.relative_effect == pytest.approx(0.2)
    assert comparison.p_value is None and comparison.absolute_ci is None and comparison.relative_ci is None
    assert comparison.chance_to_beat_control is None and comparison.risk is None
    assert comparison.power_at_mde is None and comparison.required_users_per_arm is None
    assert ex.W_ZERO_VARIANCE.format(variant="b", control="a") in comparison.warnings
    assert ex.W_NO_CONTROL_SD.format(variant="b", control="a") in comparison.warnings


def test_zero_control_mean_gives_no_relative_effect():
    result = ex.analyze_experiment(
        metric="mean",
        control="a",
        aggregates={"a": MeanAggregate(10, 0, 40), "b": MeanAggregate(10, 10, 50)},
        weights={"a": 1, "b": 1},
        mde=0.1,
    )
    comparison = result.comparisons[0]

    assert comparison.p_value is not None
    assert comparison.relative_effect is None and comparison.relative_ci is None
    assert comparison.chance_to_beat_control is None and comparison.risk is None
    assert comparison.power_at_mde is None
    assert ex.W_ZERO_CONTROL_MEAN.format(variant="b", control="a", measure="mean") in comparison.warnings


def test_a_single_user_arm_has_no_standard_deviation():
    result = ex.analyze_experiment(
        metric="mean",
        control="a",
        aggregates={"a": MeanAggregate(1, 3, 9), "b": MeanAggregate(10, 50, 300)},
        weights={"a": 1, "b": 1},
    )

    assert result.variants[0].sd is None
    assert ex.W_ONE_USER.format(variant="a") in result.warnings
    assert result.comparisons[0].p_value is None
    assert ex.W_COMPARE_ONE_USER.format(variant="b", control="a") in result.comparisons[0].warnings


def test_an_mde_out_of_range_makes_power_undefined_with_the_reason():
    comparison = proportion_result(1_000, 950, 1_000, 960, mde=0.1).comparisons[0]

    assert comparison.power_at_mde is None and comparison.required_users_per_arm is None
    assert len(comparison.warnings) == 1 and "not a proportion between 0 and 1" in comparison.warnings[0]


def test_results_serialise_to_strict_json():
    result = ex.analyze_experiment(
        metric="proportion",
        control="a",
        aggregates={
            "a": ProportionAggregate(1_000, 0),
            "b": ProportionAggregate(1_000, 20),
            "c": ProportionAggregate(0, 0),
        },
        weights={"a": 1, "b": 1, "c": 1},
    )

    encoded = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    assert [v["key"] for v in encoded["variants"]] == ["a", "b", "c"]
    assert ex.W_NO_MDE in encoded["warnings"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"control": "z"}, ex.MSG_CONTROL.format(control="z")),
        ({"weights": {"a": 1}}, ex.MSG_WEIGHT_KEYS),
        ({"weights": {"a": 1, "b": 0}}, ex.MSG_WEIGHT),
        ({"metric": "median"}, ex.pw.MSG_METRIC),
        (
            {"metric": "mean"},
            ex.MSG_AGGREGATE_TYPE.format(variant="a", metric="mean", expected="MeanAggregate"),
        ),
        ({"alpha": 1.5}, MSG_ALPHA),
        ({"mde": 0}, ex.pw.MSG_MDE_ZERO),
        ({"mde": float("nan")}, "mde must be a finite number"),
        ({"mde_type": "percent"}, ex.pw.MSG_MDE_TYPE),
        ({"aggregates": {"a": ProportionAggregate(1, 1)}, "weights": {"a": 1}}, ex.MSG_TWO_VARIANTS),
    ],
)
def test_invalid_arguments_are_refused(kwargs, message):
    arguments = {
        "metric": "proportion",
        "control": "a",
        "aggregates": {"a": ProportionAggregate(10, 1), "b": ProportionAggregate(10, 2)},
        "weights": {"a": 1, "b": 1},
    } | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        ex.analyze_experiment(**arguments)


@pytest.mark.parametrize(("mean", "sd"), [(0.0, 1.0), (0.03, 0.02), (-0.1, 0.04), (2.0, 0.3), (-7.0, 1.0)])
def test_chance_and_risks_are_the_normal_posterior_tail_probability_and_expected_losses(mean, sd):
    posterior = stats.norm(mean, sd)
    gain = posterior.sf(0) * stats.truncnorm(-mean / sd, np.inf, loc=mean, scale=sd).mean()
    loss, _ = integrate.quad(lambda x: -x * posterior.pdf(x), -np.inf, 0)

    assert chance_to_beat(mean, sd) == pytest.approx(posterior.sf(0), rel=1e-12)
    assert risk(mean, sd).control == pytest.approx(gain, rel=1e-7, abs=1e-12)
    assert risk(mean, sd).treatment == pytest.approx(loss, rel=1e-7, abs=1e-12)


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
