"""Reads of the improvement domain, scoped to the requesting user and N+1-proof."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Membership, User
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
    WebhookDelivery,
    WebhookSubscription,
)
from improvement.progress import clamped_progress, improvement_amount, progress
from kpis.models import Direction, Measurement
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.experiments import analyze_experiment
from kpis.stats.power import plan_sample_size


def initiative_visibility_filter(user: User) -> Q | None:
    """The Q that limits initiatives to what ``user`` may read; None means everything."""
    if user.reads_everything:
        return None
    # One small ``IN (subquery)`` per way in, no JOIN: an OR across joined tables cannot use an
    # index (a lead's list took 0.5 s in bench/), and without joins no row is repeated.
    return (
        Q(team__in=Membership.objects.filter(user=user).values("team_id"))
        | Q(lead=user)
        | Q(sponsor=user)
        | Q(pk__in=Initiative.members.through.objects.filter(user=user).values("initiative_id"))
        | Q(pk__in=Milestone.objects.filter(owner=user).values("initiative_id"))
    )


def _readable_initiatives(*, user: User, include_archived: bool = False) -> QuerySet[Initiative]:
    qs = Initiative.objects.all() if include_archived else Initiative.objects.active()
    visibility = initiative_visibility_filter(user)
    if visibility is not None:
        qs = qs.filter(visibility)
    return qs


def initiative_list(*, user: User, include_archived: bool = False) -> QuerySet[Initiative]:
    qs = _readable_initiatives(user=user, include_archived=include_archived)
    today = timezone.localdate()
    return qs.select_related("team", "lead", "sponsor").annotate(
        milestones_total=_milestone_count(Q()),
        milestones_done=_milestone_count(Q(status=MilestoneStatus.DONE)),
        milestones_overdue=_milestone_count(Q(status__in=OPEN_MILESTONE_STATUSES, due_date__lt=today)),
    )


def _milestone_count(condition: Q) -> Coalesce:
    """The initiative's non-archived milestones matching ``condition``, counted per row.

    A correlated subquery rather than a JOIN + GROUP BY: a page of 100 counts the milestones of its
    100 rows only (through the initiative index), and ``count()`` drops it altogether. The JOIN made
    every page group all the initiatives' milestones first (bench/: 10,000 initiatives, 150,000
    milestones).
    """
    counted = (
        Milestone.objects.filter(condition, initiative=OuterRef("pk"), archived_at__isnull=True)
        .order_by()
        .values("initiative")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def initiative_member_ids(initiative_ids: Iterable[int]) -> dict[int, list[int]]:
    """The members' ids of each initiative, the ids alone (no user rows), each list in the order the
    ``members`` relation reads: ``User.Meta.ordering``, by email."""
    members: dict[int, list[int]] = {}
    pairs = (
        Initiative.members.through.objects.filter(initiative_id__in=list(initiative_ids))
        .order_by("user__email")
        .values_list("initiative_id", "user_id")
    )
    for initiative_id, user_id in pairs:
        members.setdefault(initiative_id, []).append(user_id)
    return members


def initiative_get(*, user: User, pk: int) -> Initiative:
    return initiative_list(user=user, include_archived=True).get(pk=pk)


def latest_value_subquery(kpi_ref: str = "kpi_id", segment_ref: str = "segment"):
    return Subquery(
        Measurement.objects.filter(kpi_id=OuterRef(kpi_ref), segment=OuterRef(segment_ref))
        .order_by("-period", "-updated_at")
        .values("value")[:1]
    )


def latest_values_of(targets: QuerySet[KpiTarget]) -> dict[tuple[int, str], float | None]:
    """The latest value of each (kpi, segment) series that ``targets`` follow, in one query.

    Many targets share a series (30 KPIs × 5 segments against thousands of targets): the latest-value
    subquery runs once per series, on one representative target of each, not once per target.
    """
    firsts = targets.order_by().values("kpi_id", "segment").annotate(first=Min("pk")).values("first")
    rows = (
        KpiTarget.objects.filter(pk__in=firsts)
        .annotate(current_value=latest_value_subquery())
        .values_list("kpi_id", "segment", "current_value")
    )
    return {(kpi_id, segment): value for kpi_id, segment, value in rows}


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


def webhook_subscription_list(*, user: User) -> QuerySet[WebhookSubscription]:
    """The caller's own subscriptions; every subscription for admins."""
    qs = WebhookSubscription.objects.select_related("owner")
    return qs if user.is_admin else qs.filter(owner=user)


def webhook_delivery_list(*, subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    """A subscription's delivery log: each delivery with its event and attempts (3 queries a page)."""
    return (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .prefetch_related("attempts")
    )


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


@dataclass(frozen=True)
class _LineTable:
    """The money lines of many initiatives as arrays, row i for the i-th initiative given."""

    index: dict[int, int]
    one_time: np.ndarray
    recurring: np.ndarray
    benefits: np.ndarray
    derived: np.ndarray
    validated: np.ndarray
    to_date: np.ndarray

    def lines(self, rows=slice(None)) -> MoneyLines:
        """The month-by-month sum of some rows (all by default), or one row's lines."""
        return MoneyLines(
            one_time_cost=float(self.one_time[rows].sum()),
            recurring_costs=self.recurring[rows].reshape(-1, self.recurring.shape[1]).sum(axis=0).tolist(),
            benefits=self.benefits[rows].reshape(-1, self.benefits.shape[1]).sum(axis=0).tolist(),
            derived_monthly_benefit=float(self.derived[rows].sum()),
            validated_monthly_benefit=float(self.validated[rows].sum()),
            benefit_to_date=float(self.to_date[rows].sum()),
        )


def _line_table(
    initiatives: Sequence[Any], *, horizon: int, today: dt.date, scope: QuerySet | None = None
) -> _LineTable:
    """Every initiative's money lines, from four queries of plain values (no model instances).

    ``scope``, the queryset the initiatives came from, filters the money rows by a subquery: a
    portfolio of thousands of initiatives would otherwise send (and compile) thousands of ids. The
    month arithmetic runs on arrays (``roi.step_lines``), not per initiative in Python.
    """
    from improvement import roi
    from improvement.models import Benefit, Cost, CostKind

    index = {i.pk: row for row, i in enumerate(initiatives)}
    n = len(index)
    belongs = (
        {"initiative__in": scope.values("pk")} if scope is not None else {"initiative_id__in": list(index)}
    )
    one_time, recurring = ([], []), ([], [], [])
    for pk, kind, amount, start_month in (
        Cost.objects.active().filter(**belongs).values_list("initiative_id", "kind", "amount", "start_month")
    ):
        if (row := index.get(pk)) is None:
            continue
        if kind == CostKind.ONE_TIME:
            one_time[0].append(row)
            one_time[1].append(float(amount))
        else:
            recurring[0].append(row)
            recurring[1].append(start_month)
            recurring[2].append(float(amount))
    benefits, validated = ([], [], []), ([], [])
    for pk, amount, start_month, ok in (
        Benefit.objects.active()
        .filter(**belongs)
        .values_list("initiative_id", "monthly_amount", "start_month", "validated")
    ):
        if (row := index.get(pk)) is None:
            continue
        benefits[0].append(row)
        benefits[1].append(start_month)
        benefits[2].append(float(amount))
        if ok:
            validated[0].append(row)
            validated[1].append(float(amount))
    valued = KpiTarget.objects.active().filter(**belongs).exclude(unit_value_per_month=None)
    latest = latest_values_of(valued)
    derived = ([], [])
    for pk, kpi_id, segment, baseline, direction, unit_value in valued.values_list(
        "initiative_id", "kpi_id", "segment", "baseline_value", "kpi__direction", "unit_value_per_month"
    ):
        gain = improvement_amount(
            baseline=baseline,
            current=latest.get((kpi_id, segment)),
            higher_is_better=direction == Direction.HIGHER,
        )
        if (row := index.get(pk)) is not None and gain is not None and gain > 0:
            derived[0].append(row)
            derived[1].append(gain * float(unit_value))

    def per_row(rows, amounts) -> np.ndarray:
        return np.bincount(np.asarray(rows, dtype=int), weights=amounts, minlength=n).astype(float)

    derived_total = per_row(*derived)
    monthly = roi.step_lines(*benefits, n=n, horizon=horizon) + derived_total[:, None]
    elapsed = np.fromiter(
        (min(months_between(i.start_date, today), horizon) for i in initiatives), dtype=int, count=n
    )
    return _LineTable(
        index=index,
        one_time=per_row(*one_time),
        recurring=roi.step_lines(*recurring, n=n, horizon=horizon),
        benefits=monthly,
        derived=derived_total,
        validated=per_row(*validated),
        # Benefit to date: the months already elapsed since the initiative started.
        to_date=np.where(np.arange(horizon) < elapsed[:, None], monthly, 0.0).sum(axis=1),
    )


def _lines_of(
    initiatives: list[Initiative], *, horizon: int, today: dt.date, scope: QuerySet | None = None
) -> dict[int, MoneyLines]:
    """Each initiative's money lines (see ``_line_table``)."""
    table = _line_table(initiatives, horizon=horizon, today=today, scope=scope)
    return {pk: table.lines(row) for pk, row in table.index.items()}


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


@dataclass(frozen=True)
class _Started:
    pk: int
    start_date: dt.date


def portfolio_money(*, initiatives, today: dt.date | None = None) -> Money:
    """The portfolio as one investment: the month-by-month sum of every initiative's lines.

    Month m of each initiative is counted from its own start date, so the curve shows how the money
    put into improvement comes back, not a calendar view.
    """
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    today = today or timezone.localdate()
    if isinstance(initiatives, QuerySet):
        # Plain (pk, start date) rows, and the money rows filtered by the queryset as a subquery.
        rows = [_Started(*row) for row in initiatives.values_list("pk", "start_date")]
        table = _line_table(rows, horizon=horizon, today=today, scope=initiatives)
    else:
        table = _line_table(list(initiatives), horizon=horizon, today=today)
    return _money(table.lines(), horizon=horizon, annual_rate=rate)


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


@dataclass(frozen=True, slots=True)
class _RollupRow:
    """What the roll-up reads of an initiative: plain values, no model instance per row."""

    pk: int
    team_id: int
    team_name: str
    category: str
    stage: str
    health: str
    status: str
    start_date: dt.date


def portfolio_summary(
    *, user: User, team_id: int | None = None, category: str = "", today: dt.date | None = None
) -> PortfolioSummary:
    """The executive roll-up of the initiatives ``user`` reads (abandoned ones left out).

    Stage and health count active initiatives only; money counts every initiative. Groups reuse
    one load of the money lines, so the query count does not grow with teams or categories.
    """
    # Without the milestone counts of initiative_list: the roll-up does not show them.
    qs = _readable_initiatives(user=user).exclude(status=Status.ABANDONED)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if category:
        qs = qs.filter(category=category)
    fields = ("pk", "team_id", "team__name", "category", "stage", "health", "status", "start_date")
    initiatives = [_RollupRow(*row) for row in qs.order_by("code").values_list(*fields)]
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    table = _line_table(initiatives, horizon=horizon, today=today or timezone.localdate(), scope=qs)

    def group(key_of, label_of) -> list[PortfolioGroup]:
        members: dict[str, list[int]] = {}
        for row, initiative in enumerate(initiatives):
            members.setdefault(key_of(initiative), []).append(row)
        return [
            PortfolioGroup(
                key=key,
                label=label_of(initiatives[rows[0]]),
                initiatives=len(rows),
                money=_money(table.lines(rows), horizon=horizon, annual_rate=rate),
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
        money=_money(table.lines(), horizon=horizon, annual_rate=rate),
        by_team=group(lambda i: str(i.team_id), lambda i: i.team_name),
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
