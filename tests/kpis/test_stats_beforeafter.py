"""Check without an experiment: Welch (or one-sample t) against scipy, and the direction-aware label."""

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kpis.stats import before_after
from kpis.stats import beforeafter as ba

BASELINE = [71.0, 73.5, 70.2, 72.8, 71.9, 72.4]


@pytest.mark.parametrize(
    "after",
    [[74.0, 75.5, 73.9, 76.2], [72.0, 71.0, 73.0], [60.0, 59.5, 61.2, 60.4, 58.9], [80.0, 71.0]],
)
def test_the_test_is_welch_on_the_period_values_as_scipy(after):
    result = before_after(baseline_values=BASELINE, after_values=after, target_value=90.0, direction="higher")

    welch = stats.ttest_ind(after, BASELINE, equal_var=False)
    assert result.test == ba.WELCH
    assert result.statistic == pytest.approx(welch.statistic, rel=1e-9)
    assert result.degrees_of_freedom == pytest.approx(welch.df, rel=1e-9)
    assert result.p_value == pytest.approx(welch.pvalue, rel=1e-9)
    assert result.difference == pytest.approx(sum(after) / len(after) - sum(BASELINE) / len(BASELINE))


def test_a_baseline_window_too_short_falls_back_to_a_one_sample_test_against_the_baseline_value():
    after = [74.0, 75.5, 73.9, 76.2]
    result = before_after(
        baseline_values=[71.0], after_values=after, baseline_value=72.0, target_value=90.0, direction="higher"
    )

    one_sample = stats.ttest_1samp(after, 72.0)
    assert result.test == ba.ONE_SAMPLE
    assert result.baseline_mean == 72.0
    assert result.statistic == pytest.approx(one_sample.statistic, rel=1e-9)
    assert result.p_value == pytest.approx(one_sample.pvalue, rel=1e-9)
    assert result.warnings == [ba.W_ONE_SAMPLE.format(baseline=72.0)]


@pytest.mark.parametrize(
    ("after", "target", "direction", "label"),
    [
        # Higher is better (e.g. first-contact resolution, %).
        ([74.0, 75.5, 73.9, 76.2], 74.5, "higher", ba.MET),
        ([74.0, 75.0, 75.0, 76.0], 75.0, "higher", ba.MET),
        ([74.0, 75.5, 73.9, 76.2], 80.0, "higher", ba.IMPROVED),
        ([72.0, 71.0, 73.0], 80.0, "higher", ba.NO_CHANGE),
        ([60.0, 59.5, 61.2, 60.4, 58.9], 80.0, "higher", ba.WORSE),
        # Lower is better (e.g. handling time): the same numbers read the other way.
        ([60.0, 59.5, 61.2, 60.4, 58.9], 65.0, "lower", ba.MET),
        ([60.0, 59.5, 61.2, 60.4, 58.9], 50.0, "lower", ba.IMPROVED),
        ([74.0, 75.5, 73.9, 76.2], 50.0, "lower", ba.WORSE),
        ([72.0, 71.0, 73.0], 50.0, "lower", ba.NO_CHANGE),
    ],
)
def test_the_label_is_direction_aware(after, target, direction, label):
    result = before_after(
        baseline_values=BASELINE, after_values=after, target_value=target, direction=direction
    )

    assert result.label == label


def test_met_is_judged_on_the_mean_even_without_a_significant_change():
    result = before_after(
        baseline_values=BASELINE, after_values=[72.0, 90.0], target_value=75.0, direction="higher"
    )

    assert result.p_value > 0.05
    assert result.label == ba.MET


def test_alpha_sets_what_counts_as_significant():
    after = [73.0, 74.5, 72.9, 74.2]
    p_value = stats.ttest_ind(after, BASELINE, equal_var=False).pvalue
    assert 0.001 < p_value < 0.05

    assert before_after(
        baseline_values=BASELINE, after_values=after, target_value=80, direction="higher"
    ).label == (ba.IMPROVED)
    strict = before_after(
        baseline_values=BASELINE, after_values=after, target_value=80, direction="higher", alpha=0.001
    )
    assert strict.label == ba.NO_CHANGE


def test_a_single_measurement_since_the_change_cannot_be_tested():
    result = before_after(
        baseline_values=BASELINE, after_values=[74.0], target_value=80.0, direction="higher"
    )

    assert result.label == ba.NO_CHANGE
    assert result.p_value is None
    assert result.warnings == [ba.W_ONE_AFTER]


def test_a_single_measurement_at_the_target_is_met():
    result = before_after(
        baseline_values=BASELINE, after_values=[80.0], target_value=80.0, direction="higher"
    )

    assert result.label == ba.MET


def test_measurements_without_any_variation_cannot_be_tested():
    result = before_after(
        baseline_values=[5.0, 5.0, 5.0], after_values=[6.0, 6.0], target_value=8.0, direction="higher"
    )

    assert result.p_value is None and result.label == ba.NO_CHANGE
    assert result.warnings == [ba.W_ZERO_VARIANCE]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"after_values": []}, ba.MSG_NO_AFTER),
        ({"baseline_values": [1.0]}, ba.MSG_NO_BASELINE),
        ({"direction": "up"}, ba.MSG_DIRECTION),
        ({"after_values": [1.0, float("nan")]}, ba.MSG_VALUES_NOT_FINITE),
        ({"alpha": 0}, "alpha must lie strictly between 0 and 1"),
    ],
)
def test_invalid_input_is_refused(kwargs, message):
    arguments = {
        "baseline_values": BASELINE,
        "after_values": [74.0, 75.0],
        "target_value": 80.0,
        "direction": "higher",
    } | kwargs
    with pytest.raises(ValueError, match=re.escape(message)):
        before_after(**arguments)


def test_the_result_serialises_to_strict_json():
    result = before_after(
        baseline_values=BASELINE, after_values=[74.0], target_value=80.0, direction="higher"
    )

    detail = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert detail == result.as_dict()
    assert detail["p_value"] is None and detail["label"] == ba.NO_CHANGE


@settings(max_examples=200, deadline=None)
@given(
    before=st.lists(st.floats(-100, 100), min_size=2, max_size=20),
    after=st.lists(st.floats(-100, 100), min_size=2, max_size=20),
    target=st.floats(-200, 200),
)
def test_mirroring_the_kpi_mirrors_the_label(before, after, target):
    """Lower-is-better on x reads exactly as higher-is-better on −x."""
    higher = before_after(baseline_values=before, after_values=after, target_value=target, direction="higher")
    lower = before_after(
        baseline_values=[-v for v in before],
        after_values=[-v for v in after],
        target_value=-target,
        direction="lower",
    )

    assert higher.label == lower.label
    if higher.p_value is not None:
        assert higher.p_value == pytest.approx(lower.p_value, rel=1e-9)
