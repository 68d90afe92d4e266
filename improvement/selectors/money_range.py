"""The ROI range of an initiative (docs/money.md, "ROI range"): the experiment its Check rests on,
the interval of its effect on the primary KPI, the valued KPI target of that KPI and the
initiative's costs. The figures are assembled by the pure ``improvement.roi_range``."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from improvement import roi_figures, roi_range
from improvement.models import Experiment, ExperimentStatus, Initiative, KpiTarget, MetricType
from improvement.roi_range import RoiRange
from improvement.selectors.experiments import experiment_results
from improvement.selectors.money import initiative_money, money_line_table
from improvement.selectors.targets import TargetProgress, target_list, target_progress
from kpis.catalogue import display_name
from kpis.models import Direction, Unit

# Concluded experiments first (the latest conclusion), then running ones (the latest start).
RANGE_STATUSES = (ExperimentStatus.CONCLUDED, ExperimentStatus.RUNNING)


def initiative_money_settings(*, initiative: Initiative) -> tuple[int, float]:
    """(horizon in months, annual discount rate) of the initiative's own figures."""
    return initiative.roi_horizon, initiative.roi_discount_rate


def _candidates(experiments: Iterable[Experiment]) -> list[Experiment]:
    def key(experiment: Experiment) -> tuple:
        moment = experiment.concluded_at or experiment.started_at or experiment.created_at
        return (RANGE_STATUSES.index(experiment.status), -moment.timestamp(), -experiment.pk)

    return sorted(experiments, key=key)


def _comparison(results: dict[str, Any]) -> dict[str, Any] | None:
    """The comparison the range rests on: the variant the read-out recommends, else the only
    treatment; ``None`` when there are several and none is recommended."""
    comparisons = results["comparisons"]
    chosen = results.get("variant")
    if chosen is not None:
        return next((c for c in comparisons if c["variant"] == chosen), None)
    return comparisons[0] if len(comparisons) == 1 else None


def _interval(experiment: Experiment, comparison: dict[str, Any]) -> Sequence[float] | None:
    # A sequential experiment is read on its always-valid interval, as its decision is.
    interval = comparison.get("sequential_ci") if experiment.sequential else comparison.get("absolute_ci")
    if interval is None or comparison.get("absolute_effect") is None:
        return None
    return interval


def _range_of(
    initiative: Initiative, experiments: Sequence[Experiment], valued: dict[int, KpiTarget]
) -> RoiRange | None:
    for experiment in _candidates(experiments):
        results = experiment_results(experiment=experiment)
        # Randomised by cluster: the per-user interval is too narrow to value.
        if results is None or results["clusters"] is not None:
            continue
        comparison = _comparison(results)
        interval = None if comparison is None else _interval(experiment, comparison)
        if interval is None:
            continue
        kpi = experiment.primary_kpi
        percent = experiment.metric_type == MetricType.PROPORTION and kpi.unit == Unit.PERCENT
        gains = roi_range.monthly_gains(
            effect=comparison["absolute_effect"],
            interval=interval,
            higher_is_better=kpi.direction == Direction.HIGHER,
            scale=roi_range.PERCENT_PER_FRACTION if percent else 1.0,
        )
        horizon, rate = initiative_money_settings(initiative=initiative)
        table = money_line_table(
            [(initiative.pk, initiative.start_date)], horizon=horizon, today=timezone.localdate()
        )
        lines = table.lines(table.index[initiative.pk])
        return roi_range.roi_range(
            gains=gains,
            unit_value_per_month=float(valued[kpi.pk].unit_value_per_month),
            one_time_cost=lines.one_time_cost,
            recurring_costs=lines.recurring_costs,
            horizon=horizon,
            annual_rate=rate,
            confidence=1 - experiment.alpha,
            experiment_id=experiment.pk,
            experiment_name=experiment.name,
            kpi_name=display_name(kpi.name),
        )
    return None


def initiative_roi_ranges(*, initiatives: Sequence[Initiative]) -> dict[int, RoiRange]:
    """The range of each initiative that has one (``initiative_roi_range``).

    Two queries find the initiatives with evidence to value; only those read their experiments'
    results, so a page of initiatives without experiments costs two queries whatever its length.
    """
    by_pk = {initiative.pk: initiative for initiative in initiatives}
    valued: dict[int, dict[int, KpiTarget]] = {}
    # Ordered so that the primary target (then the oldest) of a KPI is the one kept.
    for target in (
        KpiTarget.objects.active()
        .filter(initiative_id__in=by_pk)
        .exclude(unit_value_per_month=None)
        .order_by("is_primary", "-pk")
    ):
        valued.setdefault(target.initiative_id, {})[target.kpi_id] = target
    if not valued:
        return {}
    found: dict[int, list[Experiment]] = {}
    for experiment in (
        Experiment.objects.active()
        .filter(initiative_id__in=valued, status__in=RANGE_STATUSES)
        .select_related("primary_kpi")
    ):
        if experiment.primary_kpi_id in valued[experiment.initiative_id]:
            found.setdefault(experiment.initiative_id, []).append(experiment)
    ranges = {pk: _range_of(by_pk[pk], experiments, valued[pk]) for pk, experiments in sorted(found.items())}
    return {pk: value for pk, value in ranges.items() if value is not None}


def initiative_roi_range(*, initiative: Initiative) -> RoiRange | None:
    """The money at the ends of the interval of the effect of the experiment the initiative's
    Check rests on: the latest concluded one, else the latest running one, whose primary KPI has a
    target with a unit value and whose effect has an interval. ``None`` otherwise — never a
    made-up range."""
    return initiative_roi_ranges(initiatives=[initiative]).get(initiative.pk)


@dataclass(frozen=True)
class InitiativeProgress:
    """Where an initiative stands: what integrations pull into BI tools and chat bots."""

    initiative: Initiative
    targets: list[TargetProgress]
    money: roi_figures.Money
    roi_range: RoiRange | None = None


def initiative_progress(*, initiative: Initiative) -> InitiativeProgress:
    """``initiative`` fetched through ``initiative_list`` (which annotates milestone counts)."""
    targets = [target_progress(target=t) for t in target_list(initiative_ids=[initiative.pk])]
    return InitiativeProgress(
        initiative=initiative,
        targets=targets,
        money=initiative_money(initiative=initiative),
        roi_range=initiative_roi_range(initiative=initiative),
    )
