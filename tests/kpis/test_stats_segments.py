"""Results by segment: each segment like the overall read-out, Holm across segments × treatments."""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from kpis.stats.aggregates import MAX_ABS_SUM, MAX_SUM_SQUARES, MeanAggregate, ProportionAggregate
from kpis.stats.experiments import analyze_experiment
from kpis.stats.segments import analyze_segments

WEIGHTS = {"control": 1.0, "a": 1.0, "b": 1.0}
SEGMENTS = {
    "phone": {
        "control": ProportionAggregate(2000, 200),
        "a": ProportionAggregate(2000, 260),
        "b": ProportionAggregate(2000, 215),
    },
    "chat": {
        "control": ProportionAggregate(1500, 300),
        "a": ProportionAggregate(1500, 345),
        "b": ProportionAggregate(1500, 298),
    },
    "email": {
        "control": ProportionAggregate(800, 40),
        "a": ProportionAggregate(800, 66),
        "b": ProportionAggregate(800, 41),
    },
}


def test_each_segment_is_the_overall_readout_of_its_own_totals():
    found = analyze_segments(metric="proportion", control="control", segments=SEGMENTS, weights=WEIGHTS)
    assert [item["segment"] for item in found] == ["chat", "email", "phone"]
    for item in found:
        alone = analyze_experiment(
            metric="proportion", control="control", aggregates=SEGMENTS[item["segment"]], weights=WEIGHTS
        ).as_dict()
        for mine, theirs in zip(item["results"]["comparisons"], alone["comparisons"], strict=True):
            assert mine["absolute_ci"] == theirs["absolute_ci"]
            assert mine["p_value"] == theirs["p_value"]
        assert item["results"]["users"] == sum(a.users for a in SEGMENTS[item["segment"]].values())


def test_holm_across_segments_and_treatments_matches_statsmodels():
    found = analyze_segments(metric="proportion", control="control", segments=SEGMENTS, weights=WEIGHTS)
    family = [c for item in found for c in item["results"]["comparisons"]]
    assert len(family) == 6
    raw = [c["p_value"] for c in family]
    # The raw p-values are the two-sample z test of statsmodels (pooled variance).
    for item in found:
        data = SEGMENTS[item["segment"]]
        for c in item["results"]["comparisons"]:
            t, k = data[c["variant"]], data["control"]
            _, p = proportions_ztest([t.conversions, k.conversions], [t.users, k.users])
            assert c["p_value"] == pytest.approx(p, rel=1e-9)
    reject, expected, _, _ = multipletests(raw, alpha=0.05, method="holm")
    assert [c["p_value_segments"] for c in family] == pytest.approx(list(expected), rel=1e-12)
    assert [c["significant_segments"] for c in family] == list(reject)
    # The correction bites: a comparison significant on its own is not after it.
    assert any(c["p_value"] < 0.05 and not c["significant_segments"] for c in family)


def test_segments_without_p_values_stay_out_of_the_family():
    segments = {
        **SEGMENTS,
        "walk-in": {
            "control": ProportionAggregate(0, 0),
            "a": ProportionAggregate(3, 1),
            "b": ProportionAggregate(0, 0),
        },
    }
    found = analyze_segments(metric="proportion", control="control", segments=segments, weights=WEIGHTS)
    walk_in = next(item for item in found if item["segment"] == "walk-in")
    assert all(c["p_value_segments"] is None for c in walk_in["results"]["comparisons"])
    assert walk_in["results"]["warnings"]
    family = [
        c["p_value"] for item in found for c in item["results"]["comparisons"] if c["p_value"] is not None
    ]
    _, expected, _, _ = multipletests(family, method="holm")
    got = [
        c["p_value_segments"]
        for item in found
        for c in item["results"]["comparisons"]
        if c["p_value"] is not None
    ]
    assert got == pytest.approx(list(expected), rel=1e-12)


def test_means_at_the_limits_of_floating_point_give_nulls_not_errors():
    big = MAX_ABS_SUM / 3
    segments = {
        "north": {
            "control": MeanAggregate(3, 3 * big / 3, MAX_SUM_SQUARES),
            "a": MeanAggregate(3, -big, MAX_SUM_SQUARES),
            "b": MeanAggregate(2, 1.0, 1.0),
        },
        "south": {
            "control": MeanAggregate(1, 5e-300, 0.0),
            "a": MeanAggregate(1, 0.0, 0.0),
            "b": MeanAggregate(0, 0.0, 0.0),
        },
    }
    found = analyze_segments(metric="mean", control="control", segments=segments, weights=WEIGHTS)
    for item in found:
        for c in item["results"]["comparisons"]:
            for key in ("absolute_effect", "relative_effect", "p_value", "p_value_segments"):
                assert c[key] is None or np.isfinite(c[key])
