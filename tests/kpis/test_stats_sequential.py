"""Always-valid confidence sequences: GrowthBook's published unit-test values, the duality of the
interval and the p-value, and coverage under daily peeking by simulation."""

import math

import numpy as np
import pytest

from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.experiments import analyze_experiment
from kpis.stats.sequential import (
    MSG_TUNING,
    sequential_halfwidth,
    sequential_interval,
    sequential_p_value,
    sequential_rho,
)

# growthbook/growthbook packages/stats/tests/frequentist/test_tests.py, TestSequentialTTest:
# control (sum 1396.87, sum_squares 52377.9767, n 3000), treatment (2422.7, 134698.29, 3461).
CONTROL = MeanAggregate(3000, 1396.87, 52377.9767)
TREATMENT = MeanAggregate(3461, 2422.7, 134698.29)


def _readout(control, treatment, **kwargs):
    metric = "proportion" if isinstance(control, ProportionAggregate) else "mean"
    result = analyze_experiment(
        metric=metric,
        control="a",
        aggregates={"a": control, "b": treatment},
        weights={"a": 1, "b": 1},
        sequential=True,
        **kwargs,
    )
    return result.comparisons[0]


def test_growthbook_sequential_means_relative_tuning_1000():
    comparison = _readout(CONTROL, TREATMENT, sequential_tuning=1000)
    assert round(comparison.relative_effect, 5) == 0.50336
    assert [round(x, 5) for x in comparison.sequential_relative_ci] == [-0.55844, 1.56516]
    assert round(comparison.sequential_relative_p_value, 5) == 1
    # The fixed-horizon interval is narrower: the sequence pays for being valid at every look.
    low, high = comparison.relative_ci
    assert comparison.sequential_relative_ci[0] < low and comparison.sequential_relative_ci[1] > high


def test_growthbook_sequential_proportions_default_tuning():
    comparison = _readout(ProportionAggregate(3000, 1396), ProportionAggregate(3461, 2422))
    assert round(comparison.relative_effect, 5) == 0.50386
    assert [round(x, 5) for x in comparison.sequential_relative_ci] == [0.40098, 0.60675]
    assert round(comparison.sequential_relative_p_value, 5) == 0.0
    assert comparison.sequential_p_value < 1e-10


def test_growthbook_tuning_is_tightest_near_the_sample_size():
    widths = {}
    for tuning in (10, 6461, 10_000):
        low, high = _readout(CONTROL, TREATMENT, sequential_tuning=tuning).sequential_relative_ci
        widths[tuning] = high - low
    assert widths[6461] < widths[10_000] < widths[10]


def test_rho_and_halfwidth_match_the_formulas_written_out():
    alpha, tuning, n, se = 0.05, 5000, 6461, 0.12983
    rho = math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning)
    assert sequential_rho(alpha, tuning) == pytest.approx(rho, rel=1e-14)
    s2 = se * se * n
    expected = math.sqrt(s2) * math.sqrt(
        2 * (n * rho**2 + 1) / (n**2 * rho**2) * math.log(math.sqrt(n * rho**2 + 1) / alpha)
    )
    assert sequential_halfwidth(se=se, n=n, tuning=tuning, alpha=alpha) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_p_value_below_alpha_exactly_when_the_interval_excludes_zero(seed):
    rng = np.random.default_rng(seed)
    for _ in range(200):
        effect, se = rng.normal(0, 1), rng.uniform(0.05, 1)
        n, tuning, alpha = int(rng.integers(2, 100_000)), float(rng.uniform(100, 50_000)), 0.05
        low, high = sequential_interval(effect=effect, se=se, n=n, tuning=tuning, alpha=alpha)
        p = sequential_p_value(effect=effect, se=se, n=n, tuning=tuning, alpha=alpha)
        assert (p < alpha) == (low > 0 or high < 0)
    # On the boundary itself (effect = half-width) p is α.
    width = sequential_halfwidth(se=0.3, n=5000, tuning=5000, alpha=0.05)
    assert sequential_p_value(effect=width, se=0.3, n=5000, tuning=5000, alpha=0.05) == pytest.approx(0.05)


def test_false_positives_stay_below_alpha_under_daily_peeking():
    """2,000 A/A experiments of 2 × 5,000 users, looked at every 100 users per arm (50 looks).

    The fixed-horizon z-test, stopped at the first significant look, is wrong far more often than
    5 %; the confidence sequence (N* = 5,000) excludes 0 at some look in at most 5 % of them.
    """
    rng = np.random.default_rng(20261202)
    sims, per_arm, step, alpha = 2000, 5000, 100, 0.05
    looks = np.arange(step, per_arm + 1, step)
    t = rng.normal(0, 1, (sims, per_arm)).cumsum(axis=1)[:, looks - 1]
    c = rng.normal(0, 1, (sims, per_arm)).cumsum(axis=1)[:, looks - 1]
    diff = (t - c) / looks
    se = np.sqrt(2 / looks)  # known unit variance per user
    fixed = (np.abs(diff / se) > 1.959964).any(axis=1).mean()
    width = np.array(
        [
            sequential_halfwidth(se=s, n=2 * k, tuning=5000, alpha=alpha)
            for s, k in zip(se, looks, strict=True)
        ]
    )
    sequential = (np.abs(diff) > width).any(axis=1).mean()
    assert fixed > 0.15
    assert sequential <= alpha


@pytest.mark.parametrize(
    ("effect", "se", "n"),
    [(1e300, 1e-300, 10**18), (1.0, 5e-324, 2), (5e-324, 1.0, 1), (-1e200, 1e150, 10**9)],
)
def test_float_extremes_give_numbers_or_none_never_errors(effect, se, n):
    p = sequential_p_value(effect=effect, se=se, n=n, tuning=5000, alpha=0.05)
    assert p is None or 0 <= p <= 1
    interval = sequential_interval(effect=effect, se=se, n=n, tuning=5000, alpha=0.05)
    assert interval is None or all(math.isfinite(x) for x in interval)


def test_no_standard_error_no_sequence():
    assert sequential_interval(effect=1.0, se=0.0, n=10, tuning=5000, alpha=0.05) is None
    assert sequential_p_value(effect=1.0, se=0.0, n=10, tuning=5000, alpha=0.05) is None
    one_user = _readout(MeanAggregate(1, 2.0, 4.0), MeanAggregate(5, 10.0, 30.0))
    assert one_user.sequential_ci is None and one_user.sequential_p_value is None


@pytest.mark.parametrize("tuning", [0, -5, float("nan"), 1e13])
def test_invalid_tuning_is_refused(tuning):
    with pytest.raises(ValueError, match="sequential_tuning"):
        _readout(CONTROL, TREATMENT, sequential_tuning=tuning)
    assert "N*" in MSG_TUNING


def test_fixed_horizon_experiments_carry_no_sequential_numbers():
    result = analyze_experiment(
        metric="mean", control="a", aggregates={"a": CONTROL, "b": TREATMENT}, weights={"a": 1, "b": 1}
    )
    comparison = result.comparisons[0]
    assert result.sequential is False and result.sequential_tuning is None
    assert comparison.sequential_ci is None and comparison.sequential_p_value is None
