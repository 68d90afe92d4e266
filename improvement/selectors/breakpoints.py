"""Reads of the break-point analysis: ideas and initiatives by service break-point type and KPI.

Ideas are counted and their money added up in the database (one GROUP BY). Initiatives are the
active ones the reader may see, in every stage (the on-target rate needs some past Plan); their
targets are read as plain rows with one latest value per (KPI, segment) series, as the dashboard
reads them. An initiative counts under the KPI of its first primary target (``target_primary_kpi``'s
rule), so every item counts once per table.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Sum

from accounts.models import User
from improvement.models import BreakpointType, KpiTarget, PrioritySettings, Status
from improvement.prioritisation import GroupTotals, ParetoRow, TargetGap, combine, initiative_money, pareto
from improvement.progress import is_on_target, progress
from improvement.selectors.initiatives import initiative_readable
from improvement.selectors.priorities import Items, PriorityFilters, priority_ideas
from improvement.selectors.targets import kpi_latest_values
from kpis.models import Direction, Kpi

NO_KPI = ""


@dataclass(frozen=True)
class BreakpointReport:
    by_type: list[ParetoRow]
    # Per break-point type (in the Pareto order of the types), the KPI rows within it.
    by_kpi: list[tuple[ParetoRow, list[ParetoRow]]]
    kpi_names: dict[str, str]
    reference: dict[str, int]


def _kpi_key(kpi_id: int | None) -> str:
    return NO_KPI if kpi_id is None else str(kpi_id)


def _idea_groups(*, filters: PriorityFilters) -> list[GroupTotals]:
    rows = (
        priority_ideas(filters=filters)
        .order_by()
        .values("breakpoint_type", "kpi_id")
        .annotate(n=Count("pk"), total=Sum("money"))
        .values_list("breakpoint_type", "kpi_id", "n", "total")
    )
    return [
        GroupTotals(key=f"{bp}:{_kpi_key(kpi_id)}", breakpoint_type=bp, ideas=n, money=total)
        for bp, kpi_id, n, total in rows
    ]


def _initiative_groups(*, user: User, filters: PriorityFilters) -> list[GroupTotals]:
    initiatives = initiative_readable(user=user).filter(status=Status.ACTIVE)
    if filters.team is not None:
        initiatives = initiatives.filter(team=filters.team)
    if filters.breakpoint_type:
        initiatives = initiatives.filter(breakpoint_type=filters.breakpoint_type)
    types = dict(initiatives.values_list("pk", "breakpoint_type"))
    targets = KpiTarget.objects.active().filter(initiative__in=initiatives.values("pk"))
    latest = kpi_latest_values(targets=targets)
    rows = targets.order_by("initiative_id", "-is_primary", "id").values_list(
        "initiative_id",
        "kpi_id",
        "segment",
        "baseline_value",
        "target_value",
        "is_primary",
        "unit_value_per_month",
        "kpi__direction",
    )
    first_kpi: dict[int, int] = {}
    gaps: dict[int, list[TargetGap]] = defaultdict(list)
    counted: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for pk, kpi_id, segment, baseline, target, primary, unit, direction in rows:
        current = latest.get((kpi_id, segment))
        counted[pk][0] += 1
        counted[pk][1] += is_on_target(progress(baseline=baseline, target=target, current=current))
        if primary:
            first_kpi.setdefault(pk, kpi_id)
            gaps[pk].append(
                TargetGap(
                    baseline=baseline,
                    target=target,
                    latest=current,
                    unit_value_per_month=None if unit is None else float(unit),
                    higher_is_better=direction == Direction.HIGHER,
                )
            )
    if filters.kpi is not None:
        types = {pk: bp for pk, bp in types.items() if first_kpi.get(pk) == filters.kpi.pk}
    groups = []
    for pk, bp in types.items():
        totals, on_target = counted.get(pk, (0, 0))
        groups.append(
            GroupTotals(
                key=f"{bp}:{_kpi_key(first_kpi.get(pk))}",
                breakpoint_type=bp,
                initiatives=1,
                money=initiative_money(gaps.get(pk, [])),
                targets=totals,
                targets_on_target=on_target,
            )
        )
    return groups


def _regroup(groups: list[GroupTotals], *, key) -> list[GroupTotals]:
    return combine(
        GroupTotals(
            key=key(group),
            breakpoint_type=group.breakpoint_type,
            ideas=group.ideas,
            initiatives=group.initiatives,
            money=group.money,
            targets=group.targets,
            targets_on_target=group.targets_on_target,
        )
        for group in groups
    )


def breakpoint_report(
    *, user: User, filters: PriorityFilters, settings: PrioritySettings
) -> BreakpointReport:
    """The Pareto of break-point types (next to the reference mix) and, within each, of KPIs."""
    groups: list[GroupTotals] = []
    if filters.items in (Items.IDEAS, Items.BOTH):
        groups += _idea_groups(filters=filters)
    if filters.items in (Items.INITIATIVES, Items.BOTH):
        groups += _initiative_groups(user=user, filters=filters)
    by_kpi = combine(groups)
    reference = {str(key): value for key, value in settings.reference_mix.items()}
    # Every type has a row, an empty one too: a type with no breaks is worth seeing next to its share.
    empty = [GroupTotals(key=str(bp), breakpoint_type=str(bp)) for bp in BreakpointType.values]
    types = pareto(combine(_regroup(by_kpi, key=lambda g: g.breakpoint_type) + empty), reference=reference)
    within = [
        (row, pareto([group for group in by_kpi if group.breakpoint_type == row.totals.key])) for row in types
    ]
    kpi_ids = {int(g.key.split(":")[1]) for g in by_kpi if g.key.split(":")[1] != NO_KPI}
    names = {str(pk): name for pk, name in Kpi.objects.filter(pk__in=kpi_ids).values_list("pk", "name")}
    return BreakpointReport(by_type=types, by_kpi=within, kpi_names=names, reference=reference)
