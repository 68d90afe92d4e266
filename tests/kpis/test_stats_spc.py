"""XmR chart and Western Electric rules: the NIST/SEMATECH worked example and hand-built patterns."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpis.stats import spc

# NIST/SEMATECH e-Handbook of Statistical Methods, §6.3.2.2 "Individuals Control Charts"
# (https://www.itl.nist.gov/div898/handbook/pmc/section3/pmc322.htm): flow rate of the first 10 batches
# of a new process, their moving ranges, x̄ = 50.81, MR̄ = 1.8778, UCL = 55.8041, LCL = 45.8159,
# and the verdict that the process is in control.
NIST_FLOWRATE = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
NIST_MOVING_RANGES = [2.0, 2.3, 1.4, 3.5, 3.4, 1.4, 0.2, 1.2, 1.5]


def test_nist_individuals_chart_example_is_reproduced():
    chart = spc.xmr_chart(NIST_FLOWRATE)

    assert chart.centre == pytest.approx(50.81, abs=1e-9)
    assert round(chart.mean_moving_range, 4) == 1.8778
    assert [p.moving_range for p in chart.points] == pytest.approx([None, *NIST_MOVING_RANGES], abs=1e-9)
    # NIST uses 3 / d2 = 3 / 1.128 = 2.6596; the 2.66 moves the limits by under 0.001.
    assert chart.ucl == pytest.approx(55.8041, abs=1e-3)
    assert chart.lcl == pytest.approx(45.8159, abs=1e-3)
    assert 3 * chart.mean_moving_range / 1.128 == pytest.approx(55.8041 - 50.81, abs=1e-4)
    assert chart.moving_range_ucl == pytest.approx(3.267 * 1.8778, abs=1e-3)
    assert chart.signals == []


def test_the_constants_are_three_over_d2_and_d4_for_moving_ranges_of_two():
    d2 = 1.128
    assert abs(spc.NATURAL_LIMIT_FACTOR - 3 / d2) < 1e-3
    assert spc.MOVING_RANGE_LIMIT_FACTOR == 3.267


def signals(values, centre=0.0, ucl=3.0, lcl=-3.0):
    """Signals as (rule, index) with σ = 1 around a centre line at 0."""
    found = spc.western_electric_signals(values, centre=centre, ucl=ucl, lcl=lcl)
    return [(s.rule, s.index) for s in found]


def test_rule_1_a_point_beyond_three_sigma_but_not_on_the_limit():
    assert signals([0, 3.5, 0, -3.1, 0, 3.0, 0, -3.0]) == [(1, 1), (1, 3)]


def test_rule_2_two_of_three_beyond_two_sigma_on_one_side():
    assert signals([2.5, 0, 2.1]) == [(2, 2)]
    assert signals([-2.5, -2.2]) == [(2, 1)]
    assert signals([2.5, -2.5, 0]) == []
    # Exactly on 2σ is not beyond it; the completing point must itself be beyond.
    assert signals([2.0, 2.5, 2.0]) == []
    assert signals([2.5, 2.2, 1.0]) == [(2, 1)]


def test_rule_3_four_of_five_beyond_one_sigma_on_one_side():
    assert signals([1.5, 1.5, 0, 1.5, 1.5]) == [(3, 4)]
    assert signals([-1.2, -1.2, -1.2, -1.2]) == [(3, 3)]
    assert signals([1.5, 1.5, 0, 1.5, 1.0]) == []
    assert signals([1.5, -1.5, 1.5, -1.5, 1.5]) == []


def test_rule_4_eight_in_a_row_on_one_side_broken_by_a_point_on_the_centre_line():
    assert signals([0.1] * 8) == [(4, 7)]
    assert signals([-0.1] * 9) == [(4, 7), (4, 8)]
    assert signals([0.1] * 4 + [0.0] + [0.1] * 4) == []
    assert signals([0.1] * 7 + [-0.1]) == []


def test_several_rules_can_complete_at_the_same_point():
    assert signals([1.5, 1.5, 1.5, 2.5, 3.5]) == [(3, 3), (1, 4), (2, 4), (3, 4)]


def test_limits_from_a_baseline_are_held_while_later_points_are_judged():
    baseline = [10.0, 11.0, 9.0, 10.5, 9.5, 10.0, 11.0, 9.0]
    shifted = [12.0, 12.5, 11.8, 12.2]
    chart = spc.xmr_chart(baseline + shifted, baseline_end=len(baseline))

    assert chart.centre == pytest.approx(np.mean(baseline))
    assert chart.mean_moving_range == pytest.approx(np.mean(np.abs(np.diff(baseline))))
    assert chart.ucl == pytest.approx(np.mean(baseline) + 2.66 * np.mean(np.abs(np.diff(baseline))))
    assert [p.in_baseline for p in chart.points] == [True] * 8 + [False] * 4
    assert chart.signals and min(s.index for s in chart.signals) >= len(baseline)
    # The limits do not move when more points arrive.
    assert spc.xmr_chart([*baseline, *shifted, 30.0], baseline_end=len(baseline)).ucl == chart.ucl


def test_a_baseline_in_the_middle_of_the_series():
    values = [50.0, 60.0, *NIST_FLOWRATE, 40.0]
    chart = spc.xmr_chart(values, baseline_start=2, baseline_end=12)

    assert chart.centre == pytest.approx(50.81)
    assert (spc.RULE_BEYOND_3_SIGMA, 1) in [(s.rule, s.index) for s in chart.signals]
    assert (spc.RULE_BEYOND_3_SIGMA, 12) in [(s.rule, s.index) for s in chart.signals]


def test_a_flat_baseline_warns_that_every_point_off_the_centre_signals():
    chart = spc.xmr_chart([5.0, 5.0, 5.0, 5.1], baseline_end=3)

    assert chart.warnings == [spc.W_FLAT_BASELINE]
    assert [(s.rule, s.index) for s in chart.signals] == [(1, 3)]


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([1.0], {}, spc.MSG_BASELINE.format(minimum=2)),
        ([1.0, 2.0, 3.0], {"baseline_end": 1}, spc.MSG_BASELINE.format(minimum=2)),
        ([1.0, 2.0, 3.0], {"baseline_start": 2}, spc.MSG_BASELINE.format(minimum=2)),
        ([1.0, 2.0, 3.0], {"baseline_end": 5}, spc.MSG_BASELINE.format(minimum=2)),
        ([1.0, float("nan"), 3.0], {}, spc.MSG_VALUES_NOT_FINITE),
    ],
)
def test_invalid_series_or_baselines_are_refused(values, kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        spc.xmr_chart(values, **kwargs)


def brute_force(values, centre, sigma, ucl, lcl):
    """The four rules written window by window, as the definitions read."""
    found = set()
    for i, x in enumerate(values):
        if x > ucl or x < lcl:
            found.add((1, i))
        for sign in (1, -1):
            last3 = [sign * (v - centre) for v in values[max(0, i - 2) : i + 1]]
            last5 = [sign * (v - centre) for v in values[max(0, i - 4) : i + 1]]
            if last3[-1] > 2 * sigma and sum(d > 2 * sigma for d in last3) >= 2:
                found.add((2, i))
            if last5[-1] > sigma and sum(d > sigma for d in last5) >= 4:
                found.add((3, i))
            if i >= 7 and all(sign * (v - centre) > 0 for v in values[i - 7 : i + 1]):
                found.add((4, i))
    return sorted(found, key=lambda s: (s[1], s[0]))


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(-40, 40).map(lambda v: v / 4), min_size=3, max_size=60),
    baseline=st.integers(2, 20),
)
def test_signals_follow_the_rule_definitions(values, baseline):
    chart = spc.xmr_chart(values, baseline_end=min(baseline, len(values)))

    expected = brute_force(values, chart.centre, chart.sigma, chart.ucl, chart.lcl)
    assert [(s.rule, s.index) for s in chart.signals] == expected
    assert chart.lcl <= chart.centre <= chart.ucl
    assert chart.sigma == pytest.approx((chart.ucl - chart.centre) / 3)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.integers(-40, 40).map(lambda v: v / 4), min_size=3, max_size=60),
    baseline=st.integers(2, 20),
    start=st.integers(0, 59),
)
def test_a_stretch_with_its_lookback_is_judged_as_in_the_whole_series(values, baseline, start):
    end = min(baseline, len(values))
    start = min(start, len(values) - 1)
    first = max(0, start - spc.LOOKBACK_POINTS)

    stretch = spc.xmr_chart_window(
        values[first:],
        baseline=values[:end],
        shown_from=start - first,
        first_index=start,
        in_baseline=[index < end for index in range(start, len(values))],
    )

    centre = float(np.mean(values[:end]))
    mean_mr = float(np.mean(np.abs(np.diff(values[:end]))))
    ucl, lcl = centre + 2.66 * mean_mr, centre - 2.66 * mean_mr
    expected = [s for s in brute_force(values, centre, (ucl - centre) / 3, ucl, lcl) if s[1] >= start]
    assert [(s.rule, s.index) for s in stretch.signals] == expected
    whole = spc.xmr_chart(values, baseline_end=end)
    assert [p.as_dict() for p in stretch.points] == [p.as_dict() for p in whole.points[start:]]
    assert (stretch.centre, stretch.ucl, stretch.lcl) == pytest.approx((centre, ucl, lcl))
