"""Cases and helpers shared by the experiment read-out tests (``test_stats_experiments_*``)."""

import numpy as np

from kpis.stats import experiments as ex
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate

REL = 1e-9


# (control users, control conversions, treatment users, treatment conversions)
PROPORTION_CASES = [
    (5, 1, 7, 3),
    (20, 0, 20, 3),
    (20, 3, 20, 0),
    (20, 20, 25, 21),
    (20, 0, 20, 20),
    (1_000, 100, 1_000, 130),
    (1_000, 100, 1_200, 108),
    (50_000, 1_500, 49_700, 1_620),
    (10_000_000, 1_234_567, 10_000_000, 1_236_000),
    (10_000_000, 5, 9_999_000, 17),
    (10_000_000, 9_999_999, 10_000_000, 9_999_990),
]


def proportion_result(n_c, x_c, n_t, x_t, **kwargs):
    kwargs.setdefault("mde", 0.05)
    return ex.analyze_experiment(
        metric="proportion",
        control="control",
        aggregates={"control": ProportionAggregate(n_c, x_c), "b": ProportionAggregate(n_t, x_t)},
        weights={"control": 1, "b": 1},
        **kwargs,
    )


def raw(mean, sd, n, seed):
    return np.random.default_rng(seed).normal(mean, sd, n)


def mean_aggregate(values):
    return MeanAggregate(len(values), float(np.sum(values)), float(np.sum(values * values)))
