"""Reads of A/B experiments: lists, variant totals, the statistical read-out and the sample-size plan."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from accounts.models import User
from improvement.models import Experiment, Initiative, MdeType, MetricType, Variant, VariantData
from improvement.selectors.experiment_clusters import (
    W_CLUSTERED,
    before_after_results,
    cluster_decision_input,
    cluster_results,
)
from improvement.selectors.experiment_decision import experiment_decision, guardrail_results
from improvement.selectors.experiment_segments import segment_results
from improvement.selectors.initiatives import scope_to_readable
from kpis.stats.aggregates import CupedAggregate, MeanAggregate, ProportionAggregate
from kpis.stats.experiments import analyze_experiment
from kpis.stats.power import plan_sample_size


def experiment_list(*, user: User, include_archived: bool = False) -> QuerySet[Experiment]:
    """Experiments of the initiatives ``user`` may read, with what their lists and pages show."""
    qs = Experiment.objects.all() if include_archived else Experiment.objects.active()
    qs = qs.select_related("initiative", "primary_kpi", "concluded_by")
    return scope_to_readable(qs, user=user).prefetch_related(
        Prefetch("variants", queryset=Variant.objects.order_by("-is_control", "id")),
        "guardrail_kpis",
    )


def experiment_get(*, user: User, pk: int) -> Experiment:
    return experiment_list(user=user, include_archived=True).get(pk=pk)


def initiative_experiments(*, initiative: Initiative) -> QuerySet[Experiment]:
    """The initiative's experiments for its page (the page already checked the reader)."""
    return (
        Experiment.objects.active()
        .filter(initiative=initiative)
        .select_related("primary_kpi")
        .annotate(variant_count=Count("variants", distinct=True))
    )


def variant_totals(*, variants: Iterable[Variant]) -> dict[int, dict[str, float]]:
    """Each variant's summed rows (its totals, or the sum of its days), keyed by variant id.

    The pre-period totals (CUPED) are None unless every row of the variant has them.
    """
    sums = (
        VariantData.objects.filter(variant__in=list(variants))
        .values("variant")
        .annotate(
            users=Sum("users"),
            conversions=Sum("conversions"),
            sum=Sum("sum"),
            sum_squares=Sum("sum_squares"),
            # Named apart from the fields: the FILTER below must see the column, not the SUM.
            total_pre_sum=Sum("pre_sum"),
            total_pre_sum_squares=Sum("pre_sum_squares"),
            total_sum_product=Sum("sum_product"),
            without_pre=Count("id", filter=Q(pre_sum__isnull=True)),
        )
    )
    totals = {}
    for row in sums:
        complete = not row.pop("without_pre")
        for field in ("pre_sum", "pre_sum_squares", "sum_product"):
            total = row.pop(f"total_{field}")
            row[field] = total if complete else None
        totals[row["variant"]] = row
    return totals


W_STORED_TOTALS = "{variant}'s stored totals are out of range ({reason}); it is analysed as having no users."


def _aggregates_and_warnings(
    *, experiment: Experiment, variants: list[Variant]
) -> tuple[dict[str, ProportionAggregate | MeanAggregate], list[str]]:
    totals = variant_totals(variants=variants)
    result: dict[str, ProportionAggregate | MeanAggregate] = {}
    warnings: list[str] = []
    empty = {"users": 0, "conversions": 0, "sum": 0.0, "sum_squares": 0.0}
    # CUPED when every variant with data has pre-period totals (one without data counts as empty).
    pre_period = bool(totals) and all(row["pre_sum"] is not None for row in totals.values())
    fields = ("users", "sum", "sum_squares", "pre_sum", "pre_sum_squares", "sum_product")
    for variant in variants:
        row = totals.get(variant.pk) or empty
        try:
            if experiment.metric_type == MetricType.PROPORTION:
                result[variant.key] = ProportionAggregate(int(row["users"]), int(row["conversions"]))
            elif pre_period:
                result[variant.key] = CupedAggregate(*(row.get(field) or 0 for field in fields))
            else:
                result[variant.key] = MeanAggregate(
                    int(row["users"]), float(row["sum"]), float(row["sum_squares"])
                )
        except (ValueError, OverflowError) as exc:
            # Rows written before the bounds of kpis.stats were enforced: the read-out still answers.
            warnings.append(W_STORED_TOTALS.format(variant=variant.key, reason=exc))
            result[variant.key] = (
                ProportionAggregate(0, 0)
                if experiment.metric_type == MetricType.PROPORTION
                else MeanAggregate(0, 0.0, 0.0)
            )
    return result, warnings


def experiment_aggregates(
    *, experiment: Experiment, variants: list[Variant] | None = None
) -> dict[str, ProportionAggregate | MeanAggregate]:
    """Each variant's totals as ``kpis.stats`` aggregates; a variant without data has zero users."""
    variants = list(experiment.variants.all()) if variants is None else list(variants)
    return _aggregates_and_warnings(experiment=experiment, variants=variants)[0]


def experiment_results(*, experiment: Experiment) -> dict[str, Any] | None:
    """The read-out of ``kpis.stats.experiments.analyze_experiment`` as a JSON-ready dict.

    Per variant: users, mean (the rate of a proportion) and sd; the SRM check; per treatment the
    comparison with the control (effects and intervals, p-values raw and Holm-adjusted, chance to
    beat control, risk, power at the MDE, users needed per arm) and warnings that explain every
    ``None``. Computed on read from a handful of rows per variant. ``None`` without a control.
    """
    variants = list(experiment.variants.all())
    control = next((v for v in variants if v.is_control), None)
    if control is None:
        return None
    aggregates, stored_warnings = _aggregates_and_warnings(experiment=experiment, variants=variants)
    result = analyze_experiment(
        metric=experiment.metric_type,
        control=control.key,
        aggregates=aggregates,
        weights={v.key: v.weight for v in variants},
        alpha=experiment.alpha,
        power=experiment.power,
        mde=experiment.mde,
        mde_type=experiment.mde_type,
        sequential=experiment.sequential,
        sequential_tuning=experiment.sequential_tuning,
    ).as_dict()
    names = {v.key: v.name or v.key for v in variants}
    for summary in result["variants"]:
        summary["name"] = names[summary["key"]]
        summary["is_control"] = summary["key"] == control.key
    result["users"] = sum(summary["users"] for summary in result["variants"])
    result["warnings"] = [*stored_warnings, *result["warnings"]]
    # Guardrails analysed like the primary KPI, then the decision with its reasons and days left.
    result["guardrails"] = guardrail_results(experiment=experiment, variants=variants)
    result["clusters"] = cluster_results(experiment=experiment, variants=variants)
    primary = result
    if result["clusters"] is not None:
        result["warnings"].append(W_CLUSTERED)
        # Randomised by cluster: decided on the cluster-robust comparisons, not the per-user ones.
        primary = cluster_decision_input(result["clusters"], result=result)
    decided = experiment_decision(experiment=experiment, results=primary, guardrails=result["guardrails"])
    result["guardrail_status"] = decided.pop("guardrails")
    result.update(decided)
    result["before_after"] = before_after_results(experiment=experiment)
    # The primary KPI by segment, Holm across segments × treatments; the overall result is unchanged.
    result["by_segment"] = segment_results(experiment=experiment, variants=variants)
    return result


def experiment_plan(
    *,
    metric_type: str,
    baseline: float,
    mde: float,
    daily_users: float,
    mde_type: str = MdeType.RELATIVE,
    alpha: float = 0.05,
    power: float = 0.8,
    weights: Sequence[float] = (1.0, 1.0),
    sd: float | None = None,
) -> dict[str, Any]:
    """Users per arm (control first) and days needed; input the planner cannot use is a ValidationError."""
    try:
        plan = plan_sample_size(
            metric=metric_type,
            baseline=baseline,
            mde=mde,
            mde_type=mde_type,
            alpha=alpha,
            power=power,
            daily_users=daily_users,
            weights=weights,
            sd=sd,
        )
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    return plan.as_dict()
