"""The portfolio's money table as rows for an export: every initiative, ranked as on the page.

The ranking and every initiative's figures come from one load of the money lines, computed on
arrays (``roi_portfolio.row_money``: the figures of ``roi_figures.money_of`` without the IRR, which an
export does not show). The rows' own fields are then read a chunk at a time, in plain values (no
model instance, no per-row subquery), so an export of thousands streams instead of being built in
memory first.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from improvement.models import OPEN_MILESTONE_STATUSES, Initiative, Milestone, MilestoneStatus
from improvement.roi_portfolio import RowMoney, row_money
from improvement.selectors.initiatives import is_at_risk
from improvement.selectors.money import DEFAULT_MONEY_SORT, ranked_table

EXPORT_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One initiative of the export: what its row shows, labels already resolved."""

    code: str
    title: str
    team: str
    lead: str
    category: str
    stage: str
    status: str
    health: str
    start_date: dt.date
    target_end_date: dt.date | None
    milestones_done: int
    milestones_total: int
    milestones_overdue: int
    at_risk: bool
    money: RowMoney


_FIELDS = (
    "pk",
    "code",
    "title",
    "team__name",
    "lead__full_name",
    "lead__email",
    "category",
    "stage",
    "status",
    "health",
    "start_date",
    "target_end_date",
)


def _labels(field: str) -> dict[str, str]:
    return {value: str(label) for value, label in Initiative._meta.get_field(field).flatchoices}


def portfolio_export(
    *,
    initiatives: QuerySet[Initiative],
    sort: str = DEFAULT_MONEY_SORT,
    descending: bool | None = None,
    today: dt.date | None = None,
    chunk_size: int | None = None,
) -> Iterator[list[ExportRow]]:
    """``initiatives`` ranked by ``sort`` as the money table is, in chunks of ``chunk_size`` rows
    (``EXPORT_CHUNK`` by default).

    The ranking and the milestone counts are read before this returns; each chunk costs one query
    (its rows) when it is asked for.
    """
    today = today or timezone.localdate()
    table, ranked = ranked_table(initiatives=initiatives, sort=sort, descending=descending, today=today)
    money = row_money(table, annual_rate=settings.PDCA_DISCOUNT_RATE)
    order = [(row.pk, money[table.index[row.pk]]) for row in ranked]
    counts = _milestone_counts(initiatives, today=today)
    return _chunks(order, counts, chunk_size=chunk_size or EXPORT_CHUNK)


def _chunks(
    order: list[tuple[int, RowMoney]], counts: dict[int, tuple[int, int, int]], *, chunk_size: int
) -> Iterator[list[ExportRow]]:
    labels = {field: _labels(field) for field in ("category", "stage", "status", "health")}
    for first in range(0, len(order), chunk_size):
        chunk = order[first : first + chunk_size]
        ids = [pk for pk, _ in chunk]
        fields = {row[0]: row for row in Initiative.objects.filter(pk__in=ids).values_list(*_FIELDS)}
        rows = []
        for pk, money in chunk:
            if (found := fields.get(pk)) is None:
                continue  # deleted since the ranking was read
            _, code, title, team, full_name, email, category, stage, status, health, start, end = found
            done, total, overdue = counts.get(pk, (0, 0, 0))
            rows.append(
                ExportRow(
                    code=code,
                    title=title,
                    team=team,
                    lead=full_name or email,
                    category=labels["category"].get(category, category),
                    stage=labels["stage"].get(stage, stage),
                    status=labels["status"].get(status, status),
                    health=labels["health"].get(health, health),
                    start_date=start,
                    target_end_date=end,
                    milestones_done=done,
                    milestones_total=total,
                    milestones_overdue=overdue,
                    at_risk=is_at_risk(status=status, health=health, milestones_overdue=overdue),
                    money=money,
                )
            )
        yield rows


def _milestone_counts(
    initiatives: QuerySet[Initiative], *, today: dt.date
) -> dict[int, tuple[int, int, int]]:
    """(done, total, overdue) non-archived milestones of each initiative, as ``initiative_list``
    counts them: one grouped query for the whole export (a query per chunk cost more in all)."""
    overdue = Q(status__in=OPEN_MILESTONE_STATUSES, due_date__lt=today)
    grouped = (
        Milestone.objects.filter(initiative__in=initiatives.order_by().values("pk"), archived_at__isnull=True)
        .order_by()
        .values("initiative_id")
        .annotate(
            done=Count("pk", filter=Q(status=MilestoneStatus.DONE)),
            total=Count("pk"),
            overdue=Count("pk", filter=overdue),
        )
        .values_list("initiative_id", "done", "total", "overdue")
    )
    return {pk: (done, total, late) for pk, done, total, late in grouped}
