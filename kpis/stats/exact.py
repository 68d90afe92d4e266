"""Small samples of a proportion: Fisher's exact test when the z-test's normal approximation fails.

The pooled z-test rests on every expected cell of the 2×2 table (converted / not converted ×
treatment / control) being large enough; the usual rule is at least 5. Below that, the p-value is
Fisher's exact conditional test, two-sided as scipy computes it (the sum of the probabilities of
every table with the same margins no more likely than the one observed). The intervals stay Wald:
``docs/statistics.md`` says why.
"""

import numpy as np

from kpis.stats.aggregates import ProportionAggregate

# Cochran's rule for the χ² / z approximation of a contingency table.
MIN_EXPECTED = 5.0
# The exact test sums the hypergeometric probabilities of every possible table; past this many the
# z-test is kept (with an expected cell below 5 the support is at most √(5N) tables, so this is
# reached only beyond 2·10¹¹ users).
MAX_SUPPORT = 1_000_000
# scipy's tolerance for "no more likely than the observed table" (relative, against rounding).
RELATIVE_TIE = 1 + 1e-7

Z_TEST = "z"
FISHER_EXACT = "fisher_exact"
W_FISHER = (
    "{variant} vs {control}: an expected cell of the 2×2 table is below 5, so the p-value is Fisher's "
    "exact test instead of the z-test."
)


def table(t: ProportionAggregate, c: ProportionAggregate) -> list[list[int]]:
    """[[converted, not converted] for the treatment, the same for the control]."""
    return [[t.conversions, t.users - t.conversions], [c.conversions, c.users - c.conversions]]


def min_expected(t: ProportionAggregate, c: ProportionAggregate) -> float:
    """The smallest expected count row total × column total / N of the 2×2 table (N > 0)."""
    total = t.users + c.users
    converted = t.conversions + c.conversions
    return min(n * col / total for n in (t.users, c.users) for col in (converted, total - converted))


def needs_exact(t: ProportionAggregate, c: ProportionAggregate) -> bool:
    return min_expected(t, c) < MIN_EXPECTED


def fisher_p_value(t: ProportionAggregate, c: ProportionAggregate) -> float | None:
    """Two-sided p-value of Fisher's exact test, as ``scipy.stats.fisher_exact`` defines it.

    Given the margins, the treatment's conversions k are hypergeometric. Successive probabilities
    are built from their ratio P(k+1)/P(k) = (K − k)(n_t − k) / ((k + 1)(N − K − n_t + k + 1)) and
    normalised over the support, so no log-factorial of a huge N loses the digits (scipy's own
    search is slow and its log-pmf imprecise at 10¹² users). The p-value sums the probabilities of
    the tables no more likely than the observed one. None when the support exceeds ``MAX_SUPPORT``.
    """
    total, converted = t.users + c.users, t.conversions + c.conversions
    low, high = max(0, converted - c.users), min(converted, t.users)
    if high - low + 1 > MAX_SUPPORT:
        return None
    k = np.arange(low, high, dtype=float)
    ratios = (converted - k) * (t.users - k) / ((k + 1) * (total - converted - t.users + k + 1))
    log_pmf = np.concatenate(([0.0], np.cumsum(np.log(ratios))))
    log_pmf -= log_pmf.max()
    pmf = np.exp(log_pmf)
    observed = pmf[t.conversions - low]
    p_value = float(pmf[pmf <= observed * RELATIVE_TIE].sum() / pmf.sum())
    return min(p_value, 1.0)
