"""The money table ranked from the kept summaries: the same order and figures as the ranking
computed from the money rows, and the portfolio's money the same as the live sum."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from improvement.models import Initiative, InitiativeMoney, Stage, Status
from improvement.selectors.initiatives import initiative_portfolio
from improvement.selectors.money import MONEY_SORTS, portfolio_money, portfolio_ranking
from improvement.selectors.money_ranking import KeptRanking, portfolio_ranking_kept, ranked_initiatives
from improvement.services import money_summaries
from improvement.services.money_summaries import money_summaries_rebuild
from tests.factories import CostFactory, InitiativeFactory
from tests.improvement.test_money_summaries import _random_portfolio

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("improvement:dashboard")
RANKED_FIGURES = ("total_cost", "total_benefit", "net_benefit", "roi_percent", "payback_months", "npv")
MONEY_FIGURES = (
    "total_cost", "total_benefit", "benefit_to_date", "projected_12m_benefit", "roi_percent",
    "payback_months", "npv", "irr_annual",
)  # fmt: skip


def _same_figures(kept, live, names) -> None:
    for name in names:
        a, b = getattr(kept, name), getattr(live, name)
        assert (a is None) == (b is None), name
        if a is not None:
            assert a == pytest.approx(b, rel=1e-9, abs=1e-6), name


def _own_settings(made: list[Initiative]) -> None:
    """A few initiatives set a horizon, a discount rate or both of their own (saved: the summary
    follows). The ranking is still over the organisation's."""
    for initiative, own in zip(made[::4], [(24, None), (None, 0.2), (6, 0.01)], strict=False):
        initiative.horizon_months, initiative.discount_rate = own
        initiative.save()


@pytest.mark.parametrize("seed", [4, 5])
@pytest.mark.parametrize("sort", list(MONEY_SORTS))
@pytest.mark.parametrize("descending", [None, True, False])
def test_the_kept_ranking_is_the_live_ranking(seed, sort, descending):
    made = _random_portfolio(seed, 14)
    _own_settings(made)
    assert InitiativeMoney.objects.exclude(
        initiative_horizon_months=None, initiative_discount_rate=None
    ).exists()
    everything = Initiative.objects.all()

    kept = ranked_initiatives(initiatives=everything, sort=sort, descending=descending)
    live = portfolio_ranking(initiatives=everything, sort=sort, descending=descending).rows

    assert [row.pk for row in kept] == [row.pk for row in live]
    for a, b in zip(kept, live, strict=True):
        _same_figures(a, b, RANKED_FIGURES)


def test_an_initiative_with_its_own_horizon_is_ranked_over_the_organisations(settings):
    settings.PDCA_ROI_HORIZON_MONTHS = 12
    initiative = InitiativeFactory(horizon_months=36)
    CostFactory(initiative=initiative, kind="recurring", amount=Decimal("100"), start_month=1)
    stored = InitiativeMoney.objects.get(pk=initiative.pk)
    assert stored.total_cost == pytest.approx(3600)  # the initiative's own 36 months

    (row,) = ranked_initiatives(initiatives=Initiative.objects.filter(pk=initiative.pk))
    assert row.total_cost == pytest.approx(1200)  # the organisation's 12


def test_a_missing_or_outdated_summary_is_written_before_ranking(settings):
    made = _random_portfolio(6, 6)
    live = portfolio_ranking(initiatives=Initiative.objects.all()).rows
    InitiativeMoney.objects.filter(pk=made[0].pk).delete()
    InitiativeMoney.objects.filter(pk=made[1].pk).update(discount_rate=0.5)

    kept = ranked_initiatives(initiatives=Initiative.objects.all())

    assert [row.pk for row in kept] == [row.pk for row in live]
    for a, b in zip(kept, live, strict=True):
        _same_figures(a, b, RANKED_FIGURES)
    assert InitiativeMoney.objects.filter(pk=made[1].pk).get().discount_rate == settings.PDCA_DISCOUNT_RATE


def test_a_page_of_the_ranking_reads_the_same_queries_for_any_count():
    _random_portfolio(7, 3)
    _own_settings(list(Initiative.objects.order_by("pk")))
    list(ranked_initiatives(initiatives=Initiative.objects.all())[:2])
    with CaptureQueriesContext(connection) as few:
        ranked = ranked_initiatives(initiatives=Initiative.objects.all())
        page, count = ranked[:2], len(ranked)
    _own_settings(_random_portfolio(8, 40))
    list(ranked_initiatives(initiatives=Initiative.objects.all())[:2])
    with CaptureQueriesContext(connection) as many:
        ranked = ranked_initiatives(initiatives=Initiative.objects.all())
        page, count = ranked[:2], len(ranked)
    assert count == 43 and len(page) == 2
    assert len(many) == len(few)


@pytest.mark.parametrize("sort", ["roi", "payback", "net"])
def test_every_page_of_the_kept_ranking_is_that_page_of_the_live_ranking(sort):
    _own_settings(_random_portfolio(12, 23))
    live = [row.pk for row in portfolio_ranking(initiatives=Initiative.objects.all(), sort=sort).rows]
    kept = ranked_initiatives(initiatives=Initiative.objects.all(), sort=sort)

    for size in (1, 4, 7):
        pages = [[row.pk for row in kept[start : start + size]] for start in range(0, len(live), size)]
        assert [pk for page in pages for pk in page] == live, size
    assert [row.pk for row in kept[5:3]] == []
    assert kept[-1].pk == live[-1] and kept[0].pk == live[0]
    with pytest.raises(IndexError):
        kept[len(live)]


def test_a_deep_page_reads_a_page_of_rows_not_every_row_before_it(monkeypatch):
    """With initiatives of their own settings merged in, page k still reads about a page of
    ordinary rows from the database, not the k pages before it."""
    _own_settings(_random_portfolio(13, 30))
    live = [row.pk for row in portfolio_ranking(initiatives=Initiative.objects.all()).rows]
    kept = ranked_initiatives(initiatives=Initiative.objects.all())
    read = []
    original = KeptRanking._rows
    monkeypatch.setattr(
        KeptRanking, "_rows", lambda self, offset, limit: read.append(limit) or original(self, offset, limit)
    )

    assert [row.pk for row in kept[25:30]] == live[25:30]
    assert read == [5 + 3]  # the page, and at most the 3 own rows that may come before it


def test_ties_are_ordered_by_code_point_on_every_database():
    """Initiatives without money tie on every figure: the code decides, as Python compares strings
    (a database's own collation would put "b" before "C" and ignore the dash)."""
    for code in ["b-2", "C-1", "a-9", "Z-3", "é-4", "b2", "B-1"]:
        InitiativeFactory(code=code)
    live = [row.pk for row in portfolio_ranking(initiatives=Initiative.objects.all()).rows]
    kept = [row.pk for row in ranked_initiatives(initiatives=Initiative.objects.all())]
    codes = dict(Initiative.objects.values_list("pk", "code"))
    assert [codes[pk] for pk in kept] == sorted(codes.values())
    assert kept == live


@pytest.mark.parametrize("seed", [9, 10])
def test_the_money_summed_with_the_ranking_is_the_live_money(seed, executive):
    made = _random_portfolio(seed, 16)
    for initiative in made[::3]:
        initiative.stage = Stage.DO
        initiative.save()
    made[1].status = Status.ABANDONED
    made[1].save()
    today = timezone.localdate()
    for narrowed in (
        initiative_portfolio(user=executive),
        initiative_portfolio(user=executive, stage=Stage.DO),
        initiative_portfolio(user=executive, started_from=today - dt.timedelta(days=200)),
    ):
        kept = portfolio_ranking_kept(initiatives=narrowed, today=today).money
        live = portfolio_money(initiatives=narrowed, today=today)
        _same_figures(kept, live, MONEY_FIGURES)
        _same_figures(kept.split, live.split, [f.name for f in dataclasses.fields(live.split)])


@pytest.mark.parametrize("query", ["", "?stage=do", "?q=IMP", "?status=active", "?period=year"])
def test_the_dashboard_shows_the_live_money_of_what_it_lists(executive, query):
    _random_portfolio(11, 10)
    for initiative in Initiative.objects.order_by("pk")[::2]:
        initiative.stage = Stage.DO
        initiative.save()
    client = Client()
    client.force_login(executive)

    response = client.get(DASHBOARD + query)

    listed = Initiative.objects.filter(pk__in=[row.figures.pk for row in response.context["money_rows"]])
    assert response.context["initiative_count"] == len(response.context["money_rows"]) == listed.count()
    live = portfolio_money(initiatives=listed, today=timezone.localdate())
    _same_figures(response.context["money"], live, MONEY_FIGURES)


@pytest.mark.postgres
def test_a_rebuild_leaves_the_planner_statistics_of_the_summaries_current():
    """A table first filled by a rebuild must not be planned as the empty table it was analysed as:
    the readers' anti-join then ran a nested loop over every summary."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE improvement_initiativemoney")
    _random_portfolio(12, 5)

    money_summaries_rebuild()

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'improvement_initiativemoney'")
        assert cursor.fetchone()[0] == 5


@pytest.mark.postgres
def test_a_heal_of_many_summaries_leaves_their_planner_statistics_current(
    monkeypatch, django_capture_on_commit_callbacks
):
    _random_portfolio(13, 5)
    InitiativeMoney.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE improvement_initiativemoney")
    monkeypatch.setattr(money_summaries, "REFRESH_CHUNK", 2)

    with django_capture_on_commit_callbacks(execute=True):
        assert len(ranked_initiatives(initiatives=Initiative.objects.all())) == 5

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'improvement_initiativemoney'")
        assert cursor.fetchone()[0] == 5


def test_the_roll_up_money_covers_exactly_the_initiatives_listed(executive):
    """Unnarrowed, or by team only, the money above the table is the roll-up's: it must add up the
    same initiatives as the table lists, archived and abandoned ones left out of both."""
    made = _random_portfolio(14, 9)
    for initiative, cost in zip(made[:2], ("2500", "4000"), strict=True):
        CostFactory(initiative=initiative, amount=Decimal(cost))
    made[0].status = Status.ABANDONED
    made[0].save()
    made[1].archived_at = timezone.now()
    made[1].save()
    client = Client()
    client.force_login(executive)

    for query in ("", f"?team={made[2].team_id}"):
        response = client.get(DASHBOARD + query)

        listed = {row.figures.pk for row in response.context["money_rows"]}
        assert made[0].pk not in listed and made[1].pk not in listed
        shown = Initiative.objects.filter(pk__in=listed)
        live = portfolio_money(initiatives=shown, today=timezone.localdate())
        _same_figures(response.context["money"], live, MONEY_FIGURES)
