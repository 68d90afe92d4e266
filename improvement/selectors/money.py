"""Reads of costs and benefits, and the money figures of initiatives and of the portfolio.

These functions only fetch plain rows; ``improvement.roi`` assembles the month lines and computes
the figures (see docs/money.md).
"""

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from improvement import roi_figures, roi_portfolio
from improvement.models import (
    Benefit,
    BenefitNature,
    Category,
    Cost,
    CostKind,
    Health,
    Initiative,
    KpiTarget,
    MoneyForecast,
    Stage,
    Status,
)
from improvement.selectors.initiatives import initiative_readable, scope_to_readable
from improvement.selectors.targets import kpi_latest_values
from kpis.models import Direction


def cost_list(*, user: User, include_archived: bool = False) -> QuerySet[Cost]:
    return scope_to_readable(Cost.objects.all() if include_archived else Cost.objects.active(), user=user)


def benefit_list(*, user: User, include_archived: bool = False) -> QuerySet[Benefit]:
    qs = Benefit.objects.all() if include_archived else Benefit.objects.active()
    return scope_to_readable(qs, user=user)


def benefit_get(*, user: User, pk: int) -> Benefit:
    return scope_to_readable(Benefit.objects.active().select_related("initiative"), user=user).get(pk=pk)


def benefit_list_awaiting_validation(*, user: User) -> QuerySet[Benefit]:
    """Claimed benefits not yet validated, of live initiatives ``user`` may read: finance's queue,
    by initiative code (lazy: the page shows it a page at a time). Abandoned initiatives' benefits
    are left out: they count in no figure of the portfolio, and would wait in the queue for good."""
    qs = (
        Benefit.objects.active()
        .filter(validated=False, initiative__archived_at__isnull=True)
        .exclude(initiative__status=Status.ABANDONED)
    )
    qs = scope_to_readable(qs, user=user)
    return qs.select_related("initiative").order_by("initiative__code", "id")


def money_forecast_list(*, initiative: Initiative) -> list[MoneyForecast]:
    """The forecasts locked each time the initiative entered Do, the latest cycle first."""
    return list(MoneyForecast.objects.filter(initiative=initiative).select_related("locked_by"))


def initiative_money_lines(*, initiative: Initiative) -> tuple[list[Cost], list[Benefit]]:
    """The initiative's costs and benefit lines (the page already checked the reader)."""
    costs = list(Cost.objects.active().filter(initiative=initiative).order_by("kind", "id"))
    benefits = list(
        Benefit.objects.active().filter(initiative=initiative).select_related("validated_by").order_by("id")
    )
    return costs, benefits


def money_line_table(
    starts: Sequence[tuple[int, dt.date]], *, horizon: int, today: dt.date, scope: QuerySet | None = None
) -> roi_portfolio.LineTable:
    """Every initiative's money lines, from four queries of plain values (no model instances).

    The rows are read in id order, whatever the filter: an initiative's lines are then added up in
    the same order by every reader, so its summary and a live computation agree to the last bit.

    ``starts`` holds (initiative id, start date) of each initiative. ``scope``, the queryset the
    initiatives came from, filters the money rows by a subquery: a portfolio of thousands of
    initiatives would otherwise send (and compile) thousands of ids.
    """
    belongs = (
        {"initiative__in": scope.values("pk")}
        if scope is not None
        else {"initiative_id__in": list(dict.fromkeys(pk for pk, _ in starts))}
    )
    costs = [
        (pk, kind == CostKind.ONE_TIME, amount, start_month, end_month)
        for pk, kind, amount, start_month, end_month in Cost.objects.active()
        .filter(**belongs)
        .order_by("pk")
        .values_list("initiative_id", "kind", "amount", "start_month", "end_month")
    ]
    benefits = [
        (pk, amount, start_month, validated, nature == BenefitNature.HARD, end_month)
        for pk, amount, start_month, validated, nature, end_month in Benefit.objects.active()
        .filter(**belongs)
        .order_by("pk")
        .values_list("initiative_id", "monthly_amount", "start_month", "validated", "nature", "end_month")
    ]
    valued = KpiTarget.objects.active().filter(**belongs).exclude(unit_value_per_month=None)
    latest = kpi_latest_values(targets=valued)
    valued_targets = [
        (pk, baseline, latest.get((kpi_id, segment)), direction == Direction.HIGHER, unit_value, target)
        for pk, kpi_id, segment, baseline, direction, unit_value, target in valued.order_by("pk").values_list(
            "initiative_id",
            "kpi_id",
            "segment",
            "baseline_value",
            "kpi__direction",
            "unit_value_per_month",
            "target_value",
        )
    ]
    # The forecast of each initiative's latest cycle that locked one (rows by cycle: the last wins).
    forecasts = dict(
        MoneyForecast.objects.filter(**belongs)
        .order_by("initiative_id", "cycle")
        .values_list("initiative_id", "total_benefit")
    )
    return roi_portfolio.line_table(
        starts=starts,
        costs=costs,
        benefits=benefits,
        valued_targets=valued_targets,
        horizon=horizon,
        today=today,
        forecasts=forecasts.items(),
    )


def _money(
    lines: roi_figures.MoneyLines,
    *,
    payback_target: float | None = None,
    horizon: int | None = None,
    annual_rate: float | None = None,
) -> roi_figures.Money:
    """``roi_figures.money_of`` over ``horizon`` months at ``annual_rate``, judged against ``payback_target``
    months (each by default the organisation's)."""
    return roi_figures.money_of(
        lines,
        horizon=settings.PDCA_ROI_HORIZON_MONTHS if horizon is None else horizon,
        annual_rate=settings.PDCA_DISCOUNT_RATE if annual_rate is None else annual_rate,
        payback_target=settings.PDCA_PAYBACK_TARGET_MONTHS if payback_target is None else payback_target,
    )


def initiative_money_many(
    *, initiatives: Sequence[Initiative], today: dt.date | None = None
) -> dict[int, roi_figures.Money]:
    """Money of many initiatives, each over its own horizon at its own discount rate (by default
    the organisation's): a constant number of queries per distinct horizon, whatever their count."""
    by_horizon: dict[int, list[Initiative]] = {}
    for initiative in initiatives:
        by_horizon.setdefault(initiative.roi_horizon, []).append(initiative)
    result = {}
    for horizon, chosen in by_horizon.items():
        starts = [(i.pk, i.start_date) for i in chosen]
        table = money_line_table(starts, horizon=horizon, today=today or timezone.localdate())
        lines = table.per_initiative()
        for initiative in chosen:
            result[initiative.pk] = _money(
                lines[initiative.pk],
                payback_target=initiative.payback_target,
                horizon=horizon,
                annual_rate=initiative.roi_discount_rate,
            )
    # In the order given, as before horizons were grouped.
    return {i.pk: result[i.pk] for i in initiatives}


def initiative_money(*, initiative: Initiative, today: dt.date | None = None) -> roi_figures.Money:
    return initiative_money_many(initiatives=[initiative], today=today)[initiative.pk]


def portfolio_money(*, initiatives: QuerySet[Initiative], today: dt.date | None = None) -> roi_figures.Money:
    """The portfolio as one investment: the month-by-month sum of every initiative's lines.

    Month m of each initiative is counted from its own start date, so the curve shows how the money
    put into improvement comes back, not a calendar view. Plain (pk, start date) rows, and the
    money rows filtered by the queryset as a subquery.
    """
    starts = list(initiatives.values_list("pk", "start_date"))
    horizon = settings.PDCA_ROI_HORIZON_MONTHS
    table = money_line_table(starts, horizon=horizon, today=today or timezone.localdate(), scope=initiatives)
    return _money(table.lines())


# What the money table sorts on: the figure's name on roi_portfolio.Ranking, and its natural direction
# (True: highest first). Rows without the figure (no cost, never paid back) always come last.
MONEY_SORTS = {
    "roi": ("roi_percent", True),
    "payback": ("payback_months", False),
    "npv": ("npv", True),
    "net": ("net_benefit", True),
    "investment": ("total_cost", True),
}
DEFAULT_MONEY_SORT = "roi"


@dataclass(frozen=True, slots=True)
class RankedInitiative:
    """One row of the money table: an initiative's id and the figures it is ranked by."""

    pk: int
    total_cost: float
    total_benefit: float
    net_benefit: float
    roi_percent: float | None
    payback_months: float | None
    npv: float

    @property
    def has_money(self) -> bool:
        return self.total_cost != 0 or self.total_benefit != 0

    @property
    def has_benefit(self) -> bool:
        return self.total_benefit > 0


@dataclass(frozen=True)
class PortfolioRanking:
    money: roi_figures.Money | None
    rows: list[RankedInitiative]


def portfolio_ranking(
    *,
    initiatives: QuerySet[Initiative],
    sort: str = DEFAULT_MONEY_SORT,
    descending: bool | None = None,
    today: dt.date | None = None,
) -> PortfolioRanking:
    """The portfolio's money and its initiatives ranked by one figure, from one load of the lines.

    ``descending`` defaults to the figure's natural direction (ROI highest first, payback soonest
    first). Ties and rows without the figure are ordered by code. The query count does not depend
    on the number of initiatives: the caller fetches the rows of the page it shows.
    """
    table, rows = ranked_table(initiatives=initiatives, sort=sort, descending=descending, today=today)
    return PortfolioRanking(money=_money(table.lines()), rows=rows)


def ranked_table(
    *,
    initiatives: QuerySet[Initiative],
    sort: str = DEFAULT_MONEY_SORT,
    descending: bool | None = None,
    today: dt.date | None = None,
) -> tuple[roi_portfolio.LineTable, list[RankedInitiative]]:
    """The money lines of ``initiatives`` and their rows ranked as ``portfolio_ranking`` says."""
    figure, natural = MONEY_SORTS[sort]
    descending = natural if descending is None else descending
    starts = list(initiatives.order_by().values_list("pk", "start_date", "code"))
    horizon = settings.PDCA_ROI_HORIZON_MONTHS
    table = money_line_table(
        [(pk, start) for pk, start, _ in starts],
        horizon=horizon,
        today=today or timezone.localdate(),
        scope=initiatives,
    )
    ranked = roi_portfolio.ranking(table, horizon=horizon, annual_rate=settings.PDCA_DISCOUNT_RATE)
    rows = ranked_rows([pk for pk, _, _ in starts], ranked)
    codes = {pk: code for pk, _, code in starts}
    rows.sort(key=lambda r: codes[r.pk])
    # Stable sorts: by code, then by the figure, then those without it to the end.
    rows.sort(key=lambda r: getattr(r, figure) or 0.0, reverse=descending)
    rows.sort(key=lambda r: getattr(r, figure) is None)
    return table, rows


def ranked_rows(pks: Sequence[int], ranked: roi_portfolio.Ranking) -> list[RankedInitiative]:
    """The rows of ``ranked`` (entry i for ``pks[i]``), NaN as ``None``."""
    # Whole columns to Python floats at once (``tolist``), not a NumPy scalar per cell.
    columns = zip(
        ranked.total_cost.tolist(),
        ranked.total_benefit.tolist(),
        ranked.net_benefit.tolist(),
        ranked.roi_percent.tolist(),
        ranked.payback_months.tolist(),
        ranked.npv.tolist(),
        strict=True,
    )
    return [
        RankedInitiative(
            pk=pk,
            total_cost=cost,
            total_benefit=benefit,
            net_benefit=net,
            roi_percent=None if math.isnan(roi) else roi,
            payback_months=None if math.isnan(payback) else payback,
            npv=npv,
        )
        for pk, (cost, benefit, net, roi, payback, npv) in zip(pks, columns, strict=True)
    ]


@dataclass(frozen=True)
class PortfolioGroup:
    key: str
    label: str
    initiatives: int
    money: roi_figures.Money


@dataclass(frozen=True)
class PortfolioSummary:
    initiatives: int
    by_stage: dict[str, int]
    by_health: dict[str, int]
    by_status: dict[str, int]
    money: roi_figures.Money
    by_team: list[PortfolioGroup]
    by_category: list[PortfolioGroup]
    # How many are at risk (``initiatives.AT_RISK_DEFINITION``), when the roll-up rows counted them
    # (kept on write and recounted each day); None when not counted. Left out of comparisons: the
    # reference roll-up (``portfolio_summary_live``) does not count it.
    at_risk: int | None = field(default=None, compare=False)
    # The active initiatives' targets by ``progress.kpi_state`` of their kept progress, when the
    # roll-up rows counted them; None when not counted. Left out of comparisons likewise.
    kpi_states: dict[str, int] | None = field(default=None, compare=False)
    # Benefits claimed and awaiting validation, likewise.
    awaiting_validation: int | None = field(default=None, compare=False)


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


def portfolio_summary_live(
    *, user: User, team_id: int | None = None, category: str = "", today: dt.date | None = None
) -> PortfolioSummary:
    """The executive roll-up of the initiatives ``user`` reads (abandoned ones left out), computed
    from the money rows themselves: the reference ``portfolio_rollup.portfolio_summary`` (which
    adds up the money summaries instead) is tested and timed against.

    Stage and health count active initiatives only; money counts every initiative. Groups reuse
    one load of the money lines, so the query count does not grow with teams or categories.
    """
    # Without the milestone counts of initiative_list: the roll-up does not show them.
    qs = initiative_readable(user=user).exclude(status=Status.ABANDONED)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if category:
        qs = qs.filter(category=category)
    fields = ("pk", "team_id", "team__name", "category", "stage", "health", "status", "start_date")
    initiatives = [_RollupRow(*row) for row in qs.order_by("code").values_list(*fields)]
    table = money_line_table(
        [(i.pk, i.start_date) for i in initiatives],
        horizon=settings.PDCA_ROI_HORIZON_MONTHS,
        today=today or timezone.localdate(),
        scope=qs,
    )

    def group(key_of, label_of) -> list[PortfolioGroup]:
        members: dict[str, list[int]] = {}
        for row, initiative in enumerate(initiatives):
            members.setdefault(key_of(initiative), []).append(row)
        return [
            PortfolioGroup(
                key=key,
                label=label_of(initiatives[rows[0]]),
                initiatives=len(rows),
                money=_money(table.lines(rows)),
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
        money=_money(table.lines()),
        by_team=group(lambda i: str(i.team_id), lambda i: i.team_name),
        by_category=group(lambda i: i.category, lambda i: str(Category(i.category).label)),
    )
