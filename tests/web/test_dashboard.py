import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from improvement.models import Health, Stage
from improvement.views.dashboard import CSV_HEADER
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    TeamFactory,
    UserFactory,
)
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("improvement:dashboard")
CSV_URL = reverse("improvement:dashboard_csv")


def test_the_dashboard_adds_up_the_portfolios_money(login, executive, team):
    first = InitiativeFactory(team=team)
    CostFactory(initiative=first, amount=Decimal("12000"))
    BenefitFactory(initiative=first, monthly_amount=Decimal("2000"))
    second = InitiativeFactory(team=team)
    CostFactory(initiative=second, amount=Decimal("8000"))
    BenefitFactory(initiative=second, monthly_amount=Decimal("1000"))

    response = login(executive).get(DASHBOARD)

    money = response.context["money"]
    assert money.total_cost == pytest.approx(20000)
    assert money.projected_12m_benefit == pytest.approx(36000)
    assert money.roi_percent == pytest.approx(80)
    assert "20,000" in response.content.decode()
    assert 'id="chart-money"' in response.content.decode()


def test_the_funnel_and_health_count_active_initiatives(login, executive, team):
    InitiativeFactory(team=team, stage=Stage.PLAN, health=Health.ON_TRACK)
    InitiativeFactory(team=team, stage=Stage.CHECK, health=Health.OFF_TRACK)
    InitiativeFactory(team=team, stage=Stage.CHECK, health=Health.AT_RISK, status="on_hold")

    context = login(executive).get(DASHBOARD).context

    assert context["funnel"] == [("Plan", 1), ("Do", 0), ("Check", 1), ("Act", 0)]
    assert context["health"] == [
        ("on_track", "On track", 1),
        ("at_risk", "At risk", 0),
        ("off_track", "Off track", 1),
    ]


def test_the_at_risk_list_puts_off_track_first_and_includes_overdue_work(login, executive, team):
    fine = InitiativeFactory(team=team, health=Health.ON_TRACK)
    slipping = InitiativeFactory(team=team, health=Health.ON_TRACK)
    MilestoneFactory(initiative=slipping, due_date=slipping.start_date)
    at_risk = InitiativeFactory(team=team, health=Health.AT_RISK)
    off_track = InitiativeFactory(team=team, health=Health.OFF_TRACK)

    at_risk_list = login(executive).get(DASHBOARD).context["at_risk"]

    assert [i.pk for i in at_risk_list] == [off_track.pk, at_risk.pk, slipping.pk]
    assert fine.pk not in [i.pk for i in at_risk_list]


def test_kpis_are_counted_on_target_improving_off_target_or_without_data(login, executive, team):
    initiative = InitiativeFactory(team=team)
    for current in (90, 75, 60, None):
        target = KpiTargetFactory(initiative=initiative, baseline_value=70, target_value=85)
        if current is not None:
            MeasurementFactory(kpi=target.kpi, value=current)

    states = login(executive).get(DASHBOARD).context["kpi_states"]

    assert [count for _, _, count in states] == [1, 1, 1, 1]


def test_filters_narrow_the_portfolio_by_team_and_category(login, executive, team, other_team):
    wanted = InitiativeFactory(team=team, category="self_service", health=Health.AT_RISK)
    InitiativeFactory(team=team, category="response_speed", health=Health.AT_RISK)
    InitiativeFactory(team=other_team, category="self_service", health=Health.AT_RISK)

    response = login(executive).get(DASHBOARD, {"team": team.pk, "category": "self_service"})

    assert response.context["initiative_count"] == 1
    assert [i.pk for i in response.context["at_risk"]] == [wanted.pk]


def test_a_lead_sees_the_portfolio_of_their_teams_only(login, lead, team, other_team):
    InitiativeFactory(team=team)
    InitiativeFactory(team=other_team)

    assert login(lead).get(DASHBOARD).context["initiative_count"] == 1


def _portfolio(count):
    team = TeamFactory()
    for _ in range(count):
        initiative = InitiativeFactory(team=team, health=Health.AT_RISK)
        CostFactory(initiative=initiative)
        BenefitFactory(initiative=initiative)
        KpiTargetFactory(initiative=initiative)
        MilestoneFactory(initiative=initiative)


@pytest.mark.parametrize("page", [DASHBOARD, CSV_URL])
def test_the_dashboard_and_export_run_the_same_number_of_queries_for_3n_initiatives(
    login, executive, page, django_capture_on_commit_callbacks, summaries_checked
):
    client = login(executive)
    with django_capture_on_commit_callbacks(execute=True):  # as committed: cached answers drop
        _portfolio(2)
    few = queries_for(client, page)
    with django_capture_on_commit_callbacks(execute=True):
        _portfolio(4)

    assert queries_for(client, page) == few


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.getvalue().decode())))


def test_the_export_has_a_row_per_initiative_with_its_money(login, executive, team):
    initiative = InitiativeFactory(team=team, title="FAQ coverage")
    CostFactory(initiative=initiative, amount=Decimal("1000"))
    BenefitFactory(initiative=initiative, monthly_amount=Decimal("500"))

    response = login(executive).get(CSV_URL)

    rows = _rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert rows[0] == CSV_HEADER
    row = dict(zip(CSV_HEADER, rows[1], strict=True))
    assert (row["Code"], row["Title"], row["Total cost"], row["ROI %"]) == (
        initiative.code,
        "FAQ coverage",
        "1000.0",
        "500.0",
    )


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)"])
def test_the_export_neutralises_cells_a_spreadsheet_would_run(login, executive, dangerous):
    lead = UserFactory(role="lead", full_name=dangerous)
    InitiativeFactory(title=dangerous, team=TeamFactory(name=dangerous), lead=lead)

    row = dict(zip(CSV_HEADER, _rows(login(executive).get(CSV_URL))[1], strict=True))

    assert row["Title"] == row["Team"] == row["Lead"] == "'" + dangerous


def test_negative_money_stays_a_number_in_the_export(login, executive, team):
    initiative = InitiativeFactory(team=team)
    CostFactory(initiative=initiative, amount=Decimal("50000"))

    row = dict(zip(CSV_HEADER, _rows(login(executive).get(CSV_URL))[1], strict=True))

    assert float(row["NPV"]) < 0
    assert row["NPV"].startswith("-")


def test_the_at_risk_list_shows_the_worst_few_and_links_to_all_of_them(login, executive, team, monkeypatch):
    monkeypatch.setattr("improvement.views.dashboard.TOP_ROWS", 2)
    off_track = InitiativeFactory(team=team, health=Health.OFF_TRACK)
    at_risk = InitiativeFactory(team=team, health=Health.AT_RISK)
    slipping = InitiativeFactory(team=team, health=Health.ON_TRACK)
    MilestoneFactory(initiative=slipping, due_date=slipping.start_date)
    client = login(executive)

    response = client.get(DASHBOARD)

    assert [i.pk for i in response.context["at_risk"]] == [off_track.pk, at_risk.pk]
    assert response.context["at_risk_total"] == 3
    everything = client.get(reverse("improvement:initiative_list"), {"at_risk": "on"})
    assert [i.pk for i in everything.context["page"]] == [off_track.pk, at_risk.pk, slipping.pk]


def test_the_kpi_table_shows_the_least_progress_first_and_pages_through_all(
    login, executive, team, monkeypatch
):
    monkeypatch.setattr("improvement.views.dashboard.TOP_ROWS", 2)
    monkeypatch.setattr("improvement.views.dashboard.TARGETS_PER_PAGE", 2)
    initiative = InitiativeFactory(team=team)
    targets = {}
    for current in (90, 75, 60, None):
        target = KpiTargetFactory(initiative=initiative, baseline_value=70, target_value=85)
        if current is not None:
            MeasurementFactory(kpi=target.kpi, value=current)
        targets[current] = target.pk
    client = login(executive)

    top = client.get(DASHBOARD).context
    second = client.get(DASHBOARD, {"targets_page": 2}).context

    assert [row.target.pk for row in top["kpi_rows"]] == [targets[60], targets[75]]
    assert top["kpi_total"] == 4
    assert [row.target.pk for row in second["kpi_rows"]] == [targets[90], targets[None]]


def test_the_cached_first_rows_at_risk_follow_every_write_they_read(
    login, executive, team, other_team, django_capture_on_commit_callbacks
):
    """A reader of everything gets the first rows at risk from the shared cache: after each write they
    depend on, the dashboard and My work show the live list's first rows, for the whole portfolio
    and for a team."""
    import datetime as dt

    from django.utils import timezone

    from improvement.models import MilestoneStatus, Status
    from improvement.selectors.initiatives import initiative_list_at_risk, initiative_portfolio
    from improvement.views.dashboard import TOP_ROWS

    client = login(executive)
    past = timezone.localdate() - dt.timedelta(days=5)
    fine = InitiativeFactory(team=team, health=Health.ON_TRACK)
    slipping = InitiativeFactory(team=team, health=Health.ON_TRACK)
    MilestoneFactory(initiative=slipping, due_date=past)
    elsewhere = InitiativeFactory(team=other_team, health=Health.AT_RISK)
    InitiativeFactory(team=team, health=Health.AT_RISK)

    def shown(**filters) -> tuple[list[int], list[int]]:
        params = {"team": filters["team"].pk} if filters else {}
        rows = client.get(DASHBOARD, params).context["at_risk"]
        live = initiative_list_at_risk(initiatives=initiative_portfolio(user=executive, **filters))
        return [i.pk for i in rows], list(live.values_list("pk", flat=True)[:TOP_ROWS])

    def agree():
        for filters in ({}, {"team": team}):
            cached, live = shown(**filters)
            assert cached == live
        attention = client.get(reverse("improvement:my_work")).context["attention"]
        assert [i.pk for i in attention] == shown()[1][: len(attention)]

    agree()

    def written(instance, **fields):
        for name, value in fields.items():
            setattr(instance, name, value)
        instance.save(update_fields=list(fields))

    writes = [
        lambda: MilestoneFactory(initiative=fine, due_date=past),  # a new overdue milestone
        lambda: MilestoneFactory(initiative=fine, due_date=past),  # more overdue than the other
        lambda: [written(m, status=MilestoneStatus.DONE) for m in fine.milestones.all()],
        lambda: written(slipping, health=Health.OFF_TRACK),
        lambda: written(elsewhere, team=team),
        lambda: written(slipping, status=Status.ON_HOLD),
    ]
    for write in writes:
        with django_capture_on_commit_callbacks(execute=True):
            write()
        agree()


def test_the_first_rows_at_risk_are_ordered_once_between_writes(login, executive, lead, team, monkeypatch):
    from improvement.selectors import initiatives as selectors

    InitiativeFactory(team=team, lead=lead, health=Health.OFF_TRACK)
    original, original_ids = selectors.initiative_at_risk_first, selectors._at_risk_ids
    ordered = []

    def counting(*, initiatives, limit, cache_key=None):
        if cache_key is None:
            ordered.append(limit)
        return original(initiatives=initiatives, limit=limit, cache_key=cache_key)

    def counting_ids(initiatives, limit):
        ordered.append(limit)
        return original_ids(initiatives, limit)

    monkeypatch.setattr(selectors, "_at_risk_ids", counting_ids)
    monkeypatch.setattr("improvement.views.dashboard.initiative_at_risk_first", counting)
    executive_client, lead_client = login(executive), login(lead)

    for _ in range(3):
        assert len(executive_client.get(DASHBOARD).context["at_risk"]) == 1
    assert len(ordered) == 1
    # A reader of some initiatives only: ordered at each read.
    for _ in range(2):
        lead_client.get(DASHBOARD)
    assert len(ordered) == 3
