"""Power, sample size and the planner against statsmodels."""

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.power import NormalIndPower, normal_sample_size_one_tail
from statsmodels.stats.proportion import power_proportions_2indep, samplesize_proportions_2indep_onetail

from kpis.stats import power as pw
from kpis.stats.common import MSG_ALPHA, MSG_POWER

REL = 1e-9

# (control rate, absolute difference, treatment users, control / treatment ratio, alpha)
PROPORTION_CASES = [
    (0.10, 0.01, 14_000, 1.0, 0.05),
    (0.10, -0.02, 3_000, 1.0, 0.05),
    (0.02, 0.004, 50_000, 2.0, 0.01),
    (0.50, 0.05, 800, 0.5, 0.10),
    (0.0, 0.01, 5_000, 1.0, 0.05),
    (0.99, 0.01, 2_000, 1.0, 0.05),
    (0.30, 0.001, 10_000_000, 1.0, 0.05),
    (0.30, 0.2, 5, 3.0, 0.05),
]


@pytest.mark.parametrize(("rate", "diff", "n1", "ratio", "alpha"), PROPORTION_CASES)
def test_proportion_power_pools_under_h0_and_not_under_h1_as_statsmodels(rate, diff, n1, ratio, alpha):
    expected = power_proportions_2indep(diff, rate, n1, ratio=ratio, alpha=alpha, return_results=False)

    power = pw.proportion_power(
        control_rate=rate, diff=diff, treatment_users=n1, control_users=n1 * ratio, alpha=alpha
    )
    assert power == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize(("rate", "diff", "n1", "ratio", "alpha"), PROPORTION_CASES)
@pytest.mark.parametrize("power", [0.8, 0.9, 0.5])
def test_proportion_sample_size_is_statsmodels_one_tail_formula(rate, diff, n1, ratio, alpha, power):
    expected = samplesize_proportions_2indep_onetail(diff, rate, power, ratio=ratio, alpha=alpha)

    n = pw.proportion_sample_size(control_rate=rate, diff=diff, alpha=alpha, power=power, ratio=ratio)
    assert n == pytest.approx(expected, rel=REL)


# (sd, absolute difference, treatment users, control / treatment ratio, alpha)
MEAN_CASES = [
    (1.0, 0.1, 1_500, 1.0, 0.05),
    (30.0, -2.0, 400, 1.0, 0.05),
    (2.5, 0.05, 10_000_000, 1.0, 0.01),
    (12.0, 3.0, 20, 0.25, 0.1),
    (0.3, 0.01, 9_000, 4.0, 0.05),
]


@pytest.mark.parametrize(("sd", "diff", "n1", "ratio", "alpha"), MEAN_CASES)
def test_mean_power_is_the_two_sample_z_test_power_of_statsmodels(sd, diff, n1, ratio, alpha):
    expected = NormalIndPower().power(effect_size=diff / sd, nobs1=n1, alpha=alpha, ratio=ratio)

    power = pw.mean_power(sd=sd, diff=diff, treatment_users=n1, control_users=n1 * ratio, alpha=alpha)
    assert power == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize(("sd", "diff", "n1", "ratio", "alpha"), MEAN_CASES)
@pytest.mark.parametrize("power", [0.8, 0.95])
def test_mean_sample_size_is_the_one_tail_normal_formula(sd, diff, n1, ratio, alpha, power):
    std = sd * math.sqrt(1 + 1 / ratio)
    expected = normal_sample_size_one_tail(diff, power, alpha / 2, std_null=std)

    n = pw.mean_sample_size(sd=sd, diff=diff, alpha=alpha, power=power, ratio=ratio)
    assert n == pytest.approx(expected, rel=REL)
    # statsmodels' root-finder keeps the far tail, which only ever lowers the sample size a little.
    solved = NormalIndPower().solve_power(effect_size=abs(diff) / sd, alpha=alpha, power=power, ratio=ratio)
    assert solved <= n * (1 + 1e-9)
    assert solved == pytest.approx(n, rel=1e-3)


def test_textbook_sample_size_for_a_ten_percent_lift_on_ten_percent():
    """Equal arms, α = 0.05, power 0.8, 10 % → 11 %: about 14,750 users per arm."""
    treatment, control = pw.required_users(metric="proportion", baseline=0.10, diff=0.01)

    expected = math.ceil(samplesize_proportions_2indep_onetail(0.01, 0.10, 0.8))
    assert treatment == control == expected == 14_751


def test_the_planner_rounds_each_arm_up_and_counts_days_from_the_slowest_arm():
    plan = pw.plan_sample_size(
        metric="proportion",
        baseline=0.10,
        mde=0.10,
        alpha=0.05,
        power=0.8,
        daily_users=1_000,
        weights=[2, 1, 1],
    )

    n1 = samplesize_proportions_2indep_onetail(0.01, 0.10, 0.8, ratio=2.0)
    assert plan.users_per_arm == [math.ceil(2 * n1), math.ceil(n1), math.ceil(n1)]
    assert plan.total_users == sum(plan.users_per_arm)
    # Each treatment gets a quarter of the traffic.
    assert plan.days_needed == math.ceil(math.ceil(n1) / 250)
    assert plan.absolute_mde == pytest.approx(0.01)


def test_the_planner_gives_the_control_the_largest_size_any_comparison_needs():
    plan = pw.plan_sample_size(
        metric="proportion", baseline=0.10, mde=0.01, mde_type="absolute", daily_users=500, weights=[1, 1, 2]
    )

    equal = samplesize_proportions_2indep_onetail(0.01, 0.10, 0.8, ratio=1.0)
    double = samplesize_proportions_2indep_onetail(0.01, 0.10, 0.8, ratio=0.5)
    assert plan.users_per_arm == [
        max(math.ceil(equal), math.ceil(0.5 * double)),
        math.ceil(equal),
        math.ceil(double),
    ]


def test_the_planner_for_a_mean_uses_the_control_sd():
    plan = pw.plan_sample_size(
        metric="mean", baseline=-40.0, sd=25.0, mde=0.05, daily_users=300, weights=[1, 1], power=0.9
    )

    n1 = normal_sample_size_one_tail(2.0, 0.9, 0.025, std_null=25.0 * math.sqrt(2))
    assert plan.absolute_mde == pytest.approx(2.0)
    assert plan.users_per_arm == [math.ceil(n1)] * 2
    assert plan.days_needed == math.ceil(2 * math.ceil(n1) / 300)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"metric": "median"}, pw.MSG_METRIC),
        ({"mde_type": "percent"}, pw.MSG_MDE_TYPE),
        ({"mde": 0}, pw.MSG_MDE_ZERO),
        ({"baseline": 0.0}, pw.MSG_MDE_RELATIVE_ZERO_BASELINE),
        ({"baseline": 1.5, "mde_type": "absolute", "mde": 0.01}, pw.MSG_BASELINE_RATE),
        ({"baseline": 0.95, "mde": 0.1}, pw.MSG_RATE_OUT_OF_RANGE.format(rate=0.95 + 0.095)),
        ({"weights": [1]}, pw.MSG_WEIGHTS),
        ({"weights": [1, 0]}, pw.MSG_WEIGHTS),
        ({"daily_users": 0}, pw.MSG_DAILY_USERS),
        ({"alpha": 0}, MSG_ALPHA),
        ({"power": 1}, MSG_POWER),
        ({"metric": "mean"}, pw.MSG_SD_REQUIRED),
        ({"metric": "mean", "sd": 0}, pw.MSG_SD),
        ({"mde": float("nan")}, "mde must be a finite number"),
    ],
)
def test_the_planner_refuses_invalid_input(kwargs, message):
    arguments = {"metric": "proportion", "baseline": 0.1, "mde": 0.1, "daily_users": 1_000} | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        pw.plan_sample_size(**arguments)


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(0.01, 0.9),
    lift=st.floats(0.01, 0.1),
    n=st.integers(10, 10**6),
    extra=st.integers(1, 10**5),
    ratio=st.floats(0.2, 5),
)
def test_power_grows_with_the_number_of_users(rate, lift, n, extra, ratio):
    def power(users):
        return pw.proportion_power(
            control_rate=rate, diff=rate * lift, treatment_users=users, control_users=users * ratio
        )

    assert 0 < power(n) <= power(n + extra) <= 1


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(0.01, 0.6),
    lift=st.floats(-0.5, 0.5).filter(lambda x: abs(x) > 0.01),
    target=st.floats(0.5, 0.99),
    ratio=st.floats(0.2, 5),
)
def test_the_required_users_reach_the_power_asked_for(rate, lift, target, ratio):
    diff = rate * lift
    treatment, control = pw.required_users(
        metric="proportion", baseline=rate, diff=diff, power=target, ratio=ratio
    )

    achieved = pw.proportion_power(
        control_rate=rate, diff=diff, treatment_users=treatment, control_users=control
    )
    assert achieved >= target - 1e-9
