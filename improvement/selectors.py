"""Reads of the improvement domain, scoped to the requesting user and N+1-proof."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from accounts.models import User
from improvement.models import (
    OPEN_MILESTONE_STATUSES,
    Benefit,
    Category,
    Cost,
    Experiment,
    Health,
    Initiative,
    KpiTarget,
    MdeType,
    MetricType,
    Milestone,
    MilestoneStatus,
    Stage,
    StageTransition,
    Status,
    StatusUpdate,
    Variant,
    VariantData,
)
from improvement.progress import clamped_progress, improvement_amount, progress
from kpis.models import Measurement
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.experiments import analyze_experiment
from kpis.stats.power import plan_sample_size


def initiative_visibility_filter(user: User) -> Q | None:
    """The Q that limits initiatives to what ``user`` may read; None means everything."""
    if user.reads_everything:
        return None
    return (
        Q(team__memberships__user=user)
        | Q(lead=user)
        | Q(sponsor=user)
        | Q(members=user)
        | Q(milestones__owner=user)
    )


def initiative_list(*, user: User, include_archived: bool = False) -> QuerySet[Initiative]:
    qs = Initiative.objects.all() if include_archived else Initiative.objects.active()
    visibility = initiative_visibility_filter(user)
    if visibility is not None:
        qs = qs.filter(pk__in=Initiative.objects.filter(visibility).values("pk"))
    today = timezone.localdate()
    open_milestones = Q(milestones__archived_at__isnull=True)
    return qs.select_related("team", "lead", "sponsor").annotate(
        milestones_total=Count("milestones", filter=open_milestones, distinct=True),
        milestones_done=Count(
            "milestones", filter=open_milestones & Q(milestones__status=MilestoneStatus.DONE), distinct=True
        ),
        milestones_overdue=Count(
            "milestones",
            filter=open_milestones
            & Q(milestones__status__in=OPEN_MILESTONE_STATUSES, milestones__due_date__lt=today),
            distinct=True,
        ),
    )


def initiative_get(*, user: User, pk: int) -> Initiative:
    return initiative_list(user=user, include_archived=True).get(pk=pk)


def latest_value_subquery(kpi_ref: str = "kpi_id", segment_ref: str = "segment"):
    return Subquery(
        Measurement.objects.filter(kpi_id=OuterRef(kpi_ref), segment=OuterRef(segment_ref))
        .order_by("-period", "-updated_at")
        .values("value")[:1]
    )


def target_list(*, initiative_ids=None) -> QuerySet[KpiTarget]:
    qs = KpiTarget.objects.active().select_related("kpi").annotate(current_value=latest_value_subquery())
    if initiative_ids is not None:
        qs = qs.filter(initiative_id__in=initiative_ids)
    return qs


@dataclass(frozen=True)
class TargetProgress:
    target: KpiTarget
    current: float | None
    progress: float | None
    progress_clamped: float | None
    improvement: float | None


def target_progress(target: KpiTarget) -> TargetProgress:
    """Progress of a target fetched through ``target_list`` (which annotates ``current_value``)."""
    current = getattr(target, "current_value", None)
    raw = progress(baseline=target.baseline_value, target=target.target_value, current=current)
    return TargetProgress(
        target=target,
        current=current,
        progress=raw,
        progress_clamped=clamped_progress(raw),
        improvement=improvement_amount(
            baseline=target.baseline_value, current=current, higher_is_better=target.kpi.higher_is_better
        ),
    )


def _visible(qs: QuerySet, *, user: User) -> QuerySet:
    """Limit rows that belong to an initiative to those of initiatives ``user`` may read."""
    visibility = initiative_visibility_filter(user)
    if visibility is None:
        return qs
    return qs.filter(initiative__in=Initiative.objects.filter(visibility).values("pk"))


def milestone_list(*, user: User, include_archived: bool = False) -> QuerySet[Milestone]:
    qs = Milestone.objects.all() if include_archived else Milestone.objects.active()
    qs = _visible(qs.select_related("initiative", "owner", "initiative__team"), user=user)
    return qs.prefetch_related(Prefetch("dependencies", queryset=Milestone.objects.only("id", "title")))


def kpi_target_list(*, user: User, include_archived: bool = False) -> QuerySet[KpiTarget]:
    """Targets of the initiatives ``user`` may read, each annotated with its ``current_value``."""
    qs = KpiTarget.objects.all() if include_archived else KpiTarget.objects.active()
    qs = qs.select_related("kpi").annotate(current_value=latest_value_subquery())
    return _visible(qs, user=user)


def status_update_list(*, user: User) -> QuerySet[StatusUpdate]:
    return _visible(StatusUpdate.objects.select_related("author"), user=user)


def cost_list(*, user: User, include_archived: bool = False) -> QuerySet[Cost]:
    return _visible(Cost.objects.all() if include_archived else Cost.objects.active(), user=user)


def benefit_list(*, user: User, include_archived: bool = False) -> QuerySet[Benefit]:
    qs = Benefit.objects.all() if include_archived else Benefit.objects.active()
    return _visible(qs, user=user)


def transition_list(*, user: User) -> QuerySet[StageTransition]:
    return _visible(StageTransition.objects.select_related("actor"), user=user)


def my_milestones(*, user: User, today: dt.date | None = None) -> list[Milestone]:
    """The user's open milestones, overdue first, then by due date."""
    today = today or timezone.localdate()
    rows = list(
        Milestone.objects.active()
        .filter(owner=user, status__in=OPEN_MILESTONE_STATUSES)
        .select_related("initiative")
        .order_by("due_date", "id")
    )
    return sorted(rows, key=lambda m: (not m.is_overdue(today=today), m.due_date))


def status_feed(*, initiative: Initiative) -> QuerySet[StatusUpdate]:
    return StatusUpdate.objects.filter(initiative=initiative).select_related("author")


@dataclass(frozen=True)
class MoneyLines:
    """Month-by-month amounts over the horizon (index 0 = month 1)."""

    one_time_cost: float
    recurring_costs: list[float]
    benefits: list[float]
    derived_monthly_benefit: float
    validated_monthly_benefit: float
    benefit_to_date: float

    def __add__(self, other: "MoneyLines") -> "MoneyLines":
        return MoneyLines(
            one_time_cost=self.one_time_cost + other.one_time_cost,
            recurring_costs=[a + b for a, b in zip(self.recurring_costs, other.recurring_costs, strict=True)],
            benefits=[a + b for a, b in zip(self.benefits, other.benefits, strict=True)],
            derived_monthly_benefit=self.derived_monthly_benefit + other.derived_monthly_benefit,
            validated_monthly_benefit=self.validated_monthly_benefit + other.validated_monthly_benefit,
            benefit_to_date=self.benefit_to_date + other.benefit_to_date,
        )


@dataclass(frozen=True)
class Money:
    """An initiative's (or the portfolio's) money over the ROI horizon; see docs/money.md."""

    lines: MoneyLines
    horizon_months: int
    total_cost: float
    total_benefit: float
    projected_12m_benefit: float
    cash_flows: list[float]
    cumulative: list[float]
    roi_percent: float | None
    payback_months: float | None
    npv: float
    irr_monthly: float | None
    irr_annual: float | None

    @property
    def one_time_cost(self) -> float:
        return self.lines.one_time_cost

    @property
    def benefit_to_date(self) -> float:
        return self.lines.benefit_to_date


MONTHS_PER_YEAR = 12


def months_between(start: dt.date, today: dt.date) -> int:
    """Whole months from ``start`` to ``today`` (0 until the first month is complete)."""
    months = (today.year - start.year) * MONTHS_PER_YEAR + (today.month - start.month)
    if today.day < start.day:
        months -= 1
    return max(months, 0)


def _lines_of(initiatives: list[Initiative], *, horizon: int, today: dt.date) -> dict[int, MoneyLines]:
    from improvement.models import Benefit, Cost, CostKind

    ids = [i.pk for i in initiatives]
    costs: dict[int, list[Cost]] = {pk: [] for pk in ids}
    benefits: dict[int, list[Benefit]] = {pk: [] for pk in ids}
    derived: dict[int, float] = dict.fromkeys(ids, 0.0)
    for cost in Cost.objects.active().filter(initiative_id__in=ids):
        costs[cost.initiative_id].append(cost)
    for benefit in Benefit.objects.active().filter(initiative_id__in=ids):
        benefits[benefit.initiative_id].append(benefit)
    for target in target_list(initiative_ids=ids).exclude(unit_value_per_month=None):
        gain = target_progress(target).improvement
        if gain is not None and gain > 0:
            derived[target.initiative_id] += gain * float(target.unit_value_per_month)

    months = range(1, horizon + 1)
    result = {}
    for initiative in initiatives:
        own_costs, own_benefits = costs[initiative.pk], benefits[initiative.pk]
        monthly_benefits = [
            sum(float(b.monthly_amount) for b in own_benefits if b.start_month <= m) + derived[initiative.pk]
            for m in months
        ]
        elapsed = min(months_between(initiative.start_date, today), horizon)
        result[initiative.pk] = MoneyLines(
            one_time_cost=sum(float(c.amount) for c in own_costs if c.kind == CostKind.ONE_TIME),
            recurring_costs=[
                sum(float(c.amount) for c in own_costs if c.kind == CostKind.RECURRING and c.start_month <= m)
                for m in months
            ],
            benefits=monthly_benefits,
            derived_monthly_benefit=derived[initiative.pk],
            validated_monthly_benefit=sum(float(b.monthly_amount) for b in own_benefits if b.validated),
            benefit_to_date=sum(monthly_benefits[:elapsed]),
        )
    return result


def _money(lines: MoneyLines, *, horizon: int, annual_rate: float) -> Money:
    from improvement import roi

    summary = roi.summarise(
        one_time_costs=lines.one_time_cost,
        monthly_recurring_costs=lines.recurring_costs,
        monthly_benefits=lines.benefits,
        horizon_months=horizon,
        annual_discount_rate=annual_rate,
    )
    return Money(
        lines=lines,
        horizon_months=horizon,
        total_cost=summary.total_cost,
        total_benefit=summary.total_benefit,
        projected_12m_benefit=sum(lines.benefits[:MONTHS_PER_YEAR]),
        cash_flows=list(summary.cash_flows),
        cumulative=list(summary.cumulative),
        roi_percent=summary.roi_percent,
        payback_months=summary.payback_months,
        npv=summary.npv,
        irr_monthly=summary.irr_monthly,
        irr_annual=summary.irr_annual,
    )


def initiatives_money(*, initiatives, today: dt.date | None = None) -> dict[int, Money]:
    """Money of many initiatives in a constant number of queries, whatever their count."""
    initiatives = list(initiatives)
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    lines = _lines_of(initiatives, horizon=horizon, today=today or timezone.localdate())
    return {pk: _money(row, horizon=horizon, annual_rate=rate) for pk, row in lines.items()}


def initiative_money(*, initiative: Initiative, today: dt.date | None = None) -> Money:
    return initiatives_money(initiatives=[initiative], today=today)[initiative.pk]


def portfolio_money(*, initiatives, today: dt.date | None = None) -> Money:
    """The portfolio as one investment: the month-by-month sum of every initiative's lines.

    Month m of each initiative is counted from its own start date, so the curve shows how the money
    put into improvement comes back, not a calendar view.
    """
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    lines = _lines_of(list(initiatives), horizon=horizon, today=today or timezone.localdate())
    empty = MoneyLines(0.0, [0.0] * horizon, [0.0] * horizon, 0.0, 0.0, 0.0)
    return _money(sum(lines.values(), empty), horizon=horizon, annual_rate=rate)


@dataclass(frozen=True)
class InitiativeProgress:
    """Where an initiative stands: what integrations pull into BI tools and chat bots."""

    initiative: Initiative
    targets: list[TargetProgress]
    money: Money


def initiative_progress(*, initiative: Initiative) -> InitiativeProgress:
    """``initiative`` fetched through ``initiative_list`` (which annotates milestone counts)."""
    targets = [target_progress(t) for t in target_list(initiative_ids=[initiative.pk])]
    return InitiativeProgress(
        initiative=initiative, targets=targets, money=initiative_money(initiative=initiative)
    )


@dataclass(frozen=True)
class PortfolioGroup:
    key: str
    label: str
    initiatives: int
    money: Money


@dataclass(frozen=True)
class PortfolioSummary:
    initiatives: int
    by_stage: dict[str, int]
    by_health: dict[str, int]
    by_status: dict[str, int]
    money: Money
    by_team: list[PortfolioGroup]
    by_category: list[PortfolioGroup]


def portfolio_summary(
    *, user: User, team_id: int | None = None, category: str = "", today: dt.date | None = None
) -> PortfolioSummary:
    """The executive roll-up of the initiatives ``user`` reads (abandoned ones left out).

    Stage and health count active initiatives only; money counts every initiative. Groups reuse
    one load of the money lines, so the query count does not grow with teams or categories.
    """
    qs = initiative_list(user=user).exclude(status=Status.ABANDONED)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if category:
        qs = qs.filter(category=category)
    initiatives = list(qs.order_by("code"))
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    lines = _lines_of(initiatives, horizon=horizon, today=today or timezone.localdate())
    empty = MoneyLines(0.0, [0.0] * horizon, [0.0] * horizon, 0.0, 0.0, 0.0)

    def group(key_of, label_of) -> list[PortfolioGroup]:
        members: dict[str, list[Initiative]] = {}
        for initiative in initiatives:
            members.setdefault(key_of(initiative), []).append(initiative)
        return [
            PortfolioGroup(
                key=key,
                label=label_of(rows[0]),
                initiatives=len(rows),
                money=_money(sum((lines[i.pk] for i in rows), empty), horizon=horizon, annual_rate=rate),
            )
            for key, rows in sorted(members.items())
        ]

    active = [i for i in initiatives if i.status == Status.ACTIVE]
    stages, health = Counter(i.stage for i in active), Counter(i.health for i in active)
    statuses = Counter(i.status for i in initiatives)
    return PortfolioSummary(
        initiatives=len(initiatives),
        by_stage={stage: stages.get(stage, 0) for stage in Stage.values},
        by_health={value: health.get(value, 0) for value in Health.values},
        by_status={value: statuses.get(value, 0) for value in Status.values},
        money=_money(sum(lines.values(), empty), horizon=horizon, annual_rate=rate),
        by_team=group(lambda i: str(i.team_id), lambda i: i.team.name),
        by_category=group(lambda i: i.category, lambda i: Category(i.category).label),
    )


def experiment_list(*, user: User, include_archived: bool = False) -> QuerySet[Experiment]:
    """Experiments of the initiatives ``user`` may read, with what their lists and pages show."""
    qs = Experiment.objects.all() if include_archived else Experiment.objects.active()
    qs = qs.select_related("initiative", "primary_kpi", "concluded_by")
    return _visible(qs, user=user).prefetch_related(
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


def variant_totals(variants: Iterable[Variant]) -> dict[int, dict[str, float]]:
    """Each variant's summed rows (its totals, or the sum of its days), keyed by variant id."""
    sums = (
        VariantData.objects.filter(variant__in=list(variants))
        .values("variant")
        .annotate(
            users=Sum("users"), conversions=Sum("conversions"), sum=Sum("sum"), sum_squares=Sum("sum_squares")
        )
    )
    return {row["variant"]: row for row in sums}


def experiment_aggregates(
    *, experiment: Experiment, variants: list[Variant] | None = None
) -> dict[str, ProportionAggregate | MeanAggregate]:
    """Each variant's totals as ``kpis.stats`` aggregates; a variant without data has zero users."""
    variants = list(experiment.variants.all()) if variants is None else list(variants)
    totals = variant_totals(variants)
    result: dict[str, ProportionAggregate | MeanAggregate] = {}
    for variant in variants:
        row = totals.get(variant.pk) or {"users": 0, "conversions": 0, "sum": 0.0, "sum_squares": 0.0}
        if experiment.metric_type == MetricType.PROPORTION:
            result[variant.key] = ProportionAggregate(int(row["users"]), int(row["conversions"]))
        else:
            result[variant.key] = MeanAggregate(
                int(row["users"]), float(row["sum"]), float(row["sum_squares"])
            )
    return result


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
    result = analyze_experiment(
        metric=experiment.metric_type,
        control=control.key,
        aggregates=experiment_aggregates(experiment=experiment, variants=variants),
        weights={v.key: v.weight for v in variants},
        alpha=experiment.alpha,
        power=experiment.power,
        mde=experiment.mde,
        mde_type=experiment.mde_type,
    ).as_dict()
    names = {v.key: v.name or v.key for v in variants}
    for summary in result["variants"]:
        summary["name"] = names[summary["key"]]
        summary["is_control"] = summary["key"] == control.key
    result["users"] = sum(summary["users"] for summary in result["variants"])
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
