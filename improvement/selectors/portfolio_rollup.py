"""The executive roll-up of the portfolio, from the money summaries kept on write.

Each initiative's money is kept in ``InitiativeMoney`` and its month lines in
``InitiativeMoneyMonth``, and each (team, category) of the portfolio in a ``PortfolioRollup`` row,
on every write (``services.money_summaries``, ``services.money_rollup``). A reader of every
initiative adds up those few rows; a reader of some initiatives only has their summaries added up
in SQL, per team and category. Either way the formulas of ``roi_figures.money_of`` are applied to each sum
(docs/money.md), and no money row, target or measurement is read.
"""

import datetime as dt
from collections import Counter

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, Exists, F, FloatField, Min, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from accounts.models import User
from common.revision_cache import revision_cached, revision_name
from improvement import roi_figures
from improvement.models import (
    Category,
    Health,
    Initiative,
    InitiativeMoney,
    InitiativeMoneyMonth,
    PortfolioRollup,
    Stage,
    Status,
)
from improvement.selectors.initiatives import (
    initiative_list_at_risk,
    initiative_portfolio,
    initiative_readable,
    initiative_visibility_filter,
)
from improvement.selectors.money import PortfolioGroup, PortfolioSummary, benefit_list_awaiting_validation
from improvement.selectors.portfolio_rollup_cache import rollup_cached

# What a roll-up row's ``counts`` hold besides status, stage and health (rows written before they
# were counted are counted again).
COUNTED_KEYS = ["at_risk", "kpi", "awaiting"]
# The sums of InitiativeMoney read per (team, category), in this order.
SUMMED_FIELDS = (
    "one_time_cost",
    "derived_monthly_benefit",
    "validated_monthly_benefit",
    "validated_hard",
    "validated_soft",
    "claimed_hard",
    "claimed_soft",
    "derived",
    "target_monthly_benefit",
    "forecast_benefit",
)


def _current(*, horizon: int, rate: float) -> Q:
    return Q(horizon_months=horizon, discount_rate=rate)


def stale_money_summaries(initiatives: QuerySet[Initiative]) -> list[int]:
    """Ids of ``initiatives`` without a summary computed with today's horizon and discount rate."""
    current = InitiativeMoney.objects.filter(
        _current(horizon=settings.PDCA_ROI_HORIZON_MONTHS, rate=settings.PDCA_DISCOUNT_RATE),
        initiative=OuterRef("pk"),
    )
    return list(initiatives.order_by().filter(~Exists(current)).values_list("pk", flat=True))


# The whole portfolio's summaries are checked for a missing or outdated one at most once in this
# long (per horizon and discount rate, which are in the key: a change of settings is checked at
# once). Writes through the models keep every summary current; the check finds those written past
# them (raw SQL, a restore), and reads every initiative (bench/: 56–64 ms at 100,000 initiatives).
MONEY_SUMMARIES_CHECKED = revision_name("money-summaries-checked")
MONEY_SUMMARIES_CHECK_SECONDS = 15 * 60


def heal_every_money_summary() -> None:
    """``heal_money_summaries`` of every initiative, archived and abandoned ones included, unless done
    within ``MONEY_SUMMARIES_CHECK_SECONDS`` under today's settings (with the cache down: each
    time)."""

    def check() -> bool:
        heal_money_summaries(Initiative.objects.all())
        return True

    revision_cached(
        name=MONEY_SUMMARIES_CHECKED,
        key=f"{settings.PDCA_ROI_HORIZON_MONTHS}:{settings.PDCA_DISCOUNT_RATE}",
        compute=check,
        timeout=MONEY_SUMMARIES_CHECK_SECONDS,
    )


def heal_money_summaries(initiatives: QuerySet[Initiative]) -> None:
    """Write the summaries an initiative lacks (rows written before summaries existed, or under
    other settings): one query when none is missing, the usual case."""
    if missing := stale_money_summaries(initiatives):
        # Imported here: selectors do not depend on services, except for this repair.
        from improvement.services.money_summaries import (
            REFRESH_CHUNK,
            money_summaries_refresh,
            money_tables_analyze,
        )

        with transaction.atomic():
            money_summaries_refresh(initiative_ids=missing)
            if len(missing) >= REFRESH_CHUNK:
                # Once committed: ANALYZE would hold its lock on the tables to the end of the transaction.
                transaction.on_commit(money_tables_analyze)


def summed_money(scalars: np.ndarray, lines: np.ndarray, to_date: float) -> roi_figures.Money:
    """``roi_figures.money_of`` of summed lines: ``scalars`` in ``SUMMED_FIELDS`` order, ``lines``
    2 × horizon (recurring costs, benefits)."""
    return roi_figures.money_of(
        roi_figures.MoneyLines(
            one_time_cost=float(scalars[0]),
            recurring_costs=lines[0].tolist(),
            benefits=lines[1].tolist(),
            derived_monthly_benefit=float(scalars[1]),
            validated_monthly_benefit=float(scalars[2]),
            benefit_to_date=float(to_date),
            split=roi_figures.BenefitSplit(*scalars[3:8].tolist()),
            target_monthly_benefit=float(scalars[8]),
            forecast_benefit=float(scalars[9]),
        ),
        horizon=settings.PDCA_ROI_HORIZON_MONTHS,
        annual_rate=settings.PDCA_DISCOUNT_RATE,
        payback_target=settings.PDCA_PAYBACK_TARGET_MONTHS,
    )


class _Part:
    """What one (team, category) adds to the roll-up: counts and sums."""

    __slots__ = (
        "at_risk",
        "awaiting",
        "health",
        "kpi",
        "lines",
        "n",
        "scalars",
        "stage",
        "status",
        "team_name",
        "to_date",
    )

    def __init__(self, team_name: str, horizon: int):
        self.team_name, self.n = team_name, 0
        # Counted by the roll-up rows only: initiatives at risk, targets by ``progress.kpi_state``,
        # benefits awaiting validation.
        self.at_risk: int | None = None
        self.kpi: Counter | None = None
        self.awaiting: int | None = None
        self.status, self.stage, self.health = Counter(), Counter(), Counter()
        self.scalars, self.lines, self.to_date = np.zeros(len(SUMMED_FIELDS)), np.zeros((2, horizon)), 0.0


def _summary(parts: dict[tuple[int, str], _Part]) -> PortfolioSummary:
    def money(keys) -> roi_figures.Money:
        chosen = [parts[k] for k in keys]
        return summed_money(
            sum((p.scalars for p in chosen), np.zeros(len(SUMMED_FIELDS))),
            sum((p.lines for p in chosen), np.zeros((2, settings.PDCA_ROI_HORIZON_MONTHS))),
            sum(p.to_date for p in chosen),
        )

    def groups(key_of, label_of) -> list[PortfolioGroup]:
        grouped: dict[str, list[tuple[int, str]]] = {}
        for key in parts:
            grouped.setdefault(key_of(key), []).append(key)
        return [
            PortfolioGroup(
                key=key, label=label_of(keys[0]), initiatives=sum(parts[k].n for k in keys), money=money(keys)
            )
            for key, keys in sorted(grouped.items())
        ]

    total = {
        name: sum((getattr(p, name) for p in parts.values()), Counter())
        for name in ("status", "stage", "health")
    }
    at_risk = [p.at_risk for p in parts.values()]
    kpi = [p.kpi for p in parts.values()]
    awaiting = [p.awaiting for p in parts.values()]
    return PortfolioSummary(
        awaiting_validation=None if None in awaiting else sum(awaiting),
        at_risk=None if None in at_risk else sum(at_risk),
        kpi_states=None if None in kpi else dict(sum(kpi, Counter())),
        initiatives=sum(p.n for p in parts.values()),
        by_stage={value: total["stage"].get(value, 0) for value in Stage.values},
        by_health={value: total["health"].get(value, 0) for value in Health.values},
        by_status={value: total["status"].get(value, 0) for value in Status.values},
        money=money(list(parts)),
        by_team=groups(lambda k: str(k[0]), lambda k: parts[k].team_name),
        by_category=groups(lambda k: k[1], lambda k: str(Category(k[1]).label)),
    )


def portfolio_summary(
    *, user: User, team_id: int | None = None, category: str = "", today: dt.date | None = None
) -> PortfolioSummary:
    """The executive roll-up of the initiatives ``user`` reads (abandoned ones left out).

    Stage and health count active initiatives only; money counts every initiative. A reader of
    every initiative reads the roll-up rows (a constant number of queries and rows, whatever the
    portfolio's size, once the initiatives are found to have their summaries: cached with the
    answer); another reader has the summaries of what they read added up (three grouped queries).
    Either way every initiative counted has a current summary afterwards (``heal_money_summaries``).
    """
    today = today or timezone.localdate()
    if initiative_visibility_filter(user=user) is None:
        return rollup_cached(
            team_id=team_id,
            category=category,
            today=today,
            compute=lambda: _summary(_parts_from_rollups(team_id=team_id, category=category, today=today)),
        )
    qs = initiative_readable(user=user).exclude(status=Status.ABANDONED)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if category:
        qs = qs.filter(category=category)
    heal_money_summaries(qs)
    return _summary(_parts_from_summaries(qs, today=today))


def portfolio_at_risk_count(*, user: User) -> int:
    """How many of the initiatives ``user`` reads are at risk (``AT_RISK_DEFINITION``): the
    roll-up's count for a reader of every initiative (kept on write), else counted."""
    if initiative_visibility_filter(user=user) is None:
        counted = portfolio_summary(user=user).at_risk
        if counted is not None:
            return counted
    return initiative_list_at_risk(initiatives=initiative_portfolio(user=user)).count()


def benefit_awaiting_validation_count(*, user: User) -> int:
    """How many benefits ``benefit_list_awaiting_validation`` lists for ``user``: the roll-up's
    count (kept on write) for a reader of every initiative, else counted."""
    if initiative_visibility_filter(user=user) is None:
        counted = portfolio_summary(user=user).awaiting_validation
        if counted is not None:
            return counted
    return benefit_list_awaiting_validation(user=user).count()


def _parts_from_rollups(
    *, team_id: int | None, category: str, today: dt.date
) -> dict[tuple[int, str], _Part]:
    _rollups_current(today)
    # An initiative without a current summary (written past the models) is missing from its row too.
    heal_every_money_summary()
    rows = PortfolioRollup.objects.order_by()
    if team_id is not None:
        rows = rows.filter(team_id=team_id)
    if category:
        rows = rows.filter(category=category)
    horizon = settings.PDCA_ROI_HORIZON_MONTHS
    parts = {}
    fields = ("team_id", "team__name", "category", "initiatives", "counts", *SUMMED_FIELDS)
    for team, name, cat, n, counts, *rest in rows.values_list(
        *fields, "recurring_costs", "benefits", "benefit_to_date"
    ):
        part = parts[(team, cat)] = _Part(name, horizon)
        part.n = n
        # None in a row written before they were counted (counted again by ``_rollups_current``).
        part.at_risk = counts.get("at_risk")
        part.kpi = None if "kpi" not in counts else Counter(counts["kpi"])
        part.awaiting = counts.get("awaiting")
        for name_ in ("status", "stage", "health"):
            getattr(part, name_).update(counts[name_])
        part.scalars = np.array(rest[: len(SUMMED_FIELDS)], dtype=float)
        part.lines = np.array(rest[len(SUMMED_FIELDS) : len(SUMMED_FIELDS) + 2], dtype=float).reshape(
            2, horizon
        )
        part.to_date = rest[-1]
    return parts


def _rollups_current(today: dt.date) -> None:
    """The roll-up rows are current, or made so: all of them after a change of settings (or before
    any was written), those counted on an earlier day for their benefit to date and initiatives
    at risk, or before they counted the latter. One query when they are current, the usual case."""
    state = PortfolioRollup.objects.aggregate(
        rows=Count("pk"),
        other_settings=Count(
            "pk", filter=~_current(horizon=settings.PDCA_ROI_HORIZON_MONTHS, rate=settings.PDCA_DISCOUNT_RATE)
        ),
        earliest=Min("as_of"),
        # Rows written before the roll-up counted the initiatives at risk and the targets' progress.
        uncounted=Count("pk", filter=~Q(counts__has_keys=COUNTED_KEYS)),
    )
    # Imported here: selectors do not depend on services, except for this repair.
    from improvement.services.money_rollup import counted_initiatives, portfolio_rollups_refresh
    from improvement.services.money_summaries import money_summaries_rebuild

    if state["other_settings"] or (not state["rows"] and counted_initiatives().exists()):
        money_summaries_rebuild()
    elif (state["earliest"] is not None and state["earliest"] < today) or state["uncounted"]:
        stale = PortfolioRollup.objects.filter(
            Q(as_of__lt=today) | ~Q(counts__has_keys=COUNTED_KEYS)
        ).values_list("team_id", "category")
        with transaction.atomic():
            portfolio_rollups_refresh(keys=set(stale), today=today)


def _parts_from_summaries(qs: QuerySet[Initiative], *, today: dt.date) -> dict[tuple[int, str], _Part]:
    horizon = settings.PDCA_ROI_HORIZON_MONTHS
    parts: dict[tuple[int, str], _Part] = {}
    for team, name, cat, stage, health, status, n in (
        qs.order_by()
        .values_list("team_id", "team__name", "category", "stage", "health", "status")
        .annotate(n=Count("pk"))
    ):
        part = parts.get((team, cat)) or parts.setdefault((team, cat), _Part(name, horizon))
        part.n += n
        part.status[status] += n
        if status == Status.ACTIVE:
            part.stage[stage] += n
            part.health[health] += n
    scope = {"initiative__in": qs.order_by().values("pk")}
    summaries = InitiativeMoney.objects.filter(**scope).filter(
        _current(horizon=horizon, rate=settings.PDCA_DISCOUNT_RATE)
    )
    for team, cat, *values in (
        summaries.order_by()
        .values_list("initiative__team_id", "initiative__category")
        .annotate(**{f"sum_{field}": Sum(field) for field in SUMMED_FIELDS})
    ):
        parts[(team, cat)].scalars = np.array([v or 0.0 for v in values], dtype=float)
    done = Case(
        When(complete_on__lte=today, then=F("benefit")), default=Value(0.0), output_field=FloatField()
    )
    for team, cat, month, cost, benefit, to_date in (
        InitiativeMoneyMonth.objects.filter(**scope, month__lte=horizon)
        .order_by()
        .values_list("initiative__team_id", "initiative__category", "month")
        .annotate(cost=Sum("recurring_cost"), benefit_sum=Sum("benefit"), to_date=Sum(done))
    ):
        part = parts[(team, cat)]
        part.lines[:, month - 1] = (cost, benefit)
        part.to_date += to_date
    return parts
