"""Reads for cluster-randomised pilots and controlled before/after (the maths: ``kpis.stats``)."""

from typing import Any

from improvement.models import ClusterData, Experiment, RandomisationUnit, SiteValue, Variant
from kpis.stats.clusters import Cluster, analyze_clusters
from kpis.stats.did import SiteValue as SitePoint
from kpis.stats.did import difference_in_differences
from kpis.stats.experiments import holm

W_CLUSTERED = (
    "This experiment is randomised by cluster: read the cluster read-out, whose intervals account for "
    "users of one cluster being alike; the per-user comparisons treat users as independent."
)
W_NO_CHANGE_DATE = "Site values are stored but no change date is set: no before/after comparison."


def cluster_results(*, experiment: Experiment, variants: list[Variant]) -> dict[str, Any] | None:
    """The delta-method read-out over clusters, or None for an experiment randomised by user."""
    if experiment.randomisation_unit != RandomisationUnit.CLUSTER:
        return None
    control = next((v for v in variants if v.is_control), None)
    if control is None:
        return None
    by_variant: dict[int, list[Cluster]] = {v.pk: [] for v in variants}
    rows = ClusterData.objects.filter(variant__in=variants).values_list(
        "variant", "cluster", "users", "conversions", "sum", "sum_squares"
    )
    proportion = experiment.metric_type == "proportion"
    for variant, cluster, users, conversions, total, squares in rows:
        numerator = float(conversions) if proportion else total
        by_variant[variant].append(Cluster(cluster, int(users), numerator, None if proportion else squares))
    readout = analyze_clusters(
        metric=experiment.metric_type,
        control=control.key,
        clusters={v.key: by_variant[v.pk] for v in variants},
        alpha=experiment.alpha,
    ).as_dict()
    readout["randomisation_unit"] = experiment.randomisation_unit
    return readout


def before_after_results(*, experiment: Experiment) -> dict[str, Any] | None:
    """The difference in differences of pilot against control sites, or None without site values."""
    rows = [
        SitePoint(site, pilot, day, value)
        for site, pilot, day, value in SiteValue.objects.filter(experiment=experiment).values_list(
            "site", "pilot", "day", "value"
        )
    ]
    if not rows:
        return None
    if experiment.change_date is None:
        empty = dict.fromkeys(("method", "effect", "standard_error", "ci", "degrees_of_freedom", "p_value"))
        return {
            **empty,
            "change_date": None,
            "cells": [],
            "alpha": experiment.alpha,
            "warnings": [W_NO_CHANGE_DATE],
        }
    return difference_in_differences(
        rows=rows, change_date=experiment.change_date, alpha=experiment.alpha
    ).as_dict()


def cluster_decision_input(clusters: dict[str, Any], *, result: dict[str, Any]) -> dict[str, Any]:
    """The cluster read-out in the shape ``improvement.decision`` reads for its primary KPI, so a
    cluster-randomised experiment is decided on its cluster-robust comparisons (Holm across the
    treatments). Neither power nor the sample-ratio check is computed over clusters: neither holds
    a decision back, and ``days_left`` has no plan to count to."""
    names = {summary["key"]: summary["name"] for summary in result["variants"]}
    comparisons = clusters["comparisons"]
    adjusted = holm([c["p_value"] for c in comparisons])
    return {
        "control": clusters["control"],
        "alpha": clusters["alpha"],
        "sequential": False,
        "srm": {"detected": False},
        "warnings": result["warnings"],
        "variants": [
            {"key": arm["variant"], "name": names.get(arm["variant"], arm["variant"]), "users": arm["users"]}
            for arm in clusters["variants"]
        ],
        "comparisons": [
            {
                "variant": c["variant"],
                "significant": None if p is None else p < clusters["alpha"],
                "absolute_effect": c["absolute_effect"],
                "relative_effect": c["relative_effect"],
                "p_value_holm": p,
                "power_at_mde": None,
                "required_users_per_arm": None,
            }
            for c, p in zip(comparisons, adjusted, strict=True)
        ],
    }
