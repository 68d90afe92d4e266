"""The prioritisation formulas, against worked examples computed by hand and numpy."""

import numpy as np
import pytest

from improvement.prioritisation import (
    GroupTotals,
    TargetGap,
    Weights,
    combine,
    gap,
    idea_money,
    initiative_money,
    pareto,
    score,
)


def test_the_gap_of_a_higher_is_better_kpi_is_target_minus_current():
    assert gap(current=70, target=85, higher_is_better=True) == 15


def test_the_gap_of_a_lower_is_better_kpi_is_current_minus_target():
    assert gap(current=90, target=30, higher_is_better=False) == 60


def test_a_kpi_already_past_its_target_has_no_gap_left():
    assert gap(current=90, target=85, higher_is_better=True) == 0
    assert gap(current=20, target=30, higher_is_better=False) == 0


def test_idea_money_worked_example():
    # FCR 70 % → 75 %: 5 points × 0.40 a point a contact × 12,000 contacts a month = 24,000.
    money = idea_money(current=70, target=75, unit_value=0.4, monthly_volume=12_000, higher_is_better=True)
    assert money == pytest.approx(24_000)


def test_idea_money_of_a_lower_is_better_kpi():
    # Handle time 300 s → 240 s: 60 s × 0.01 a second a contact × 5,000 contacts = 3,000.
    money = idea_money(current=300, target=240, unit_value=0.01, monthly_volume=5_000, higher_is_better=False)
    assert money == pytest.approx(3_000)


@pytest.mark.parametrize("missing", ["current", "target", "unit_value", "monthly_volume", "higher_is_better"])
def test_idea_money_is_unknown_not_zero_when_an_input_is_missing(missing):
    inputs = {"current": 70, "target": 75, "unit_value": 0.4, "monthly_volume": 100, "higher_is_better": True}
    inputs[missing] = None
    assert idea_money(**inputs) is None


def test_initiative_money_adds_its_primary_targets_from_the_latest_value_else_the_baseline():
    targets = [
        # Latest 78 against target 85: 7 × 800 = 5,600.
        TargetGap(baseline=70, target=85, latest=78, unit_value_per_month=800, higher_is_better=True),
        # No measurement: the baseline 90 s against 30 s, 60 × 10 = 600.
        TargetGap(baseline=90, target=30, latest=None, unit_value_per_month=10, higher_is_better=False),
        # No unit value: left out.
        TargetGap(baseline=1, target=2, latest=None, unit_value_per_month=None, higher_is_better=True),
    ]
    assert initiative_money(targets) == pytest.approx(6_200)


def test_initiative_money_is_unknown_without_any_unit_value():
    targets = [TargetGap(baseline=1, target=2, latest=None, unit_value_per_month=None, higher_is_better=True)]
    assert initiative_money(targets) is None
    assert initiative_money([]) is None


def test_score_worked_example():
    # Weights 30/50/20; value 4 → V = 0.75; difficulty 2 → E = 0.75; money 6,000 of 24,000 → M = 0.25.
    # (30·0.75 + 50·0.25 + 20·0.75) / 100 × 100 = 22.5 + 12.5 + 15 = 50.
    weights = Weights(value=30, money=50, ease=20)
    assert score(value=4, difficulty=2, money=6_000, max_money=24_000, weights=weights) == pytest.approx(50)


def test_score_bounds_and_unknown_money():
    weights = Weights(value=1, money=1, ease=1)
    assert score(value=5, difficulty=1, money=10, max_money=10, weights=weights) == pytest.approx(100)
    assert score(value=1, difficulty=5, money=None, max_money=10, weights=weights) == pytest.approx(0)
    # Unknown money counts as 0 of the money part: value 5 and difficulty 1 give 2/3 of 100.
    assert score(value=5, difficulty=1, money=None, max_money=None, weights=weights) == pytest.approx(200 / 3)


def test_score_refuses_weights_that_are_all_zero():
    with pytest.raises(ValueError):
        score(value=3, difficulty=3, money=None, max_money=None, weights=Weights(0, 0, 0))


def test_pareto_orders_by_count_with_shares_cumulative_shares_and_the_reference():
    groups = [
        GroupTotals(key="technical", breakpoint_type="technical", ideas=5, initiatives=0),
        GroupTotals(key="interaction", breakpoint_type="interaction", ideas=8, initiatives=2, money=100.0),
        GroupTotals(
            key="process", breakpoint_type="process", ideas=3, initiatives=2, targets=4, targets_on_target=1
        ),
    ]
    rows = pareto(groups, reference={"interaction": 52, "process": 31, "technical": 17})
    assert [row.totals.key for row in rows] == ["interaction", "process", "technical"]
    counts = np.array([10, 5, 5])
    expected_share = counts / counts.sum() * 100
    assert [row.share for row in rows] == pytest.approx(expected_share.tolist())
    assert [row.cumulative_share for row in rows] == pytest.approx(np.cumsum(expected_share).tolist())
    # 50 % interaction against 52 % reference: −2 points; process 25 − 31 = −6 (ties by name);
    # technical 25 − 17 = +8.
    assert [row.difference for row in rows] == pytest.approx([-2, -6, 8])
    assert rows[1].on_target_rate == pytest.approx(25)
    assert rows[0].on_target_rate is None


def test_pareto_of_nothing_has_no_shares():
    rows = pareto([GroupTotals(key="process", breakpoint_type="process")], reference={"process": 31})
    assert rows[0].share is None and rows[0].difference is None


def test_combine_adds_ideas_and_initiatives_of_one_group():
    merged = combine(
        [
            GroupTotals(key="process", breakpoint_type="process", ideas=2, money=None),
            GroupTotals(key="process", breakpoint_type="process", initiatives=1, money=50.0, targets=2),
        ]
    )
    assert merged == [
        GroupTotals(key="process", breakpoint_type="process", ideas=2, initiatives=1, money=50.0, targets=2)
    ]


def test_the_worked_example_of_the_docs():
    """docs/ideas.md, "Prioritisation": items A, B and C under weights 30/50/20."""
    a = idea_money(current=70, target=75, unit_value=0.4, monthly_volume=12_000, higher_is_better=True)
    b = idea_money(current=300, target=240, unit_value=0.01, monthly_volume=5_000, higher_is_better=False)
    c = initiative_money(
        [
            TargetGap(baseline=70, target=85, latest=78, unit_value_per_month=800, higher_is_better=True),
            TargetGap(baseline=90, target=30, latest=None, unit_value_per_month=10, higher_is_better=False),
        ]
    )
    assert (a, b, c) == pytest.approx((24_000, 3_000, 6_200))
    weights, top = Weights(30, 50, 20), max(a, b, c)
    assert score(value=4, difficulty=2, money=a, max_money=top, weights=weights) == pytest.approx(87.5)
    assert score(value=3, difficulty=3, money=c, max_money=top, weights=weights) == pytest.approx(
        37.9167, abs=1e-3
    )
    assert score(value=2, difficulty=4, money=b, max_money=top, weights=weights) == pytest.approx(18.75)
