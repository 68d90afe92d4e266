"""Each initiative's money summary (``InitiativeMoney`` and its months), rewritten in the
transaction of every write that changes the initiative's money.

What changes an initiative's money: its costs and benefit lines, its KPI targets (baseline, unit
value, archiving), its start date, the direction of a KPI it follows and the latest measurement of
a series one of its valued targets follows. ``improvement.receivers`` calls the functions below on
each of those writes; ``rebuild_money_summaries`` rewrites every row (after a change of
``PDCA_ROI_HORIZON_MONTHS`` or ``PDCA_DISCOUNT_RATE``). The figures are ``roi_figures.money_of``'s, from
the same month lines the live computation builds (docs/money.md).
"""

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from improvement import roi_figures, roi_portfolio
from improvement.models import Initiative, InitiativeMoney, InitiativeMoneyMonth, KpiTarget, PortfolioRollup
from improvement.selectors.money import money_line_table
from improvement.selectors.targets import kpi_latest_values
from improvement.services.money_rollup import portfolio_rollups_refresh
from improvement.services.target_progress import series_targets, targets_progress_refresh
from kpis.models import Direction, Measurement

REFRESH_CHUNK = 1000
# The task that refreshes the summaries following a batch of written series (improvement.tasks).
MONEY_SERIES_TASK = "improvement.refresh_money_for_series"
SUMMARY_FIELDS = [
    "horizon_months",
    "discount_rate",
    "initiative_horizon_months",
    "initiative_discount_rate",
    "start_date",
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
    "total_cost",
    "total_benefit",
    "projected_12m_benefit",
    "roi_percent",
    "payback_months",
    "discounted_payback_months",
    "npv",
    "irr_monthly",
    "irr_annual",
    "computed_at",
    "team_id_counted",
    "category_counted",
    "stage_counted",
    "health_counted",
    "status_counted",
    "archived_counted",
]
# What the roll-up groups and counts an initiative by, as read from the initiative.
KEY_FIELDS = ("team_id", "category", "stage", "health", "status", "archived_at")


def month_complete_on(start: dt.date, month: int) -> dt.date:
    """The first day on which ``roi.months_between(start, day) >= month``.

    The same day of the month ``month`` months later; when that month is too short for the day
    (31 January + 1 month), the first of the month after it.
    """
    index = start.month - 1 + month
    year, month_of_year = start.year + index // 12, index % 12 + 1
    if start.day <= calendar.monthrange(year, month_of_year)[1]:
        return dt.date(year, month_of_year, start.day)
    return dt.date(year + month_of_year // 12, month_of_year % 12 + 1, 1)


def _counted(key: tuple) -> dict:
    team_id, category, stage, health, status, archived_at = key
    return {
        "team_id_counted": team_id,
        "category_counted": category,
        "stage_counted": stage,
        "health_counted": health,
        "status_counted": status,
        "archived_counted": archived_at is not None,
    }


def _summary(
    pk: int,
    start: dt.date,
    money: roi_figures.Money,
    key: tuple,
    *,
    horizon: int,
    rate: float,
    own: tuple[int | None, float | None],
    figures: roi_figures.Money,
) -> InitiativeMoney:
    """The row of ``money`` (over the organisation's ``horizon`` at its ``rate``: what the roll-ups
    add up) with the headline ``figures`` over the initiative's ``own`` horizon and rate."""
    split = money.split
    return InitiativeMoney(
        **_counted(key),
        initiative_id=pk,
        horizon_months=horizon,
        discount_rate=rate,
        initiative_horizon_months=own[0],
        initiative_discount_rate=own[1],
        start_date=start,
        one_time_cost=money.one_time_cost,
        derived_monthly_benefit=money.lines.derived_monthly_benefit,
        validated_monthly_benefit=money.lines.validated_monthly_benefit,
        validated_hard=split.validated_hard,
        validated_soft=split.validated_soft,
        claimed_hard=split.claimed_hard,
        claimed_soft=split.claimed_soft,
        derived=split.derived,
        target_monthly_benefit=money.lines.target_monthly_benefit,
        forecast_benefit=money.lines.forecast_benefit,
        total_cost=figures.total_cost,
        total_benefit=figures.total_benefit,
        projected_12m_benefit=figures.projected_12m_benefit,
        roi_percent=figures.roi_percent,
        payback_months=figures.payback_months,
        discounted_payback_months=figures.discounted_payback_months,
        npv=figures.npv,
        irr_monthly=figures.irr_monthly,
        irr_annual=figures.irr_annual,
        computed_at=timezone.now(),
    )


@transaction.atomic
def money_summaries_refresh(*, initiative_ids: Iterable[int], rollups: bool = True) -> int:
    """Rewrite the summaries of these initiatives (archived ones included) and, unless ``rollups``
    is false, the roll-up rows they were and are counted in; ids of initiatives that no longer
    exist are skipped. Returns the number of summaries written."""
    ids = sorted(set(initiative_ids))
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    written = 0
    for first in range(0, len(ids), REFRESH_CHUNK):
        chunk = ids[first : first + REFRESH_CHUNK]
        found = (
            Initiative.objects.filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "start_date", "horizon_months", "discount_rate", *KEY_FIELDS)
        )
        keys = {pk: tuple(key) for pk, _, _, _, *key in found}
        starts = [(pk, start) for pk, start, *_ in found]
        owns = {pk: (own_horizon, own_rate) for pk, _, own_horizon, own_rate, *_ in found}
        if not starts:
            continue
        touched = set(
            InitiativeMoney.objects.filter(initiative_id__in=chunk).values_list(
                "team_id_counted", "category_counted"
            )
        ) | {key[:2] for key in keys.values()}
        # ``today`` only moves the benefit to date, which the summary does not keep (see ``complete_on``).
        table = money_line_table(starts, horizon=horizon, today=timezone.localdate())
        own_tables = _own_horizon_tables(starts, owns, horizon=horizon)
        summaries, months = [], []
        for pk, start in starts:
            money = roi_figures.money_of(table.lines(table.index[pk]), horizon=horizon, annual_rate=rate)
            own_horizon, own_rate = owns[pk]
            figures = money
            if (own_horizon or horizon, rate if own_rate is None else own_rate) != (horizon, rate):
                own_table = own_tables.get(own_horizon, table)
                figures = roi_figures.money_of(
                    own_table.lines(own_table.index[pk]),
                    horizon=own_horizon or horizon,
                    annual_rate=rate if own_rate is None else own_rate,
                )
            summaries.append(
                _summary(
                    pk, start, money, keys[pk], horizon=horizon, rate=rate, own=owns[pk], figures=figures
                )
            )
            months += [
                InitiativeMoneyMonth(
                    initiative_id=pk,
                    month=month,
                    recurring_cost=money.lines.recurring_costs[month - 1],
                    benefit=money.lines.benefits[month - 1],
                    complete_on=month_complete_on(start, month),
                )
                for month in range(1, horizon + 1)
            ]
        # Upserts, not delete + insert: two writers of one initiative cannot collide on its key.
        InitiativeMoney.objects.bulk_create(
            summaries, update_conflicts=True, unique_fields=["initiative"], update_fields=SUMMARY_FIELDS
        )
        InitiativeMoneyMonth.objects.bulk_create(
            months,
            update_conflicts=True,
            unique_fields=["initiative", "month"],
            update_fields=["recurring_cost", "benefit", "complete_on"],
        )
        InitiativeMoneyMonth.objects.filter(initiative_id__in=chunk, month__gt=horizon).delete()
        written += len(summaries)
        if rollups:
            portfolio_rollups_refresh(keys=touched)
    return written


def _own_horizon_tables(
    starts: list[tuple[int, dt.date]], owns: Mapping[int, tuple], *, horizon: int
) -> dict[int, roi_portfolio.LineTable]:
    """The lines of the initiatives with a horizon of their own, one table per such horizon."""
    by_horizon: dict[int, list[tuple[int, dt.date]]] = {}
    for pk, start in starts:
        own = owns[pk][0]
        if own is not None and own != horizon:
            by_horizon.setdefault(own, []).append((pk, start))
    return {
        own: money_line_table(chosen, horizon=own, today=timezone.localdate())
        for own, chosen in by_horizon.items()
    }


def money_summaries_rebuild() -> int:
    """Every initiative's summary, rewritten a chunk at a time (each chunk in its own transaction),
    every target's progress, then every roll-up row."""
    ids = list(Initiative.objects.order_by("pk").values_list("pk", flat=True))
    written = sum(
        money_summaries_refresh(initiative_ids=ids[first : first + REFRESH_CHUNK], rollups=False)
        for first in range(0, len(ids), REFRESH_CHUNK)
    )
    with transaction.atomic():
        targets_progress_refresh(targets=KpiTarget.objects.all())
    with transaction.atomic():
        PortfolioRollup.objects.all().delete()
        portfolio_rollups_refresh()
    money_tables_analyze()
    return written


def money_tables_analyze() -> None:
    """PostgreSQL: refresh the planner's statistics of the summary tables after many of their rows
    were written at once. Without them a table first filled that way keeps the statistics of its
    empty state until autovacuum comes by (or for good where it is off), and the readers'
    anti-joins on it were planned as nested loops over every row (84 ms instead of 2 for a
    dashboard's portfolio of 600 at 10,000 initiatives)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in (InitiativeMoney, InitiativeMoneyMonth, PortfolioRollup):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@transaction.atomic
def initiative_counted_again(*, initiative: Initiative) -> None:
    """After an initiative was saved: a new start date, horizon or discount rate rewrites its
    summary; a new team, category,
    stage, health, status or archiving counts its old and new roll-up rows again."""
    stored = (
        InitiativeMoney.objects.filter(pk=initiative.pk)
        .values_list(
            "start_date", "initiative_horizon_months", "initiative_discount_rate", *_counted_fields()
        )
        .first()
    )
    key = tuple(getattr(initiative, field) for field in KEY_FIELDS)
    own = (initiative.start_date, initiative.horizon_months, initiative.discount_rate)
    if stored is None or tuple(stored[:3]) != own:
        money_summaries_refresh(initiative_ids=[initiative.pk])
        return
    counted, now = stored[3:], _counted(key)
    if list(counted) == list(now.values()):
        return
    InitiativeMoney.objects.filter(pk=initiative.pk).update(**now)
    portfolio_rollups_refresh(keys={(counted[0], counted[1]), key[:2]})


def _counted_fields() -> list[str]:
    return [field for field in SUMMARY_FIELDS if field.endswith("_counted")]


def series_periods_to_args(periods: Mapping[tuple[int, str], dt.date]) -> list[list]:
    """``periods`` as a task's JSON arguments: ``[[kpi id, segment, "YYYY-MM-DD"], …]``."""
    return [[kpi_id, segment, str(period)] for (kpi_id, segment), period in sorted(periods.items())]


def series_periods_from_args(rows: list[list]) -> dict[tuple[int, str], dt.date]:
    return {
        (int(kpi_id), str(segment)): dt.date.fromisoformat(period[:10]) for kpi_id, segment, period in rows
    }


@transaction.atomic
def money_summaries_refresh_series(*, periods: Mapping[tuple[int, str], dt.date]) -> int:
    """After measurements were written or deleted — ``periods`` maps each (KPI id, segment) series
    to the latest period written or deleted in it — write the progress of the series' targets
    (``target_progress``) and the summaries of the initiatives whose KPI-derived benefit moved, and
    only those. A series whose latest period is later than every
    period written kept its latest value: nothing to do (one index lookup per series).

    Run after the write committed (a task), two refreshes may overlap: the summary rows of the
    initiatives concerned are locked first, in id order, and the latest values read after that, so
    the refresh that writes last read the last committed values."""
    series = set()
    as_date = Measurement._meta.get_field("period").to_python  # a row saved with "2026-01-31" text
    for (kpi_id, segment), written in periods.items():
        period = as_date(written)
        latest = Measurement.objects.filter(kpi_id=kpi_id, segment=segment).aggregate(latest=Max("period"))[
            "latest"
        ]
        if latest is None or period >= latest:
            series.add((kpi_id, segment))
    if not series:
        return 0
    # The targets' progress first: the roll-up rows counted again below count the new values.
    counted = targets_progress_refresh(targets=series_targets(series))
    written = _series_money_refresh(series)
    if counted:
        portfolio_rollups_refresh(keys=counted)
    return written


def _series_money_refresh(series: set[tuple[int, str]]) -> int:
    """The summaries of the initiatives valuing these series whose derived benefit moved."""
    valued = KpiTarget.objects.active().exclude(unit_value_per_month=None)
    following = {
        pk
        for pk, kpi_id, segment in valued.filter(kpi_id__in={kpi for kpi, _ in series}).values_list(
            "initiative_id", "kpi_id", "segment"
        )
        if (kpi_id, segment) in series
    }
    if not following:
        return 0
    list(
        InitiativeMoney.objects.select_for_update()
        .filter(initiative_id__in=following)
        .order_by("initiative_id")
        .values_list("initiative_id", flat=True)
    )
    stored = dict(
        InitiativeMoney.objects.filter(initiative_id__in=following).values_list(
            "initiative_id", "derived_monthly_benefit"
        )
    )
    targets = valued.filter(initiative_id__in=following)
    latest = kpi_latest_values(targets=targets)
    valued_targets = [
        (pk, baseline, latest.get((kpi_id, segment)), direction == Direction.HIGHER, unit_value)
        for pk, kpi_id, segment, baseline, direction, unit_value in targets.order_by("pk").values_list(
            "initiative_id", "kpi_id", "segment", "baseline_value", "kpi__direction", "unit_value_per_month"
        )
    ]
    ordered = sorted(following)
    # The derived benefit as ``line_table`` computes it: the same sums in the same order.
    table = roi_portfolio.line_table(
        starts=[(pk, timezone.localdate()) for pk in ordered],
        costs=[],
        benefits=[],
        valued_targets=valued_targets,
        horizon=1,
        today=timezone.localdate(),
    )
    moved = [pk for pk in ordered if stored.get(pk) != float(table.derived[table.index[pk]])]
    return money_summaries_refresh(initiative_ids=moved) if moved else 0
