"""kpis.stats at the limits of floating point: documented bounds raise ValueError with the bound,
and numbers that overflow anyway are None with a warning (never inf, NaN or a huge integer)."""

import pytest

from kpis.stats import aggregates as agg
from kpis.stats import power as pw
from kpis.stats.common import MSG_WEIGHT_RATIO
from kpis.stats.experiments import W_SRM_UNDEFINED, analyze_experiment
from kpis.stats.spc import W_LIMITS_UNDEFINED, xmr_chart
from kpis.stats.srm import srm_test


def test_a_mean_total_past_the_bound_is_refused_with_it():
    with pytest.raises(ValueError) as refused:
        agg.MeanAggregate(100, 1e200, 1e240)

    assert str(refused.value) == agg.MSG_TOTAL_TOO_LARGE.format(name="sum", limit=1e120, value=1e200)


def test_totals_at_the_bounds_keep_every_derived_number_finite():
    users = 2**63 - 1
    data = agg.MeanAggregate(users, agg.MAX_ABS_SUM, agg.MAX_SUM_SQUARES)
    other = agg.MeanAggregate(users, -agg.MAX_ABS_SUM, agg.MAX_SUM_SQUARES)

    result = analyze_experiment(
        metric="mean", control="a", aggregates={"a": data, "b": other}, weights={"a": 1, "b": 1}, mde=0.1
    )

    comparison = result.comparisons[0].as_dict()
    assert comparison["p_value"] is not None
    assert all(value is None or abs(value) < float("inf") for value in comparison["absolute_ci"])


def test_an_observation_whose_square_would_overflow_is_refused():
    with pytest.raises(ValueError) as refused:
        agg.fold_observations(["a", "b"], [1.0, 1.34e154])

    assert str(refused.value) == agg.MSG_VALUE_TOO_LARGE.format(row=1, value=1.34e154)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"metric": "proportion", "baseline": 0.1, "diff": 1e-13},
        {"metric": "mean", "baseline": 100.0, "diff": 10.0, "sd": 1e300},
        {"metric": "mean", "baseline": 100.0, "diff": 10.0, "sd": 1e200},
    ],
)
def test_required_users_beyond_the_largest_plan_are_refused(kwargs):
    with pytest.raises(ValueError) as refused:
        pw.required_users(**kwargs)

    assert str(refused.value) == pw.MSG_TOO_MANY_USERS.format(limit=pw.MAX_USERS_PER_ARM)


def test_the_planner_refuses_weights_spread_beyond_a_million_and_endless_plans():
    with pytest.raises(ValueError, match=MSG_WEIGHT_RATIO):
        pw.plan_sample_size(
            metric="proportion", baseline=0.1, mde=0.1, daily_users=100, weights=[1e-320, 1e308]
        )
    with pytest.raises(ValueError) as endless:
        pw.plan_sample_size(metric="proportion", baseline=0.1, mde=0.1, daily_users=1e-300)

    assert str(endless.value) == pw.MSG_TOO_MANY_DAYS.format(limit=pw.MAX_DAYS)


def test_srm_with_weights_that_underflow_is_undefined_and_the_read_out_says_why():
    data = {"a": agg.ProportionAggregate(100, 10), "b": agg.ProportionAggregate(100, 12)}

    srm = srm_test([100, 100], [1e-320, 1e308])
    result = analyze_experiment(
        metric="proportion", control="a", aggregates=data, weights={"a": 1e-320, "b": 1e308}
    )

    assert (srm.chi_square, srm.p_value, srm.detected) == (None, None, None)
    assert W_SRM_UNDEFINED in result.warnings


def test_an_xmr_chart_whose_baseline_overflows_has_no_limits_and_a_warning():
    chart = xmr_chart([1.7e308, 1.7e308, 1.0])

    assert (chart.centre, chart.ucl, chart.lcl, chart.sigma) == (None, None, None, None)
    assert chart.signals == []
    assert chart.warnings == [W_LIMITS_UNDEFINED]
    assert [point.moving_range for point in chart.points] == [None, 0.0, 1.7e308]
