"""The portfolio roll-up rows (``PortfolioRollup``): one per (team, category), counted again from
the money summaries whenever an initiative in it changes (``money_summaries_refresh``, the
initiative receivers), so the executive roll-up reads a few dozen rows whatever the portfolio's size.
"""

import datetime as dt
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Case, CharField, Count, F, FloatField, Sum, Value, When
from django.utils import timezone

from improvement.models import (
    Benefit,
    Initiative,
    InitiativeMoney,
    InitiativeMoneyMonth,
    KpiTarget,
    PortfolioRollup,
    Status,
)
from improvement.progress import KPI_IMPROVING, KPI_MET, KPI_NO_DATA, KPI_OFF, ON_TARGET_PROGRESS
from improvement.selectors.initiatives import needs_attention
from improvement.selectors.portfolio_rollup_cache import rollup_revision_new

# The sums of InitiativeMoney a roll-up row keeps, as named on both models.
ROLLUP_SUMS = (
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
Key = tuple[int, str]
# ``progress.kpi_state`` of a target's kept progress (``KpiTargetProgress``), in SQL.
KPI_STATE = Case(
    When(kept_progress__progress__isnull=True, then=Value(KPI_NO_DATA)),
    When(kept_progress__progress__gte=ON_TARGET_PROGRESS, then=Value(KPI_MET)),
    When(kept_progress__progress__gt=0, then=Value(KPI_IMPROVING)),
    default=Value(KPI_OFF),
    output_field=CharField(),
)


def counted_initiatives():
    """The initiatives a roll-up counts: not archived, not abandoned."""
    return Initiative.objects.active().exclude(status=Status.ABANDONED)


@transaction.atomic
def initiative_rollup_recount(*, initiative_id: int, today: dt.date | None = None) -> None:
    """A milestone of this initiative was written: it may be at risk now, or no longer. The
    initiatives at risk of its (team, category) are counted again, and only they (one count; the
    whole row is counted again where it lacks the count). The row is locked first, so that of two
    writers the later counts after the earlier has committed."""
    key = counted_initiatives().filter(pk=initiative_id).values_list("team_id", "category").first()
    if key is None:
        return
    row = PortfolioRollup.objects.select_for_update().filter(team_id=key[0], category=key[1]).first()
    if row is None or "at_risk" not in row.counts:
        portfolio_rollups_refresh(keys={key}, today=today)
        return
    at_risk = (
        counted_initiatives()
        .filter(needs_attention(today=today or timezone.localdate()), team_id=key[0], category=key[1])
        .count()
    )
    if at_risk != row.counts["at_risk"]:
        row.counts["at_risk"] = at_risk
        row.save(update_fields=["counts"])
        rollup_revision_new()
        transaction.on_commit(rollup_revision_new)


def portfolio_rollups_refresh(*, keys: Iterable[Key] | None = None, today: dt.date | None = None) -> int:
    """Count again the rows of these (team id, category) keys, every row when ``keys`` is None.

    Three grouped queries over the members of the keys' teams and categories; a key left without
    members loses its row. Returns the number of rows written.
    """
    today = today or timezone.localdate()
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    members = counted_initiatives()
    existing = PortfolioRollup.objects.all()
    if keys is not None:
        keys = set(keys)
        if not keys:
            return 0
        teams, categories = {team for team, _ in keys}, {category for _, category in keys}
        members = members.filter(team_id__in=teams, category__in=categories)
        existing = existing.filter(team_id__in=teams, category__in=categories)
    counts: dict[Key, dict] = {}
    for team, category, stage, health, status, n in (
        members.order_by()
        .values_list("team_id", "category", "stage", "health", "status")
        .annotate(n=Count("pk"))
    ):
        row = counts.setdefault(
            (team, category),
            {"status": {}, "stage": {}, "health": {}, "at_risk": 0, "kpi": {}, "awaiting": 0, "n": 0},
        )
        row["n"] += n
        row["status"][status] = row["status"].get(status, 0) + n
        if status == Status.ACTIVE:
            row["stage"][stage] = row["stage"].get(stage, 0) + n
            row["health"][health] = row["health"].get(health, 0) + n
    # At risk as of ``today``: counted again on the first read of a later day, as the benefit to date.
    for team, category, n in (
        members.filter(needs_attention(today=today))
        .order_by()
        .values_list("team_id", "category")
        .annotate(n=Count("pk"))
    ):
        counts[(team, category)]["at_risk"] = n
    # The active initiatives' targets by class of their kept progress (``progress.kpi_state``): those
    # with a kept row, as the dashboard's worst-first rows walk them.
    for team, category, state, n in (
        KpiTarget.objects.active()
        .filter(
            kept_progress__isnull=False,
            initiative__in=members.filter(status=Status.ACTIVE).order_by().values("pk"),
        )
        .order_by()
        .annotate(state=KPI_STATE)
        .values_list("initiative__team_id", "initiative__category", "state")
        .annotate(n=Count("pk"))
    ):
        counts[(team, category)]["kpi"][state] = n
    # Benefits claimed and awaiting validation (finance's queue).
    for team, category, n in (
        Benefit.objects.active()
        .filter(validated=False, initiative__in=members.order_by().values("pk"))
        .order_by()
        .values_list("initiative__team_id", "initiative__category")
        .annotate(n=Count("pk"))
    ):
        counts[(team, category)]["awaiting"] = n
    scope = {"initiative__in": members.order_by().values("pk")}
    sums = {
        (team, category): values
        for team, category, *values in InitiativeMoney.objects.filter(**scope)
        .order_by()
        .values_list("initiative__team_id", "initiative__category")
        .annotate(**{f"sum_{name}": Sum(name) for name in ROLLUP_SUMS})
    }
    done = Case(
        When(complete_on__lte=today, then=F("benefit")), default=Value(0.0), output_field=FloatField()
    )
    months: dict[Key, np.ndarray] = {}
    for team, category, month, cost, benefit, to_date in (
        InitiativeMoneyMonth.objects.filter(**scope, month__lte=horizon)
        .order_by()
        .values_list("initiative__team_id", "initiative__category", "month")
        .annotate(cost=Sum("recurring_cost"), benefit_sum=Sum("benefit"), to_date=Sum(done))
    ):
        months.setdefault((team, category), np.zeros((3, horizon)))[:, month - 1] = (cost, benefit, to_date)
    rows = []
    for key, count in counts.items():
        lines = months.get(key, np.zeros((3, horizon)))
        values = [float(v or 0.0) for v in sums.get(key, [0.0] * len(ROLLUP_SUMS))]
        rows.append(
            PortfolioRollup(
                team_id=key[0],
                category=key[1],
                horizon_months=horizon,
                discount_rate=rate,
                as_of=today,
                initiatives=count.pop("n"),
                counts=count,
                **dict(zip(ROLLUP_SUMS, values, strict=True)),
                recurring_costs=lines[0].tolist(),
                benefits=lines[1].tolist(),
                benefit_to_date=float(lines[2].sum()),
            )
        )
    fields = [
        f.name for f in PortfolioRollup._meta.concrete_fields if f.name not in {"id", "team", "category"}
    ]
    # Cached summaries of the roll-up are dropped now and again once this transaction commits.
    rollup_revision_new()
    transaction.on_commit(rollup_revision_new)
    PortfolioRollup.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["team", "category"], update_fields=fields
    )
    for team, category in existing.values_list("team_id", "category"):
        if (team, category) not in counts:
            PortfolioRollup.objects.filter(team_id=team, category=category).delete()
    return len(rows)
