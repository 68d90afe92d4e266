"""The executive roll-up of the portfolio, added up in SQL from the money summaries.

Each initiative's money is kept in ``InitiativeMoney`` and its month lines in
``InitiativeMoneyMonth`` on every write (``services.money_summaries``). The roll-up sums them per
team and category in two grouped queries and applies the formulas of ``roi.money_of`` to each sum
(docs/money.md): no money row, target or measurement is read, whatever the portfolio's size.
"""

import datetime as dt
from collections import Counter

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, Exists, F, FloatField, OuterRef, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from accounts.models import User
from improvement import roi
from improvement.models import (
    Category,
    Health,
    Initiative,
    InitiativeMoney,
    InitiativeMoneyMonth,
    Stage,
    Status,
)
from improvement.selectors.initiatives import initiative_readable
from improvement.selectors.money import PortfolioGroup, PortfolioSummary

# The sums of InitiativeMoney read per (team, category), in this order.
_SCALARS = (
    "one_time_cost",
    "derived_monthly_benefit",
    "validated_monthly_benefit",
    "validated_hard",
    "validated_soft",
    "claimed_hard",
    "claimed_soft",
    "derived",
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


def _heal(initiatives: QuerySet[Initiative]) -> None:
    """Write the summaries an initiative lacks (rows written before summaries existed, or under
    other settings): one query when none is missing, the usual case."""
    if missing := stale_money_summaries(initiatives):
        # Imported here: selectors do not depend on services, except for this repair.
        from improvement.services.money_summaries import money_summaries_refresh

        with transaction.atomic():
            money_summaries_refresh(initiative_ids=missing)


def portfolio_summary(
    *, user: User, team_id: int | None = None, category: str = "", today: dt.date | None = None
) -> PortfolioSummary:
    """The executive roll-up of the initiatives ``user`` reads (abandoned ones left out).

    Stage and health count active initiatives only; money counts every initiative. Three grouped
    queries (counts, money sums, month sums) whatever the number of initiatives, teams or categories.
    """
    today = today or timezone.localdate()
    qs = initiative_readable(user=user).exclude(status=Status.ABANDONED)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if category:
        qs = qs.filter(category=category)
    _heal(qs)
    horizon = settings.PDCA_ROI_HORIZON_MONTHS
    counts = list(
        qs.order_by()
        .values_list("team_id", "team__name", "category", "stage", "health", "status")
        .annotate(n=Count("pk"))
    )
    scope = {"initiative__in": qs.order_by().values("pk")}
    summaries = InitiativeMoney.objects.filter(**scope).filter(
        _current(horizon=horizon, rate=settings.PDCA_DISCOUNT_RATE)
    )
    scalars = {
        (team, cat): np.array(values, dtype=float)
        for team, cat, *values in summaries.order_by()
        .values_list("initiative__team_id", "initiative__category")
        .annotate(**{f"sum_{field}": Sum(field) for field in _SCALARS})
    }
    to_date = Case(
        When(complete_on__lte=today, then=F("benefit")), default=Value(0.0), output_field=FloatField()
    )
    months: dict[tuple[int, str], np.ndarray] = {}
    for team, cat, month, cost, benefit, done in (
        InitiativeMoneyMonth.objects.filter(**scope, month__lte=horizon)
        .order_by()
        .values_list("initiative__team_id", "initiative__category", "month")
        .annotate(cost=Sum("recurring_cost"), benefit_sum=Sum("benefit"), to_date=Sum(to_date))
    ):
        months.setdefault((team, cat), np.zeros((3, horizon)))[:, month - 1] = (cost, benefit, done)

    def money(keys) -> roi.Money:
        sums = sum((scalars[k] for k in keys if k in scalars), np.zeros(len(_SCALARS)))
        lines = sum((months[k] for k in keys if k in months), np.zeros((3, horizon)))
        return roi.money_of(
            roi.MoneyLines(
                one_time_cost=float(sums[0]),
                recurring_costs=lines[0].tolist(),
                benefits=lines[1].tolist(),
                derived_monthly_benefit=float(sums[1]),
                validated_monthly_benefit=float(sums[2]),
                benefit_to_date=float(lines[2].sum()),
                split=roi.BenefitSplit(*sums[3:].tolist()),
            ),
            horizon=horizon,
            annual_rate=settings.PDCA_DISCOUNT_RATE,
        )

    members: Counter = Counter()
    team_names: dict[int, str] = {}
    stages, health, statuses = Counter(), Counter(), Counter()
    for team, name, cat, stage, health_value, status, n in counts:
        members[(team, cat)] += n
        team_names[team] = name
        statuses[status] += n
        if status == Status.ACTIVE:
            stages[stage] += n
            health[health_value] += n

    def groups(key_of, label_of) -> list[PortfolioGroup]:
        grouped: dict[str, list[tuple[int, str]]] = {}
        for key in members:
            grouped.setdefault(key_of(key), []).append(key)
        return [
            PortfolioGroup(
                key=key,
                label=label_of(keys[0]),
                initiatives=sum(members[k] for k in keys),
                money=money(keys),
            )
            for key, keys in sorted(grouped.items())
        ]

    return PortfolioSummary(
        initiatives=sum(members.values()),
        by_stage={stage: stages.get(stage, 0) for stage in Stage.values},
        by_health={value: health.get(value, 0) for value in Health.values},
        by_status={value: statuses.get(value, 0) for value in Status.values},
        money=money(list(members)),
        by_team=groups(lambda k: str(k[0]), lambda k: team_names[k[0]]),
        by_category=groups(lambda k: k[1], lambda k: Category(k[1]).label),
    )
