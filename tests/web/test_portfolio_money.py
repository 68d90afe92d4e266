"""The portfolio's money table, the initiative list's money columns, the currency and "at risk"."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from improvement.models import Health, Stage, Status
from improvement.selectors.initiatives import AT_RISK_DEFINITION
from improvement.services.money import benefit_validate
from improvement.views.dashboard import CSV_HEADER
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    MilestoneFactory,
    TeamFactory,
)
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("improvement:dashboard")
CSV_URL = reverse("improvement:dashboard_csv")
INITIATIVES = reverse("improvement:initiative_list")
MY_WORK = reverse("improvement:my_work")
# The columns of the export before the currency and evidence columns were added: integrations read them.
ORIGINAL_CSV_COLUMNS = [
    "Code", "Title", "Team", "Lead", "Category", "Stage", "Status", "Health", "Start date",
    "Target end date", "Milestones done", "Milestones total", "Milestones overdue", "Total cost",
    "Benefit to date", "Projected 12-month benefit", "ROI %", "Payback months", "NPV",
]  # fmt: skip


def _invested(team, code, *, cost, monthly, **fields):
    """An initiative that cost ``cost`` once and returns ``monthly`` a month (0: no money at all)."""
    initiative = InitiativeFactory(team=team, code=code, title=f"Case {code}", **fields)
    if cost:
        CostFactory(initiative=initiative, amount=Decimal(cost))
    if monthly:
        BenefitFactory(initiative=initiative, monthly_amount=Decimal(monthly))
    return initiative


@pytest.fixture
def cases(team):
    """ROI over 12 months: A 200 %, B 20 %, C −40 %; D has no money (no ROI, no payback)."""
    return {
        "A": _invested(team, "IMP-901", cost=1200, monthly=300),
        "B": _invested(team, "IMP-902", cost=10000, monthly=1000),
        "C": _invested(team, "IMP-903", cost=5000, monthly=250, stage=Stage.DO),
        "D": _invested(team, "IMP-904", cost=0, monthly=0),
    }


def _table(response) -> list[str]:
    return [row.initiative.code for row in response.context["money_rows"]]


def _csv(response) -> list[dict]:
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    assert rows[0] == CSV_HEADER
    return [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]


def test_the_portfolio_ranks_initiatives_by_roi_highest_first_without_roi_last(login, executive, cases):
    response = login(executive).get(DASHBOARD)

    assert _table(response) == ["IMP-901", "IMP-902", "IMP-903", "IMP-904"]
    html = response.content.decode()
    detail = reverse("improvement:initiative_detail", args=[cases["A"].pk])
    assert f'href="{detail}#money-summary"' in html
    assert 'aria-sort="descending"' in html


@pytest.mark.parametrize(
    ("sort", "codes"),
    [
        ("roi_asc", ["IMP-903", "IMP-902", "IMP-901", "IMP-904"]),
        # A pays back after exactly 4 months, B after 10, C never: never comes last either way.
        ("payback_asc", ["IMP-901", "IMP-902", "IMP-903", "IMP-904"]),
        ("payback_desc", ["IMP-902", "IMP-901", "IMP-903", "IMP-904"]),
        ("investment_desc", ["IMP-902", "IMP-903", "IMP-901", "IMP-904"]),
        ("net_desc", ["IMP-901", "IMP-902", "IMP-904", "IMP-903"]),
        ("npv_asc", ["IMP-903", "IMP-904", "IMP-902", "IMP-901"]),
    ],
)
def test_the_money_table_sorts_by_each_figure_both_ways(login, executive, cases, sort, codes):
    assert _table(login(executive).get(DASHBOARD, {"sort": sort})) == codes


def test_a_column_heading_reverses_the_current_order_and_sorts_others_their_natural_way(
    login, executive, cases
):
    headers = {
        h["key"]: h for h in login(executive).get(DASHBOARD, {"sort": "roi_desc"}).context["sort_headers"]
    }

    assert "sort=roi_asc" in headers["roi"]["url"] and headers["roi"]["sort"] == "descending"
    assert "sort=payback_asc" in headers["payback"]["url"] and headers["payback"]["sort"] == ""


def test_the_money_table_filters_by_stage_status_search_and_risk(login, executive, team, cases):
    client = login(executive)
    cases["B"].status = Status.ON_HOLD
    cases["B"].save(update_fields=["status"])
    MilestoneFactory(initiative=cases["D"], due_date=timezone.localdate() - dt.timedelta(days=3))

    assert _table(client.get(DASHBOARD, {"stage": Stage.DO})) == ["IMP-903"]
    assert _table(client.get(DASHBOARD, {"status": Status.ON_HOLD})) == ["IMP-902"]
    assert _table(client.get(DASHBOARD, {"q": "imp-90"})) == ["IMP-901", "IMP-902", "IMP-903", "IMP-904"]
    assert _table(client.get(DASHBOARD, {"q": "Case IMP-903"})) == ["IMP-903"]
    assert _table(client.get(DASHBOARD, {"at_risk": "on"})) == ["IMP-904"]
    assert _table(client.get(DASHBOARD, {"team": TeamFactory().pk})) == []


def test_the_money_table_pages_through_the_whole_ranking(login, executive, cases, monkeypatch):
    monkeypatch.setattr("improvement.views.dashboard.MONEY_ROWS_PER_PAGE", 3)
    client = login(executive)

    second = client.get(DASHBOARD, {"sort": "roi_desc", "page": 2})

    assert _table(second) == ["IMP-904"]
    assert [row.rank for row in second.context["money_rows"]] == [4]
    assert "page=2" in client.get(DASHBOARD, {"sort": "roi_desc"}).content.decode()


def test_the_export_is_the_table_as_filtered_and_sorted_with_its_currency(login, executive, cases, settings):
    settings.PDCA_CURRENCY = "CHF"
    client = login(executive)

    rows = _csv(client.get(CSV_URL, {"sort": "payback_asc", "stage": Stage.PLAN}))

    assert [row["Code"] for row in rows] == ["IMP-901", "IMP-902", "IMP-904"]
    assert {row["Currency"] for row in rows} == {"CHF"}
    assert CSV_HEADER[: len(ORIGINAL_CSV_COLUMNS)] == ORIGINAL_CSV_COLUMNS
    a = rows[0]
    assert (a["Total cost"], a["ROI %"], a["Payback months"], a["Net benefit"]) == (
        "1200.0",
        "200.0",
        "4.0",
        "2400.0",
    )
    # D has no money: no ROI, no payback (empty cells, not 0).
    assert (rows[2]["ROI %"], rows[2]["Payback months"]) == ("", "")
    page = client.get(DASHBOARD, {"sort": "payback_asc", "stage": Stage.PLAN})
    assert f'{CSV_URL}?sort=payback_asc&amp;stage=plan"' in page.content.decode()


def test_amounts_on_the_portfolio_carry_the_configured_currency(login, executive, cases, settings):
    html = login(executive).get(DASHBOARD).content.decode()
    assert "€16,200" in html  # the total investment: 1,200 + 10,000 + 5,000
    settings.PDCA_CURRENCY = "USD"
    assert "$16,200" in login(executive).get(DASHBOARD).content.decode()


def test_an_initiative_without_money_shows_a_dash_for_payback_not_zero_months(login, executive, cases):
    client = login(executive)
    detail = client.get(reverse("improvement:initiative_detail", args=[cases["D"].pk]))
    html = detail.content.decode()

    assert "0.0 months" not in html
    assert "No payback yet: add costs and benefits" in html
    assert 'href="#money"' in html  # the summary at the top links to the money section
    money = client.get(f"/api/v1/initiatives/{cases['D'].pk}/progress/").json()["money"]
    assert (money["payback_months"], money["roi_percent"], money["currency"]) == (None, None, "EUR")


def test_the_money_summary_near_the_top_shows_roi_payback_and_npv(login, executive, cases):
    html = (
        login(executive).get(reverse("improvement:initiative_detail", args=[cases["A"].pk])).content.decode()
    )
    summary = html[html.index('id="money-summary"') : html.index('id="stage"')]

    assert "200 %" in summary or "200.0 %" in summary
    assert "4.0 months" in summary
    assert "€" in summary


def test_totals_separate_validated_from_claimed_and_hard_from_soft(login, executive, finance, team):
    initiative = _invested(team, "IMP-950", cost=1000, monthly=0)
    hard = BenefitFactory(initiative=initiative, monthly_amount=Decimal("100"), nature="hard")
    BenefitFactory(initiative=initiative, monthly_amount=Decimal("50"), nature="soft")
    client = login(executive)

    before = client.get(DASHBOARD).context["money"].split
    benefit_validate(actor=finance, benefit=hard)
    after = client.get(DASHBOARD).context["money"].split

    assert (before.validated, before.not_validated, before.hard, before.soft) == (0, 1800, 1200, 600)
    assert (after.validated, after.not_validated, after.validated_hard) == (1200, 600, 1200)
    assert "by whether finance validated it" in client.get(DASHBOARD).content.decode()


def test_the_portfolio_and_my_work_agree_on_what_is_at_risk(login, executive, team):
    today = timezone.localdate()
    off_track = InitiativeFactory(team=team, health=Health.OFF_TRACK)
    at_risk = InitiativeFactory(team=team, health=Health.AT_RISK)
    slipping = InitiativeFactory(team=team, health=Health.ON_TRACK)
    MilestoneFactory(initiative=slipping, due_date=today - dt.timedelta(days=2))
    InitiativeFactory(team=team, health=Health.ON_TRACK)  # fine
    InitiativeFactory(team=team, health=Health.OFF_TRACK, status=Status.ON_HOLD)  # paused
    client = login(executive)

    portfolio = client.get(DASHBOARD)
    my_work = client.get(MY_WORK)

    expected = [off_track.pk, at_risk.pk, slipping.pk]
    assert [i.pk for i in portfolio.context["at_risk"]] == expected
    assert [i.pk for i in my_work.context["attention"]] == expected
    listed = client.get(INITIATIVES, {"at_risk": "on"})
    assert [row.initiative.pk for row in listed.context["rows"]] == expected
    for response in (portfolio, my_work):
        assert AT_RISK_DEFINITION in response.content.decode()
    assert "1 milestone overdue" in my_work.content.decode()


def test_the_initiative_list_shows_and_sorts_by_money(login, executive, cases):
    client = login(executive)

    by_code = client.get(INITIATIVES)
    by_payback = client.get(INITIATIVES, {"sort": "payback_asc"})

    assert [row.initiative.code for row in by_code.context["rows"]] == [
        "IMP-901",
        "IMP-902",
        "IMP-903",
        "IMP-904",
    ]
    assert [row.initiative.code for row in by_payback.context["rows"]] == [
        "IMP-901",
        "IMP-902",
        "IMP-903",
        "IMP-904",
    ]
    by_investment = client.get(INITIATIVES, {"sort": "investment_asc"})
    assert [row.initiative.code for row in by_investment.context["rows"]] == [
        "IMP-904",
        "IMP-901",
        "IMP-903",
        "IMP-902",
    ]
    html = by_code.content.decode()
    assert "€10,000" in html and "200.0 %" in html and "4.0 mo" in html


def test_the_api_names_the_currency_and_splits_the_benefit(login, executive, cases, settings):
    settings.PDCA_CURRENCY = "GBP"
    client = login(executive)

    summary = client.get("/api/v1/portfolio/summary/").json()["money"]
    benefit = client.get("/api/v1/benefits/").json()["results"][0]

    assert summary["currency"] == benefit["currency"] == "GBP"
    assert summary["benefit_validated"] == 0
    assert summary["benefit_not_validated"] == summary["benefit_hard"] == (300 + 1000 + 250) * 12


def _money_portfolio(count):
    team = TeamFactory()
    for n in range(count):
        initiative = InitiativeFactory(team=team, health=Health.AT_RISK)
        CostFactory(initiative=initiative, amount=Decimal(1000 + n))
        BenefitFactory(initiative=initiative)
        MilestoneFactory(initiative=initiative)


@pytest.mark.parametrize(
    "url",
    [
        DASHBOARD + "?sort=payback_asc",
        DASHBOARD + "?sort=roi_desc&page=2",
        CSV_URL + "?sort=npv_desc",
        INITIATIVES,
        INITIATIVES + "?sort=roi_desc",
        MY_WORK,
    ],
)
def test_money_pages_run_the_same_number_of_queries_for_3n_initiatives(
    login, executive, url, monkeypatch, django_capture_on_commit_callbacks, summaries_checked
):
    monkeypatch.setattr("improvement.views.dashboard.MONEY_ROWS_PER_PAGE", 2)
    monkeypatch.setattr("improvement.views.initiatives.PAGE_SIZE", 2)
    client = login(executive)
    with django_capture_on_commit_callbacks(execute=True):  # as committed: cached answers drop
        _money_portfolio(3)
    few = queries_for(client, url)
    with django_capture_on_commit_callbacks(execute=True):
        _money_portfolio(6)

    assert queries_for(client, url) == few


def test_a_summary_lost_past_the_models_is_written_again_by_the_next_money_sorted_list(
    login, executive, monkeypatch, summaries_checked
):
    from improvement.models import Initiative, InitiativeMoney

    monkeypatch.setattr("improvement.views.initiatives.PAGE_SIZE", 2)
    _money_portfolio(3)
    client = login(executive)
    client.get(INITIATIVES, {"sort": "roi_desc"})
    lost = Initiative.objects.order_by("code").first()
    InitiativeMoney.objects.filter(initiative=lost).delete()  # past the models, after the check

    pages = [client.get(INITIATIVES, {"sort": "roi_desc", "page": n}) for n in (1, 2)]

    listed = [row.initiative.pk for page in pages for row in page.context["rows"]]
    assert sorted(listed) == sorted(Initiative.objects.values_list("pk", flat=True))
    assert InitiativeMoney.objects.filter(initiative=lost).exists()


def test_the_dashboards_last_money_page_is_not_short_of_a_summary_lost_since_the_last_check(
    login, executive, monkeypatch
):
    from improvement.models import Initiative, InitiativeMoney

    monkeypatch.setattr("improvement.views.dashboard.MONEY_ROWS_PER_PAGE", 2)
    _money_portfolio(3)
    client = login(executive)
    client.get(DASHBOARD)  # every summary checked, the roll-up's answer cached
    lost = Initiative.objects.order_by("code").first()
    InitiativeMoney.objects.filter(initiative=lost).delete()  # past the models

    last = client.get(DASHBOARD, {"page": 2})

    assert len(last.context["money_rows"]) == 1
    assert InitiativeMoney.objects.filter(initiative=lost).exists()
