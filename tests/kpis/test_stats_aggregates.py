"""Validated per-variant totals and the vectorised fold of raw observations."""

import math
import re
import statistics
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpis.stats import aggregates as ag
from kpis.stats.common import MSG_NOT_FINITE
from kpis.stats.effects import sample_variance
from kpis.stats.experiments import analyze_experiment


@pytest.mark.parametrize(
    ("users", "conversions", "message"),
    [
        (10, 11, ag.MSG_CONVERSIONS_EXCEED_USERS.format(conversions=11, users=10)),
        (-1, 0, ag.MSG_COUNT.format(name="users", value=-1)),
        (10, -2, ag.MSG_COUNT.format(name="conversions", value=-2)),
        (10.5, 1, ag.MSG_COUNT.format(name="users", value=10.5)),
        (float("nan"), 1, ag.MSG_COUNT.format(name="users", value=float("nan"))),
        (float("inf"), 1, ag.MSG_COUNT.format(name="users", value=float("inf"))),
        (True, 1, ag.MSG_COUNT.format(name="users", value=True)),
        ("10", 1, ag.MSG_COUNT.format(name="users", value="10")),
    ],
)
def test_inconsistent_proportion_totals_are_refused(users, conversions, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ag.ProportionAggregate(users, conversions)


def test_whole_numbers_given_as_floats_are_counts():
    data = ag.ProportionAggregate(100.0, np.int64(7))

    assert (data.users, data.conversions) == (100, 7)
    assert isinstance(data.users, int) and isinstance(data.conversions, int)


@pytest.mark.parametrize(
    ("users", "total", "squares", "message"),
    [
        (3, 6.0, 11.0, ag.MSG_SUM_SQUARES_TOO_SMALL.format(sum_squares=11.0, sum=6.0, users=3)),
        (3, -6.0, 11.0, ag.MSG_SUM_SQUARES_TOO_SMALL.format(sum_squares=11.0, sum=-6.0, users=3)),
        (3, 0.0, -1.0, ag.MSG_SUM_SQUARES_TOO_SMALL.format(sum_squares=-1.0, sum=0.0, users=3)),
        (0, 1.0, 1.0, ag.MSG_EMPTY_WITH_TOTALS),
        (-3, 1.0, 1.0, ag.MSG_COUNT.format(name="users", value=-3)),
        (3, float("nan"), 1.0, MSG_NOT_FINITE.format(name="sum", value=float("nan"))),
        (3, 1.0, float("inf"), MSG_NOT_FINITE.format(name="sum_squares", value=float("inf"))),
    ],
)
def test_inconsistent_mean_totals_are_refused(users, total, squares, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ag.MeanAggregate(users, total, squares)


def test_equal_values_summed_in_floating_point_are_not_refused():
    """Ten million times 0.1: sum_squares may fall a hair under sum²/n from rounding alone."""
    values = np.full(10_000_000, 0.1)
    data = ag.MeanAggregate(values.size, float(values.sum()), float((values * values).sum()))

    result = analyze_experiment(
        metric="mean", control="a", aggregates={"a": data, "b": data}, weights={"a": 1, "b": 1}
    )
    assert result.variants[0].sd == pytest.approx(0.0, abs=1e-6)


def test_a_million_rows_fold_into_the_same_totals_as_pandas():
    rng = np.random.default_rng(7)
    n = 1_000_000
    labels = rng.choice(np.array(["control", "treatment-a", "treatment-b"]), size=n, p=[0.5, 0.3, 0.2])
    values = rng.gamma(2.0, 15.0, size=n) - 10.0

    folded = ag.fold_observations(labels, values)

    frame = pd.DataFrame({"variant": labels, "value": values, "square": values * values})
    expected = frame.groupby("variant").agg(
        users=("value", "size"), sum=("value", "sum"), sq=("square", "sum")
    )
    assert set(folded) == set(expected.index)
    for key, row in expected.iterrows():
        assert folded[key].users == row["users"]
        assert folded[key].sum == pytest.approx(row["sum"], rel=1e-9)
        assert folded[key].sum_squares == pytest.approx(row["sq"], rel=1e-9)
    assert sum(data.users for data in folded.values()) == n


def test_folding_in_chunks_equals_folding_at_once():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 4, size=100_000)
    values = rng.normal(-3.0, 2.0, size=100_000)

    fold = ag.ObservationFold()
    for start in range(0, labels.size, 7_919):
        fold.add(labels[start : start + 7_919], values[start : start + 7_919])
    chunked, whole = fold.aggregates(), ag.fold_observations(labels, values)

    counts = np.bincount(labels, minlength=4)
    sums = np.bincount(labels, weights=values, minlength=4)
    for key in range(4):
        assert chunked[key].users == whole[key].users == counts[key]
        assert chunked[key].sum == pytest.approx(whole[key].sum, rel=1e-9)
        assert chunked[key].sum == pytest.approx(sums[key], rel=1e-9)
        assert chunked[key].sum_squares == pytest.approx(whole[key].sum_squares, rel=1e-9)


def test_an_empty_chunk_adds_nothing():
    fold = ag.ObservationFold()
    fold.add([], [])
    fold.add(["a"], [2.0])
    fold.add(np.array([], dtype=str), np.array([]))

    assert fold.aggregates() == {"a": ag.MeanAggregate(1, 2.0, 4.0)}


def test_binary_observations_fold_into_conversions():
    folded = ag.fold_observations(["a", "b", "a", "a", "b"], [1, 0, 0, 1, 1], binary=True)

    assert folded == {"a": ag.ProportionAggregate(3, 2), "b": ag.ProportionAggregate(2, 1)}


@pytest.mark.parametrize(
    ("labels", "values", "binary", "message"),
    [
        (["a", "b"], [1.0], False, ag.MSG_LENGTHS.format(labels=2, values=1)),
        (
            ["a", "b", "a"],
            [1.0, float("nan"), 2.0],
            False,
            ag.MSG_VALUE_NOT_FINITE.format(row=1, value=math.nan),
        ),
        (["a", "b"], [1.0, float("inf")], False, ag.MSG_VALUE_NOT_FINITE.format(row=1, value=math.inf)),
        (["a", "b"], [1.0, 0.5], True, ag.MSG_NOT_BINARY.format(row=1, value=0.5)),
        (list(range(60)), [1.0] * 60, False, ag.MSG_TOO_MANY_VARIANTS.format(limit=ag.MAX_VARIANTS)),
    ],
)
def test_bad_observations_are_refused_with_the_row(labels, values, binary, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ag.fold_observations(labels, values, binary=binary)


def test_a_refused_chunk_leaves_the_running_totals_unchanged():
    fold = ag.ObservationFold()
    fold.add(["a", "b"], [1.0, 2.0])
    with pytest.raises(ValueError):
        fold.add(["a", "b"], [1.0, float("nan")])

    assert fold.aggregates() == {"a": ag.MeanAggregate(1, 1.0, 1.0), "b": ag.MeanAggregate(1, 2.0, 4.0)}


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c"]), st.floats(-1e6, 1e6, allow_nan=False)),
        min_size=1,
        max_size=300,
    )
)
def test_the_fold_gives_every_variant_its_count_sum_and_sum_of_squares(rows):
    folded = ag.fold_observations([label for label, _ in rows], [value for _, value in rows])

    for key in {label for label, _ in rows}:
        values = [value for label, value in rows if label == key]
        assert folded[key].users == len(values)
        assert folded[key].sum == pytest.approx(math.fsum(values), rel=1e-9, abs=1e-6)
        assert folded[key].sum_squares == pytest.approx(math.fsum(v * v for v in values), rel=1e-9, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(-1e4, 1e4, allow_nan=False), min_size=2, max_size=200))
def test_summary_mean_and_sd_from_totals_match_numpy_on_the_raw_values(values):
    data = ag.fold_observations(["a"] * len(values), values)["a"]

    summary = analyze_experiment(
        metric="mean", control="a", aggregates={"a": data, "b": data}, weights={"a": 1, "b": 1}
    ).variants[0]
    assert summary.mean == pytest.approx(np.mean(values), rel=1e-9, abs=1e-9)
    # Totals lose the digits of a tiny spread around a large mean: compare on the scale of the values.
    scale = max(1.0, max(abs(v) for v in values))
    assert summary.sd == pytest.approx(np.std(values, ddof=1), rel=1e-6, abs=1e-6 * scale)


def test_squares_that_underflow_to_zero_are_not_called_inconsistent():
    # 2e-162² is below the smallest double: the summed squares are 0, and that is no contradiction.
    data = ag.MeanAggregate(users=1, sum=2e-162, sum_squares=0.0)
    assert data.sum_squares == 0.0


# --- totals from a mean and a standard deviation -------------------------------------------------


def test_totals_from_mean_and_sd_are_the_exact_ones_rounded_once():
    """sum = n·mean and sum_squares = (n − 1)·sd² + n·mean², exact before the one rounding to float."""
    data = ag.mean_aggregate_from_sd(3020, 3.82, 1.05)
    n, m, s = 3020, Fraction("3.82"), Fraction("1.05")
    assert data.users == 3020
    assert data.sum == float(n * m) == 11536.4
    assert data.sum_squares == float((n - 1) * s * s + n * m * m)
    assert data.sum / data.users == pytest.approx(3.82, rel=1e-15)
    assert sample_variance(data) ** 0.5 == pytest.approx(1.05, rel=1e-12)


def test_totals_from_mean_and_sd_match_the_raw_values_they_summarise():
    rng = np.random.default_rng(7)
    values = rng.normal(180.0, 42.0, size=2_500)
    raw = ag.fold_observations(np.array(["a"] * values.size, dtype=object), values)["a"]
    typed = ag.mean_aggregate_from_sd(values.size, statistics.fmean(values), statistics.stdev(values))
    assert typed.users == raw.users
    assert typed.sum == pytest.approx(raw.sum, rel=1e-12)
    assert typed.sum_squares == pytest.approx(raw.sum_squares, rel=1e-12)


@pytest.mark.parametrize(
    ("users", "mean", "sd", "message"),
    [
        (100, 3.5, -0.1, ag.MSG_SD_NEGATIVE),
        (1, 3.5, 0.0, ag.MSG_SD_FEW_USERS),
        (0, 0.0, 0.0, ag.MSG_SD_FEW_USERS),
        (100, float("nan"), 1.0, "mean must be a finite number, not nan."),
        (100, 1e101, 1.0, ag.MSG_MEAN_TOO_LARGE),
        (2.5, 3.0, 1.0, "users must be a whole number of at least 0, not 2.5."),
    ],
)
def test_totals_from_mean_and_sd_refuse_what_has_no_totals(users, mean, sd, message):
    with pytest.raises(ValueError) as excinfo:
        ag.mean_aggregate_from_sd(users, mean, sd)
    assert str(excinfo.value) == message
