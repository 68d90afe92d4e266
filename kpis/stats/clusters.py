"""Cluster-randomised experiments: the per-user metric as a ratio over clusters, delta-method variance.

Agents, teams or sites are randomised, not users. Per cluster i of an arm we have xᵢ (conversions, or
the sum of the users' values) and yᵢ (users). The arm's per-user metric is the ratio r = Σx / Σy and,
by the delta method for a ratio of means (as GrowthBook analyses ratio metrics),

    var(r) ≈ (σ²ₓ − 2 r σₓᵧ + r² σ²ᵧ) / (k μᵧ²)

with k clusters, μᵧ the mean users per cluster and σ the sample (n − 1) variances and covariance over
clusters. It is computed as Σ(xᵢ − r yᵢ)² · k / ((k − 1) · (Σy)²), which is the same number without the
cancellation of the expanded form, and as a standard error (never squared) so that tiny values cannot
underflow to a silent zero.

Absolute effect r_t − r_c, se = √(var_t + var_c); relative effect r_t / r_c − 1 with the delta method
se = √(var_t / r_c² + r_t² var_c / r_c⁴). Both are tested with Student's t on Welch–Satterthwaite
degrees of freedom with kᵢ − 1 per arm: each arm's variance is estimated from its clusters, not its
users, so a z test would be anti-conservative with the few clusters a pilot has.
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from kpis.stats.common import Result, check_alpha, defined

PROPORTION = "proportion"
MEAN = "mean"
# Below this many clusters in an arm the variance estimate is itself very noisy: its relative standard
# deviation is about √(2 / (k − 1)), 47 % at k = 10, and cluster-robust tests over-reject.
FEW_CLUSTERS = 10

W_FEW_CLUSTERS = (
    "{variant} has {k} clusters (fewer than {limit}): the cluster-robust interval is rough; "
    "treat the result as indicative."
)
W_ONE_CLUSTER = "{variant} has fewer than 2 clusters with users: its variance cannot be estimated."
W_NO_USERS = "{variant} has no users."
W_ZERO_VARIANCE = (
    "Every cluster of both arms has exactly its arm's rate, so the variance is 0: no interval or p-value."
)
W_CONTROL_ZERO = "The control's rate is 0: the relative effect is undefined."


@dataclass(frozen=True)
class Cluster:
    """One cluster's totals: users, the numerator (conversions or sum) and, for means, Σ value²."""

    cluster: str
    users: int
    numerator: float
    sum_squares: float | None = None


@dataclass(frozen=True)
class ArmSummary(Result):
    variant: str
    clusters: int
    users: int
    mean: float | None
    standard_error: float | None
    naive_standard_error: float | None


@dataclass(frozen=True)
class ClusterComparison(Result):
    variant: str
    control: str
    absolute_effect: float | None
    absolute_ci: list[float] | None
    relative_effect: float | None
    relative_ci: list[float] | None
    standard_error: float | None
    relative_standard_error: float | None
    degrees_of_freedom: float | None
    statistic: float | None
    p_value: float | None
    naive_standard_error: float | None
    design_effect: float | None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ClusterReadout(Result):
    metric: str
    control: str
    alpha: float
    test: str
    variants: list[ArmSummary]
    comparisons: list[ClusterComparison]
    warnings: list[str]


def _arm(variant: str, clusters: Sequence[Cluster], metric: str) -> tuple[ArmSummary, list[str]]:
    """The arm's ratio, its delta-method se and the se that treats every user as independent."""
    live = [c for c in clusters if c.users > 0]
    users = sum(c.users for c in live)
    warnings: list[str] = []
    if users == 0:
        return ArmSummary(variant, len(live), 0, None, None, None), [W_NO_USERS.format(variant=variant)]
    x = np.array([c.numerator for c in live], dtype=float)
    y = np.array([c.users for c in live], dtype=float)
    total_x = math.fsum(x)
    ratio = total_x / users
    se = None
    k = len(live)
    if k < 2:
        warnings.append(W_ONE_CLUSTER.format(variant=variant))
    else:
        if k < FEW_CLUSTERS:
            warnings.append(W_FEW_CLUSTERS.format(variant=variant, k=k, limit=FEW_CLUSTERS))
        residuals = x - ratio * y
        scale = float(np.max(np.abs(residuals)))
        se = (
            0.0
            if scale == 0
            else scale * math.sqrt(float(np.sum((residuals / scale) ** 2)) * k / (k - 1)) / users
        )
    naive = _naive_se(live, metric=metric, users=users, ratio=ratio, total_x=total_x)
    return ArmSummary(variant, k, users, ratio, defined(se), naive), warnings


def _naive_se(live, *, metric: str, users: int, ratio: float, total_x: float) -> float | None:
    """The standard error of the arm's mean if the users were independent (what a user-level test uses)."""
    if metric == PROPORTION:
        return math.sqrt(max(ratio * (1 - ratio), 0.0) / users)
    if users < 2 or any(c.sum_squares is None for c in live):
        return None
    squares = math.fsum(c.sum_squares for c in live)
    variance = max(squares - total_x * ratio, 0.0) / (users - 1)
    return defined(math.sqrt(variance / users))


def _welch_df(se_t: float, se_c: float, k_t: int, k_c: int) -> float:
    ratio = se_c / se_t if se_t > 0 else math.inf
    share_t = 1 / (1 + ratio * ratio)  # products, not **: a float power raises on overflow
    share_c = 1 - share_t
    return 1 / (share_t * share_t / (k_t - 1) + share_c * share_c / (k_c - 1))


def _compare(treat: ArmSummary, control: ArmSummary, alpha: float) -> ClusterComparison:
    warnings: list[str] = []
    if treat.mean is None or control.mean is None:
        return ClusterComparison(treat.variant, control.variant, *([None] * 11), warnings)
    absolute = treat.mean - control.mean
    relative = rel_se = None
    if control.mean != 0:
        relative = treat.mean / control.mean - 1
    else:
        warnings.append(W_CONTROL_ZERO)
    se = df = statistic = p_value = abs_ci = rel_ci = deff = naive = None
    if treat.standard_error is not None and control.standard_error is not None:
        se = math.hypot(treat.standard_error, control.standard_error)
        if se == 0:
            warnings.append(W_ZERO_VARIANCE)
            se = None
        else:
            df = _welch_df(treat.standard_error, control.standard_error, treat.clusters, control.clusters)
            q = float(stats.t.ppf(1 - alpha / 2, df))
            statistic = absolute / se
            p_value = float(2 * stats.t.sf(abs(statistic), df))
            abs_ci = [absolute - q * se, absolute + q * se]
            if relative is not None:
                lift = treat.mean / control.mean
                rel_se = math.hypot(treat.standard_error, lift * control.standard_error) / abs(control.mean)
                rel_ci = [relative - q * rel_se, relative + q * rel_se]
    if treat.naive_standard_error is not None and control.naive_standard_error is not None:
        naive = math.hypot(treat.naive_standard_error, control.naive_standard_error)
        if se is not None and naive > 0:
            deff = (se / naive) * (se / naive)
    return ClusterComparison(
        variant=treat.variant,
        control=control.variant,
        absolute_effect=defined(absolute),
        absolute_ci=_interval(abs_ci),
        relative_effect=defined(relative),
        relative_ci=_interval(rel_ci),
        standard_error=defined(se),
        relative_standard_error=defined(rel_se),
        degrees_of_freedom=defined(df),
        statistic=defined(statistic),
        p_value=defined(p_value),
        naive_standard_error=defined(naive),
        design_effect=defined(deff),
        warnings=warnings,
    )


def _interval(bounds: list[float] | None) -> list[float] | None:
    if bounds is None or not all(math.isfinite(b) for b in bounds):
        return None
    return bounds


def analyze_clusters(
    *, metric: str, control: str, clusters: Mapping[str, Sequence[Cluster]], alpha: float = 0.05
) -> ClusterReadout:
    """Per arm the per-user ratio and its cluster-robust se; per treatment the effects against control."""
    alpha = check_alpha(alpha)
    if metric not in (PROPORTION, MEAN):
        raise ValueError(f"metric must be {PROPORTION!r} or {MEAN!r}.")
    if control not in clusters:
        raise ValueError(f"The control {control!r} has no clusters.")
    arms: dict[str, ArmSummary] = {}
    warnings: list[str] = []
    for variant, rows in clusters.items():
        arms[variant], arm_warnings = _arm(variant, rows, metric)
        warnings += arm_warnings
    comparisons = [_compare(arm, arms[control], alpha) for key, arm in arms.items() if key != control]
    ordered = [arms[control], *(arm for key, arm in arms.items() if key != control)]
    return ClusterReadout(metric, control, alpha, "welch_t", ordered, comparisons, warnings)
