"""The ranked list, the matrix and the break-point report, computed by the database."""

import datetime as dt
from decimal import Decimal

import pytest

from improvement.models import BreakpointType, IdeaStatus, Quadrant, Stage, Status
from improvement.prioritisation import score
from improvement.selectors.breakpoints import breakpoint_report
from improvement.selectors.priorities import (
    Items,
    PriorityFilters,
    priority_ranking,
    priority_settings_get,
    weights_of,
)
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory, MeasurementFactory
from tests.improvement.priority_factories import make_idea

pytestmark = pytest.mark.django_db


@pytest.fixture
def fcr():
    return KpiFactory(code="fcr", name="FCR", direction="higher")


@pytest.fixture
def aht():
    return KpiFactory(code="aht", name="Handle time", direction="lower", unit="seconds", max_value=None)


def ranked(user, **filters):
    ranking = priority_ranking(
        user=user, filters=PriorityFilters(**filters), settings=priority_settings_get()
    )
    return ranking, list(ranking.rows)


def test_idea_money_is_direction_aware_and_unknown_without_inputs(admin, fcr, aht):
    # 5 points × 0.40 × 12,000 = 24,000; 60 s × 0.01 × 5,000 = 3,000; no volume: unknown.
    a = make_idea(
        kpi=fcr, current_value=70, target_value=75, unit_value=Decimal("0.4"), monthly_volume=12_000
    )
    b = make_idea(
        kpi=aht, current_value=300, target_value=240, unit_value=Decimal("0.01"), monthly_volume=5_000
    )
    c = make_idea(kpi=fcr, current_value=70, target_value=75, unit_value=Decimal("0.4"))
    _, rows = ranked(admin)
    money = {row["item_id"]: row["money"] for row in rows}
    assert money[a.pk] == pytest.approx(24_000)
    assert money[b.pk] == pytest.approx(3_000)
    assert money[c.pk] is None


def test_drafts_and_decided_ideas_do_not_rank(admin):
    shown = make_idea()
    for status in (IdeaStatus.DRAFT, IdeaStatus.ACCEPTED, IdeaStatus.DECLINED, IdeaStatus.MERGED):
        make_idea(status=status)
    _, rows = ranked(admin)
    assert [row["item_id"] for row in rows] == [shown.pk]


def test_only_active_plan_stage_initiatives_rank(admin):
    plan = InitiativeFactory()
    InitiativeFactory(stage=Stage.DO)
    InitiativeFactory(status=Status.ON_HOLD)
    _, rows = ranked(admin, items=Items.INITIATIVES)
    assert [(row["kind"], row["item_id"]) for row in rows] == [("initiative", plan.pk)]


def test_initiative_money_uses_the_latest_measurement_else_the_baseline(admin, fcr, aht):
    initiative = InitiativeFactory()
    # FCR measured at 78 against 85: 7 × 800 = 5,600. Handle time unmeasured: 90 → 30 s, 60 × 10 = 600.
    KpiTargetFactory(
        initiative=initiative, kpi=fcr, baseline_value=70, target_value=85, unit_value_per_month=800
    )
    MeasurementFactory(kpi=fcr, period=dt.date(2026, 1, 1), value=75)
    MeasurementFactory(kpi=fcr, period=dt.date(2026, 2, 1), value=78)
    KpiTargetFactory(
        initiative=initiative, kpi=aht, baseline_value=90, target_value=30, unit_value_per_month=10
    )
    # Not primary: left out.
    KpiTargetFactory(
        initiative=initiative, is_primary=False, baseline_value=0, target_value=100, unit_value_per_month=5
    )
    _, rows = ranked(admin)
    assert rows[0]["money"] == pytest.approx(6_200)


def test_the_ranking_order_and_scores_match_the_formula(admin, fcr):
    settings = priority_settings_get()
    make_idea(value=5, difficulty=1)
    make_idea(
        value=2, difficulty=4, kpi=fcr, current_value=50, target_value=60, unit_value=1, monthly_volume=100
    )
    make_idea(
        value=3, difficulty=3, kpi=fcr, current_value=50, target_value=55, unit_value=1, monthly_volume=100
    )
    InitiativeFactory(impact=4, effort=2)
    ranking, rows = ranked(admin)
    assert ranking.max_money == pytest.approx(1_000)
    expected = [
        score(
            value=r["v"], difficulty=r["d"], money=r["money"], max_money=1_000, weights=weights_of(settings)
        )
        for r in rows
    ]
    assert [r["score"] for r in rows] == pytest.approx(expected)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_filters_by_team_kpi_and_breakpoint(admin, team, fcr):
    mine = make_idea(team=team, kpi=fcr, breakpoint_type=BreakpointType.TECHNICAL)
    make_idea(kpi=fcr)
    make_idea(team=team, breakpoint_type=BreakpointType.TECHNICAL)
    initiative = InitiativeFactory(team=team, breakpoint_type=BreakpointType.TECHNICAL)
    KpiTargetFactory(initiative=initiative, kpi=fcr)
    _, rows = ranked(admin, team=team, kpi=fcr, breakpoint_type=BreakpointType.TECHNICAL)
    assert {(r["kind"], r["item_id"]) for r in rows} == {("idea", mine.pk), ("initiative", initiative.pk)}


def test_a_lead_ranks_only_initiatives_they_may_read(lead, team, other_team):
    InitiativeFactory(team=other_team)
    own = InitiativeFactory(team=team)
    _, rows = ranked(lead, items=Items.INITIATIVES)
    assert [r["item_id"] for r in rows] == [own.pk]


def test_the_matrix_counts_every_item_in_its_cell_and_the_total(admin):
    make_idea(value=5, difficulty=1)
    make_idea(value=5, difficulty=1)
    InitiativeFactory(impact=5, effort=1)
    make_idea(value=1, difficulty=5)
    ranking, _ = ranked(admin)
    cells = {(c.value, c.difficulty): c for c in ranking.cells}
    assert ranking.total == 4
    assert len(cells) == 25
    assert cells[5, 1].count == 3 and cells[5, 1].quadrant == Quadrant.QUICK_WIN
    assert cells[1, 5].count == 1 and cells[1, 5].quadrant == Quadrant.THANKLESS
    assert sum(c.count for c in cells.values()) == 4


def test_breakpoint_report_counts_money_and_on_target_rate(admin, fcr):
    for _ in range(3):
        make_idea(
            breakpoint_type=BreakpointType.INTERACTION,
            kpi=fcr,
            current_value=70,
            target_value=75,
            unit_value=Decimal("1"),
            monthly_volume=10,
        )
    make_idea(breakpoint_type=BreakpointType.TECHNICAL)
    # In Do, with two targets: one met (measured 86 ≥ 85), one not (baseline, nothing measured).
    initiative = InitiativeFactory(stage=Stage.DO, breakpoint_type=BreakpointType.INTERACTION)
    KpiTargetFactory(initiative=initiative, kpi=fcr, baseline_value=70, target_value=85)
    MeasurementFactory(kpi=fcr, value=86)
    KpiTargetFactory(initiative=initiative, baseline_value=1, target_value=2)
    report = breakpoint_report(user=admin, filters=PriorityFilters(), settings=priority_settings_get())
    rows = {row.totals.key: row for row in report.by_type}
    assert [row.totals.key for row in report.by_type] == ["interaction", "technical", "process"]
    interaction = rows["interaction"]
    assert (interaction.totals.ideas, interaction.totals.initiatives) == (3, 1)
    assert interaction.totals.money == pytest.approx(150)
    assert interaction.on_target_rate == pytest.approx(50)
    assert interaction.share == pytest.approx(80)
    assert interaction.reference_share == 52
    assert interaction.difference == pytest.approx(28)
    assert rows["process"].totals.count == 0 and rows["process"].difference == pytest.approx(-31)
    kpi_rows = {row.totals.key: kpis for row, kpis in report.by_kpi}["interaction"]
    assert [k.totals.key for k in kpi_rows] == [f"interaction:{fcr.pk}"]
    assert report.kpi_names[str(fcr.pk)] == "FCR"
