"""The plain-language verdict a lead reads before the results table."""

import math

import pytest

from improvement import verdicts as v
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.experiments import analyze_experiment
from kpis.stats.power import absolute_mde, required_users


def _results(aggregates: dict, *, metric="proportion", mde=0.1, weights=None) -> dict:
    result = analyze_experiment(
        metric=metric,
        control="a",
        aggregates=aggregates,
        weights=weights or dict.fromkeys(aggregates, 1.0),
        alpha=0.05,
        power=0.8,
        mde=mde,
        mde_type="relative",
    ).as_dict()
    for summary in result["variants"]:
        summary["name"] = summary["key"].upper()
    return result


def _verdict(results, *, higher_is_better=True, unit="percent", elapsed_days=10.0):
    (verdict,) = v.experiment_verdicts(
        results=results,
        higher_is_better=higher_is_better,
        unit=unit,
        target_power=0.8,
        elapsed_days=elapsed_days,
    )
    return verdict


def test_an_underpowered_test_says_how_many_more_users_and_days_it_needs():
    results = _results({"a": ProportionAggregate(1200, 360), "b": ProportionAggregate(1200, 384)})
    needed_b, needed_a = required_users(
        metric="proportion",
        baseline=0.3,
        diff=absolute_mde(baseline=0.3, mde=0.1, mde_type="relative"),
        alpha=0.05,
        power=0.8,
    )

    verdict = _verdict(results)

    more = max(needed_a, needed_b) - 1200
    days = math.ceil(more / (1200 / 10))
    assert verdict.kind == v.MORE_DATA
    assert verdict.more_users_per_arm == more
    assert verdict.days_more == days
    assert (
        verdict.text
        == f"Not enough data yet: about {more:,} more users per arm, ~{days} days at the current rate."
    )
    assert verdict.power == pytest.approx(results["comparisons"][0]["power_at_mde"])
    assert verdict.power < 0.8


def test_a_significant_test_with_enough_users_gives_the_interval_in_points():
    results = _results({"a": ProportionAggregate(8012, 5609), "b": ProportionAggregate(7988, 5783)}, mde=0.03)
    low, high = results["comparisons"][0]["absolute_ci"]

    verdict = _verdict(results)

    assert verdict.kind == v.BETTER
    assert verdict.more_users_per_arm == 0
    assert verdict.text == (
        f"B converts better than A: up by {100 * low:.1f} to {100 * high:.1f} points. Enough data."
    )


def test_a_rise_in_a_lower_is_better_kpi_is_worse():
    results = _results({"a": ProportionAggregate(8012, 5609), "b": ProportionAggregate(7988, 5783)}, mde=0.03)

    verdict = _verdict(results, higher_is_better=False)

    assert verdict.kind == v.WORSE
    assert verdict.text.startswith("B converts worse than A: up by ")


def test_no_difference_is_said_only_with_enough_users():
    results = _results({"a": ProportionAggregate(20000, 6000), "b": ProportionAggregate(20000, 6010)})

    verdict = _verdict(results)

    assert verdict.kind == v.NO_DIFFERENCE
    assert verdict.text.startswith("No difference detected between B and A: the difference lies between −")
    assert "points, and there are enough users" in verdict.text


def test_a_significant_but_underpowered_result_is_flagged_as_early():
    results = _results({"a": ProportionAggregate(400, 100), "b": ProportionAggregate(400, 160)}, mde=0.05)

    verdict = _verdict(results, elapsed_days=None)

    assert verdict.kind == v.MORE_DATA
    assert verdict.days_more is None
    assert verdict.text.startswith("B looks better than A (up by ")
    assert "not enough data yet: about " in verdict.text and "at the current rate" not in verdict.text


def test_a_mean_difference_is_written_in_the_kpi_unit():
    results = _results(
        {
            "a": MeanAggregate(5000, 5000 * 300.0, 4999 * 60.0**2 + 5000 * 300.0**2),
            "b": MeanAggregate(5000, 5000 * 280.0, 4999 * 60.0**2 + 5000 * 280.0**2),
        },
        metric="mean",
        mde=0.02,
    )

    verdict = _verdict(results, higher_is_better=False, unit="seconds")

    assert verdict.kind == v.BETTER
    assert verdict.text.startswith("B does better than A: down by ")
    assert verdict.text.endswith(" s. Enough data.")


def test_a_sample_ratio_mismatch_overrides_every_reading():
    results = _results({"a": ProportionAggregate(10000, 3000), "b": ProportionAggregate(8000, 2800)})

    assert _verdict(results).kind == v.UNTRUSTED
    assert _verdict(results).text == v.V_UNTRUSTED


def test_without_an_mde_enough_data_is_unknown():
    results = _results({"a": ProportionAggregate(1000, 300), "b": ProportionAggregate(1000, 310)}, mde=None)

    verdict = _verdict(results)

    assert verdict.kind == v.NO_DIFFERENCE
    assert verdict.more_users_per_arm is None
    assert "whether there are enough users to find one is unknown" in verdict.text


def test_an_arm_without_users_cannot_be_compared():
    results = _results({"a": ProportionAggregate(0, 0), "b": ProportionAggregate(0, 0)})

    assert _verdict(results).kind == v.NO_DATA
