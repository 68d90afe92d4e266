"""Reads of the prioritisation: the ranked list, the value–difficulty matrix and the settings.

Ideas and Plan-stage initiatives are ranked together in the database: each side is annotated with
its money a month and its score (the formulas of ``improvement.prioritisation``, written as SQL so
that a page of 50,000 ideas is sorted and cut by the database), and the two are one ``UNION ALL``.
Only open ideas (submitted: never drafts, never decided) and active Plan-stage initiatives rank.
"""

from dataclasses import dataclass

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FloatField,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest

from accounts.models import Team, User
from common.paging import CountedRows
from improvement.models import Idea, IdeaStatus, Initiative, KpiTarget, PrioritySettings, Stage, Status
from improvement.models.initiatives import quadrant_for
from improvement.prioritisation import SCORE_MAX, SCORE_MIN, SCORE_SPAN, Weights
from improvement.selectors.initiatives import initiative_readable
from improvement.selectors.targets import _latest_value
from kpis.models import Direction, Kpi


class Items:
    IDEAS = "ideas"
    INITIATIVES = "initiatives"
    BOTH = "both"
    ALL = (IDEAS, INITIATIVES, BOTH)


KIND_IDEA = "idea"
KIND_INITIATIVE = "initiative"


@dataclass(frozen=True)
class PriorityFilters:
    team: Team | None = None
    kpi: Kpi | None = None
    breakpoint_type: str = ""
    items: str = Items.BOTH


def priority_settings_get() -> PrioritySettings:
    """The one settings row, made with the defaults the first time it is asked for."""
    settings = PrioritySettings.objects.order_by("pk").first()
    if settings is None:
        settings, _ = PrioritySettings.objects.get_or_create(pk=1)
    return settings


def weights_of(settings: PrioritySettings) -> Weights:
    return Weights(value=settings.weight_value, money=settings.weight_money, ease=settings.weight_ease)


# --- money and score as SQL -------------------------------------------------------------------------


def _directed_gap(*, current, target, higher: Q):
    """target − current where ``higher`` (the KPI is higher-is-better), current − target otherwise,
    at least 0.

    Only called where both values are known: PostgreSQL's GREATEST skips NULLs (SQLite's MAX does
    not), so an unknown must never reach it."""
    remaining = Case(
        When(higher, then=target - current),
        default=current - target,
        output_field=FloatField(),
    )
    return Greatest(Value(0.0), remaining, output_field=FloatField())


def idea_money_expression():
    known = Q(
        current_value__isnull=False,
        target_value__isnull=False,
        unit_value__isnull=False,
        monthly_volume__isnull=False,
        kpi_id__isnull=False,
    )
    # The KPI's direction by a hashed sub-select of the 30-odd KPIs, not a JOIN on every idea row.
    higher = Q(kpi_id__in=Kpi.objects.filter(direction=Direction.HIGHER).values("pk"))
    money = (
        _directed_gap(current=F("current_value"), target=F("target_value"), higher=higher)
        * Cast("unit_value", FloatField())
        * Cast("monthly_volume", FloatField())
    )
    return Case(When(known, then=money), default=Value(None), output_field=FloatField())


def initiative_money_expression():
    """Σ over the initiative's active primary targets that have a unit value; NULL when none has."""
    current = Coalesce(_latest_value(), F("baseline_value"), output_field=FloatField())
    targets = (
        KpiTarget.objects.active()
        .filter(initiative=OuterRef("pk"), is_primary=True, unit_value_per_month__isnull=False)
        .annotate(
            money=_directed_gap(
                current=current, target=F("target_value"), higher=Q(kpi__direction=Direction.HIGHER)
            )
            * Cast("unit_value_per_month", FloatField())
        )
        .order_by()
        .annotate(total=Func(F("money"), function="SUM", output_field=FloatField()))
        .values("total")
    )
    return Subquery(targets, output_field=FloatField())


def _score_expression(*, value: str, difficulty: str, weights: Weights, max_money: float | None):
    """The SQL of ``prioritisation.score`` (a test checks the two agree on every ranked row)."""
    span = float(SCORE_SPAN)
    value_part = (Cast(value, FloatField()) - Value(float(SCORE_MIN))) / Value(span)
    ease_part = (Value(float(SCORE_MAX)) - Cast(difficulty, FloatField())) / Value(span)
    money_part = Coalesce(F("money"), Value(0.0)) / Value(float(max_money)) if max_money else Value(0.0)
    total = float(weights.total)
    return (
        Value(weights.value / total * 100) * value_part
        + Value(weights.money / total * 100) * money_part
        + Value(weights.ease / total * 100) * ease_part
    )


# --- the items that rank ---------------------------------------------------------------------------


def priority_ideas(*, filters: PriorityFilters) -> QuerySet[Idea]:
    """Open ideas matching ``filters`` (every signed-in person sees submitted ideas)."""
    qs = Idea.objects.active().filter(status=IdeaStatus.SUBMITTED)
    if filters.team is not None:
        qs = qs.filter(team=filters.team)
    if filters.kpi is not None:
        qs = qs.filter(kpi=filters.kpi)
    if filters.breakpoint_type:
        qs = qs.filter(breakpoint_type=filters.breakpoint_type)
    return qs.annotate(money=idea_money_expression())


def priority_initiatives(*, user: User, filters: PriorityFilters) -> QuerySet[Initiative]:
    """Active Plan-stage initiatives ``user`` may read, matching ``filters`` (KPI: a primary target)."""
    qs = initiative_readable(user=user).filter(stage=Stage.PLAN, status=Status.ACTIVE)
    if filters.team is not None:
        qs = qs.filter(team=filters.team)
    if filters.kpi is not None:
        primary = KpiTarget.objects.active().filter(kpi=filters.kpi, is_primary=True)
        qs = qs.filter(pk__in=primary.values("initiative_id"))
    if filters.breakpoint_type:
        qs = qs.filter(breakpoint_type=filters.breakpoint_type)
    return qs.annotate(money=initiative_money_expression())


# Every column an annotation of its own name, so both sides of the UNION list them in this order.
RANK_COLUMNS = ("kind", "item_id", "ref", "name", "v", "d", "money", "score", "bp", "team_ref")


@dataclass(frozen=True)
class MatrixCell:
    value: int
    difficulty: int
    count: int
    quadrant: str


@dataclass(frozen=True)
class Ranking:
    """The ranked rows (best first, a page at a time), the 5×5 grid's counts and the score's scale."""

    rows: CountedRows
    cells: list[MatrixCell]
    weights: Weights
    max_money: float | None

    @property
    def total(self) -> int:
        return self.rows.total


def _sides(*, user: User, filters: PriorityFilters) -> list[QuerySet]:
    """The ideas and the initiatives that rank, each annotated with the columns of ``RANK_COLUMNS``."""
    sides = []
    if filters.items in (Items.IDEAS, Items.BOTH):
        ideas = priority_ideas(filters=filters).annotate(
            kind=Value(KIND_IDEA, output_field=CharField()),
            item_id=F("pk"),
            ref=Value("", output_field=CharField()),
            name=F("title"),
            bp=F("breakpoint_type"),
            v=F("value"),
            d=F("difficulty"),
            team_ref=F("team_id"),
        )
        sides.append(ideas)
    if filters.items in (Items.INITIATIVES, Items.BOTH):
        initiatives = priority_initiatives(user=user, filters=filters).annotate(
            kind=Value(KIND_INITIATIVE, output_field=CharField()),
            item_id=F("pk"),
            ref=F("code"),
            name=F("title"),
            bp=F("breakpoint_type"),
            v=F("impact"),
            d=F("effort"),
            team_ref=F("team_id"),
        )
        sides.append(initiatives)
    return sides


def _grid(sides: list[QuerySet]) -> tuple[list[MatrixCell], float | None]:
    """Per side one GROUP BY (value, difficulty): the count of each cell and the largest money."""
    counts: dict[tuple[int, int], int] = {}
    tops = []
    for side in sides:
        for v, d, n, top in (
            side.order_by()
            .values("v", "d")
            .annotate(n=Count("pk"), top=Max("money"))
            .values_list("v", "d", "n", "top")
        ):
            counts[v, d] = counts.get((v, d), 0) + n
            if top is not None:
                tops.append(top)
    cells = [
        MatrixCell(v, d, counts.get((v, d), 0), quadrant_for(v, d))
        for v in range(SCORE_MAX, SCORE_MIN - 1, -1)
        for d in range(SCORE_MIN, SCORE_MAX + 1)
    ]
    return cells, max(tops) if tops else None


def priority_ranking(*, user: User, filters: PriorityFilters, settings: PrioritySettings) -> Ranking:
    """Ideas and Plan-stage initiatives, best score first (ties: ideas first, then by id).

    One GROUP BY per side counts the 5×5 grid and finds the largest money (the score's scale); the
    rows are one UNION ALL, sorted and cut by the database, that the caller pages. Team names are
    read for the page's rows only (``ranked_rows_named``).
    """
    weights = weights_of(settings)
    sides = _sides(user=user, filters=filters)
    cells, max_money = _grid(sides)
    scored = [
        side.annotate(
            score=_score_expression(value="v", difficulty="d", weights=weights, max_money=max_money)
        )
        .order_by()
        .values(*RANK_COLUMNS)
        for side in sides
    ]
    rows = scored[0].union(*scored[1:], all=True) if len(scored) > 1 else scored[0]
    ranked = CountedRows(rows.order_by("-score", "kind", "item_id"), count=sum(cell.count for cell in cells))
    return Ranking(rows=ranked, cells=cells, weights=weights, max_money=max_money)


def ranked_rows_named(rows) -> list[dict]:
    """A page of ranked rows with their team's name (``team_name``), in one query for the page."""
    rows = list(rows)
    names = dict(Team.objects.filter(pk__in={row["team_ref"] for row in rows}).values_list("pk", "name"))
    return [{**row, "team_name": names.get(row["team_ref"])} for row in rows]
