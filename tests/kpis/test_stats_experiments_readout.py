"""The read-out around the comparisons, against statsmodels and scipy: Holm across treatments,
the SRM check, power at the MDE and required users, chance to beat control and risk.
"""

import math

import numpy as np
import pytest
from scipy import integrate, stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import power_proportions_2indep, samplesize_proportions_2indep_onetail

from kpis.stats import experiments as ex
from kpis.stats.aggregates import ProportionAggregate
from kpis.stats.bayes import chance_to_beat, risk
from kpis.stats.srm import SRM_THRESHOLD, srm_test
from tests.kpis.conftest import PROPORTION_CASES, REL, mean_aggregate, proportion_result, raw


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


@pytest.mark.parametrize(("mean", "sd"), [(0.0, 1.0), (0.03, 0.02), (-0.1, 0.04), (2.0, 0.3), (-7.0, 1.0)])
def test_chance_and_risks_are_the_normal_posterior_tail_probability_and_expected_losses(mean, sd):
    posterior = stats.norm(mean, sd)
    gain = posterior.sf(0) * stats.truncnorm(-mean / sd, np.inf, loc=mean, scale=sd).mean()
    loss, _ = integrate.quad(lambda x: -x * posterior.pdf(x), -np.inf, 0)

    assert chance_to_beat(mean, sd) == pytest.approx(posterior.sf(0), rel=1e-12)
    assert risk(mean, sd).control == pytest.approx(gain, rel=1e-7, abs=1e-12)
    assert risk(mean, sd).treatment == pytest.approx(loss, rel=1e-7, abs=1e-12)
