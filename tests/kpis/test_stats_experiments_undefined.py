"""What the data cannot give is ``None`` with a warning that says why; invalid arguments raise;
results serialise to strict JSON.
"""

import json
import re

import pytest
from statsmodels.stats.proportion import proportions_ztest

from kpis.stats import experiments as ex
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.common import MSG_ALPHA
from tests.kpis.conftest import REL, proportion_result


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
