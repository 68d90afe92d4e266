"""Reads for an experiment's guardrails and its decision (the rule is pure: ``improvement.decision``)."""

from typing import Any

from django.db.models import Sum
from django.utils import timezone

from improvement import decision as rule
from improvement.models import Experiment, ExperimentStatus, GuardrailData, MetricType, Variant
from kpis.catalogue import display_name
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.experiments import analyze_experiment

SECONDS_PER_DAY = 86_400.0
W_GUARDRAIL_STORED = (
    "Guardrail {kpi}: {variant}'s stored totals are out of range ({reason}); no users assumed."
)


def _aggregate(metric: str, row: dict[str, Any] | None) -> ProportionAggregate | MeanAggregate:
    row = row or {"users": 0, "conversions": 0, "sum": 0.0, "sum_squares": 0.0}
    if metric == MetricType.PROPORTION:
        return ProportionAggregate(int(row["users"]), int(row["conversions"]))
    return MeanAggregate(int(row["users"]), float(row["sum"]), float(row["sum_squares"]))


def guardrail_results(*, experiment: Experiment, variants: list[Variant]) -> list[dict[str, Any]]:
    """Each guardrail KPI analysed like the primary one (no MDE: its tolerance decides, not power).

    One grouped query for every guardrail's per-variant totals; a guardrail KPI without settings is
    measured as the experiment's metric type with a tolerance of 0.
    """
    control = next(v for v in variants if v.is_control)
    settings = {g.kpi_id: g for g in experiment.guardrails.all()}
    sums = (
        GuardrailData.objects.filter(guardrail__experiment=experiment)
        .values("guardrail__kpi", "variant")
        .annotate(
            users=Sum("users"), conversions=Sum("conversions"), sum=Sum("sum"), sum_squares=Sum("sum_squares")
        )
    )
    totals = {(row["guardrail__kpi"], row["variant"]): row for row in sums}
    found = []
    for kpi in experiment.guardrail_kpis.all():
        setting = settings.get(kpi.pk)
        metric = setting.metric_type if setting else experiment.metric_type
        warnings, aggregates = [], {}
        for variant in variants:
            try:
                aggregates[variant.key] = _aggregate(metric, totals.get((kpi.pk, variant.pk)))
            except (ValueError, OverflowError) as exc:
                warnings.append(W_GUARDRAIL_STORED.format(kpi=kpi.code, variant=variant.key, reason=exc))
                aggregates[variant.key] = _aggregate(metric, None)
        result = analyze_experiment(
            metric=metric,
            control=control.key,
            aggregates=aggregates,
            weights={v.key: v.weight for v in variants},
            alpha=experiment.alpha,
            sequential=experiment.sequential,
            sequential_tuning=experiment.sequential_tuning,
        ).as_dict()
        result["users"] = sum(summary["users"] for summary in result["variants"])
        # Named like the primary read-out's variants, as the results schema documents them.
        for summary in result["variants"]:
            summary["name"] = next(v.name or v.key for v in variants if v.key == summary["key"])
            summary["is_control"] = summary["key"] == control.key
        # Without an MDE the read-out warns about power; a guardrail is judged by its tolerance instead.
        result["warnings"] = [*warnings, *(w for w in result["warnings"] if not w.startswith("No minimum"))]
        found.append(
            {
                "kpi": kpi.code,
                "name": kpi.name,
                "metric": metric,
                "higher_is_better": kpi.higher_is_better,
                "tolerance": setting.tolerance if setting else 0.0,
                "results": result,
            }
        )
    return found


def elapsed_days(experiment: Experiment) -> float | None:
    """Days the experiment has collected users: from its start to its stop (or conclusion, or now)."""
    if experiment.started_at is None:
        return None
    end = experiment.stopped_at or experiment.concluded_at or timezone.now()
    return max((end - experiment.started_at).total_seconds(), 0.0) / SECONDS_PER_DAY


def experiment_decision(*, experiment: Experiment, results: dict[str, Any], guardrails: list[dict]) -> dict:
    """``improvement.decision.experiment_decision`` for this experiment's read-out, as a dict."""
    return rule.experiment_decision(
        primary=results,
        kpi=display_name(experiment.primary_kpi.name),
        higher_is_better=experiment.primary_kpi.higher_is_better,
        guardrails=guardrails,
        target_power=experiment.power,
        elapsed_days=elapsed_days(experiment),
        stopped=experiment.status in (ExperimentStatus.STOPPED, ExperimentStatus.CONCLUDED),
    ).as_dict()
