"""Cluster-randomised read-out against statsmodels' cluster-robust OLS on the expanded per-user data."""

import math

import numpy as np
import pytest
import statsmodels.api as sm

from kpis.stats.clusters import FEW_CLUSTERS, Cluster, analyze_clusters


def _proportion_data(rng, arms=(("control", 12, 0.10), ("b", 14, 0.13)), sd_logit=0.6):
    """Clusters with their own rate (random intercept on the logit scale) and their per-user rows."""
    clusters, ys, treated, groups = {}, [], [], []
    gid = 0
    for arm_index, (variant, k, rate) in enumerate(arms):
        rows = []
        for i in range(k):
            users = int(rng.integers(20, 200))
            p = 1 / (1 + math.exp(-(math.log(rate / (1 - rate)) + rng.normal(0, sd_logit))))
            conv = int(rng.binomial(users, p))
            rows.append(Cluster(f"{variant}{i}", users, conv))
            ys += [1.0] * conv + [0.0] * (users - conv)
            treated += [arm_index] * users
            groups += [gid] * users
            gid += 1
        clusters[variant] = rows
    return clusters, np.array(ys), np.array(treated, dtype=float), np.array(groups)


def _mean_data(rng, arms=(("control", 11, 5.0), ("b", 13, 5.6))):
    clusters, ys, treated, groups = {}, [], [], []
    gid = 0
    for arm_index, (variant, k, mu) in enumerate(arms):
        rows = []
        for i in range(k):
            users = int(rng.integers(5, 60))
            values = rng.normal(mu + rng.normal(0, 1.0), 2.0, users)
            rows.append(Cluster(f"{variant}{i}", users, float(values.sum()), float((values**2).sum())))
            ys += list(values)
            treated += [arm_index] * users
            groups += [gid] * users
            gid += 1
        clusters[variant] = rows
    return clusters, np.array(ys), np.array(treated, dtype=float), np.array(groups)


def _ols(y, treated, groups, *, correction):
    model = sm.OLS(y, sm.add_constant(treated))
    return model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": correction})


@pytest.mark.parametrize("maker,metric", [(_proportion_data, "proportion"), (_mean_data, "mean")])
def test_matches_statsmodels_cluster_robust_ols(maker, metric):
    clusters, y, treated, groups = maker(np.random.default_rng(7))
    readout = analyze_clusters(metric=metric, control="control", clusters=clusters)
    comparison = readout.comparisons[0]
    exact = _ols(y, treated, groups, correction=False)
    # Same point estimate: OLS on a 0/1 dummy is the difference of the per-user means.
    assert comparison.absolute_effect == pytest.approx(exact.params[1], rel=1e-12)
    # Without statsmodels' small-sample factor (CR0), each arm's delta-method variance is CR0 · k/(k − 1).
    cr0_arm = {}
    for arm_index, variant in enumerate(["control", "b"]):
        mask = treated == arm_index
        fit = sm.OLS(y[mask], np.ones(mask.sum())).fit(
            cov_type="cluster", cov_kwds={"groups": groups[mask], "use_correction": False}
        )
        cr0_arm[variant] = fit.bse[0] ** 2
    k = {arm.variant: arm.clusters for arm in readout.variants}
    expected = sum(cr0_arm[v] * k[v] / (k[v] - 1) for v in cr0_arm)
    assert comparison.standard_error == pytest.approx(math.sqrt(expected), rel=1e-10)
    assert exact.bse[1] ** 2 == pytest.approx(sum(cr0_arm.values()), rel=1e-10)
    # statsmodels' default (G/(G − 1) · (N − 1)/(N − 2), G all clusters) is within a few per cent.
    default = _ols(y, treated, groups, correction=True)
    assert comparison.standard_error == pytest.approx(default.bse[1], rel=0.05)


def test_relative_effect_by_the_delta_method():
    clusters, *_ = _proportion_data(np.random.default_rng(3))
    arms = {
        a.variant: a
        for a in analyze_clusters(metric="proportion", control="control", clusters=clusters).variants
    }
    c, t = arms["control"], arms["b"]
    comparison = analyze_clusters(metric="proportion", control="control", clusters=clusters).comparisons[0]
    assert comparison.relative_effect == pytest.approx(t.mean / c.mean - 1)
    expected = math.sqrt(t.standard_error**2 / c.mean**2 + t.mean**2 * c.standard_error**2 / c.mean**4)
    assert comparison.relative_standard_error == pytest.approx(expected, rel=1e-12)
    lo, hi = comparison.relative_ci
    assert lo < comparison.relative_effect < hi


def test_delta_formula_equals_the_expanded_variance_form():
    clusters, *_ = _mean_data(np.random.default_rng(11))
    arm = analyze_clusters(metric="mean", control="control", clusters=clusters).variants[0]
    x = np.array([c.numerator for c in clusters["control"]])
    y = np.array([c.users for c in clusters["control"]], dtype=float)
    r = x.sum() / y.sum()
    cov = np.cov(x, y, ddof=1)
    expected = (cov[0, 0] - 2 * r * cov[0, 1] + r * r * cov[1, 1]) / (len(x) * y.mean() ** 2)
    assert arm.standard_error == pytest.approx(math.sqrt(expected), rel=1e-9)


def test_treating_users_as_independent_understates_the_variance():
    """Simulated A/A pilots (20 clusters per arm, 20–200 users each, cluster sd 0.5 on the logit scale).

    The spread of the estimated effects across simulations is the true variance: the cluster-robust
    variance tracks it, the user-level variance falls short by the factor ``UNDERSTATEMENT``.
    """
    rng = np.random.default_rng(2026)
    effects, robust, naive, covered_naive = [], [], [], 0
    for _ in range(400):
        clusters, *_ = _proportion_data(rng, arms=(("control", 20, 0.1), ("b", 20, 0.1)), sd_logit=0.5)
        comparison = analyze_clusters(metric="proportion", control="control", clusters=clusters).comparisons[
            0
        ]
        effects.append(comparison.absolute_effect)
        robust.append(comparison.standard_error**2)
        naive.append(comparison.naive_standard_error**2)
        covered_naive += abs(comparison.absolute_effect) < 1.96 * comparison.naive_standard_error
    true_var = float(np.var(effects, ddof=1))
    understatement = true_var / float(np.mean(naive))
    assert float(np.mean(robust)) == pytest.approx(true_var, rel=0.2)
    assert 3 < understatement < 5  # 3.97 with this seed
    assert covered_naive / 400 < 0.75  # 68 %: a nominal 95 % interval that covers far less


def test_few_clusters_warn_and_one_cluster_has_no_interval():
    few = {
        "control": [Cluster("a", 50, 5), Cluster("b", 40, 6), Cluster("c", 30, 2)],
        "b": [Cluster("d", 50, 9)],
    }
    readout = analyze_clusters(metric="proportion", control="control", clusters=few)
    assert any(f"fewer than {FEW_CLUSTERS}" in w for w in readout.warnings)
    assert any("fewer than 2 clusters" in w for w in readout.warnings)
    assert readout.comparisons[0].standard_error is None
    assert readout.comparisons[0].p_value is None


def test_zero_variance_is_said_not_silent():
    same = {
        "control": [Cluster("a", 10, 1), Cluster("b", 20, 2)],
        "b": [Cluster("c", 10, 2), Cluster("d", 30, 6)],
    }
    comparison = analyze_clusters(metric="proportion", control="control", clusters=same).comparisons[0]
    assert comparison.standard_error is None and comparison.p_value is None
    assert any("variance is 0" in w for w in comparison.warnings)


@pytest.mark.parametrize("scale", [1e-150, 1e-300, 1e100])
def test_float_extremes_keep_a_positive_standard_error(scale):
    rows = {
        "control": [Cluster(f"c{i}", 10 + i, (3 + i * i) * scale, 1.0) for i in range(12)],
        "b": [Cluster(f"t{i}", 12 + i, (4 + i) * scale, 1.0) for i in range(12)],
    }
    comparison = analyze_clusters(metric="mean", control="control", clusters=rows).comparisons[0]
    assert comparison.standard_error is not None and comparison.standard_error > 0
    assert comparison.p_value is not None and 0 <= comparison.p_value <= 1
    assert comparison.as_dict()  # JSON-ready, no NaN


@pytest.mark.parametrize("small", [1e-300, 1e-100])
@pytest.mark.parametrize("tiny_arm", ["control", "b"])
def test_arms_of_wildly_different_scale_answer_without_overflow(tiny_arm, small):
    tiny = [Cluster(f"s{i}", 1 + i, (1 + i) * small * (1 + i % 3), 1e-190) for i in range(12)]
    huge = [Cluster(f"h{i}", 1 + i, 1e120 * (1 + i % 2), 1e240) for i in range(12)]
    rows = {"control": tiny, "b": huge} if tiny_arm == "control" else {"control": huge, "b": tiny}
    readout = analyze_clusters(metric="mean", control="control", clusters=rows)
    comparison = readout.comparisons[0]
    assert comparison.absolute_effect != 0 and comparison.standard_error > 0
    assert comparison.degrees_of_freedom is not None and comparison.p_value is not None
    assert (
        comparison.relative_effect is None
        or comparison.relative_ci is None
        or all(math.isfinite(b) for b in comparison.relative_ci)
    )
    assert comparison.design_effect is None or math.isfinite(comparison.design_effect)


def test_an_arm_without_clusters_is_said():
    rows = {"control": [Cluster("a", 10, 1), Cluster("b", 10, 2)], "b": []}
    readout = analyze_clusters(metric="proportion", control="control", clusters=rows)
    assert readout.comparisons[0].absolute_effect is None
    assert any("b has no users" in w for w in readout.warnings)
