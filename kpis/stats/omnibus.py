"""Three or more arms: one omnibus test of "every arm has the same rate / mean" before the pairs.

Proportions: Pearson's χ² test of the k×2 table (converted / not converted per arm), k − 1 df, as
``scipy.stats.chi2_contingency`` (no continuity correction beyond 2×2). Means: Welch's
heteroscedastic one-way ANOVA from each arm's n, mean and sample variance, as statsmodels'
``anova_oneway(..., use_var="unequal")``. A number that cannot be computed is None with a warning.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.common import Result, defined
from kpis.stats.effects import sample_variance

CHI_SQUARE = "chi_square"
WELCH_ANOVA = "welch_anova"
MIN_EXPECTED = 5.0

W_OMNIBUS_NO_VARIATION = (
    "The omnibus test is undefined: every user converted, or none did, so the table has an empty column."
)
W_OMNIBUS_SMALL = "An expected cell of the omnibus χ² table is below 5, so its p-value is approximate."
W_OMNIBUS_FEW_USERS = (
    "The omnibus test is undefined: Welch's ANOVA needs at least 2 users and a non-zero variance in "
    "every arm."
)


@dataclass(frozen=True)
class Omnibus(Result):
    """One test that all arms are equal; ``df_denominator`` only for Welch's F."""

    test: str
    statistic: float | None
    df: float | None
    df_denominator: float | None
    p_value: float | None
    warnings: list[str]


def chi_square_omnibus(arms: Sequence[ProportionAggregate]) -> Omnibus:
    """Σ (O − E)² / E over the k×2 table, E = row total × column total / N, on k − 1 df."""
    total = sum(a.users for a in arms)
    converted = sum(a.conversions for a in arms)
    columns = (converted, total - converted)
    if total == 0 or 0 in columns:
        return Omnibus(CHI_SQUARE, None, None, None, None, [W_OMNIBUS_NO_VARIATION])
    statistic, smallest = 0.0, float("inf")
    for arm in arms:
        for observed, column in zip((arm.conversions, arm.users - arm.conversions), columns, strict=True):
            # Row share first, so that N² cannot overflow and a tiny share cannot underflow to 0/0.
            expected = arm.users / total * column
            smallest = min(smallest, expected)
            if expected > 0:
                statistic += (observed - expected) * ((observed - expected) / expected)
    df = len(arms) - 1
    statistic = defined(statistic)
    p_value = None if statistic is None else float(stats.chi2.sf(statistic, df))
    warnings = [W_OMNIBUS_SMALL] if smallest < MIN_EXPECTED else []
    return Omnibus(CHI_SQUARE, statistic, float(df), None, p_value, warnings)


def welch_anova(arms: Sequence[MeanAggregate]) -> Omnibus:
    """Welch (1951): with wᵢ = nᵢ/sᵢ², W = Σwᵢ, m̄ = Σwᵢmᵢ/W and Λ = Σ(1 − wᵢ/W)²/(nᵢ − 1),

    F = [Σwᵢ(mᵢ − m̄)²/(k − 1)] / [1 + 2(k − 2)Λ/(k² − 1)] on k − 1 and (k² − 1)/(3Λ) df.
    """
    k = len(arms)
    if any(a.users < 2 for a in arms):
        return Omnibus(WELCH_ANOVA, None, None, None, None, [W_OMNIBUS_FEW_USERS])
    variances = [sample_variance(a) for a in arms]
    if any(v == 0 for v in variances):
        return Omnibus(WELCH_ANOVA, None, None, None, None, [W_OMNIBUS_FEW_USERS])
    means = [a.sum / a.users for a in arms]
    weights = [a.users / v for a, v in zip(arms, variances, strict=True)]
    top = max(weights)
    # Scaled by the largest weight: the ratios below do not change, and nothing overflows.
    shares = [w / top for w in weights]
    total = sum(shares)
    centre = sum(s * m for s, m in zip(shares, means, strict=True)) / total
    between = top * sum(s * (m - centre) * (m - centre) for s, m in zip(shares, means, strict=True)) / (k - 1)
    lam = sum((1 - s / total) ** 2 / (a.users - 1) for s, a in zip(shares, arms, strict=True))
    statistic = defined(between / (1 + 2 * (k - 2) * lam / (k * k - 1)))
    if statistic is None or lam == 0:
        return Omnibus(WELCH_ANOVA, None, None, None, None, [W_OMNIBUS_FEW_USERS])
    df2 = (k * k - 1) / (3 * lam)
    p_value = float(stats.f.sf(statistic, k - 1, df2))
    return Omnibus(WELCH_ANOVA, statistic, float(k - 1), df2, p_value, [])
