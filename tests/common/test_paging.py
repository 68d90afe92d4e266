"""``BoundedCountPaginator``: pages of a query counted only up to a bound, exact below it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Team
from common.paging import BoundedCountPaginator
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    for n in range(23):
        TeamFactory(name=f"Team {n:02d}")
    return Team.objects.order_by("name")


def page_of(teams, asked, *, at_least=10, per_page=3):
    return BoundedCountPaginator(teams, per_page, asked=asked, count_at_least=at_least).get_page(asked)


def test_below_the_bound_the_count_and_the_pages_are_those_of_a_paginator(teams):
    page = page_of(teams, 2, at_least=100)

    assert page.paginator.count == 23
    assert page.paginator.more_than is None
    assert page.paginator.num_pages == 8
    assert [t.name for t in page.object_list] == ["Team 03", "Team 04", "Team 05"]


def test_past_the_bound_the_count_says_more_than_and_the_pages_go_on(teams):
    first = page_of(teams, 1)

    assert first.paginator.count == 10
    assert first.paginator.more_than == 10
    # 10 rows make 4 pages of 3, and there is at least one more row.
    assert first.paginator.num_pages == 4
    assert first.has_next()
    assert first.end_index() == 3


def test_the_bound_moves_past_the_page_asked_for_so_next_is_known(teams):
    pages = [page_of(teams, n) for n in range(1, 9)]

    assert [[t.name for t in p.object_list] for p in pages] == [
        [f"Team {n:02d}" for n in range(start, min(start + 3, 23))] for start in range(0, 23, 3)
    ]
    assert [p.has_next() for p in pages] == [True] * 7 + [False]
    # The last page is counted exactly: the bound (27 rows) is past the 23 there are.
    assert pages[-1].paginator.more_than is None
    assert pages[-1].paginator.count == 23


def test_a_page_past_the_end_is_the_last_and_one_below_one_or_not_a_number_the_first(teams):
    assert page_of(teams, 50).number == 8
    assert page_of(teams, "last").number == 1
    assert page_of(teams, None).number == 1
    for below in (0, -1, "-5"):
        page = page_of(teams, below)
        assert page.number == 1
        assert [t.name for t in page.object_list] == ["Team 00", "Team 01", "Team 02"]


def test_a_page_number_too_large_for_sql_is_the_last_page(teams):
    page = page_of(teams, 10**30)

    assert page.number == 8
    assert [t.name for t in page.object_list] == ["Team 21", "Team 22"]


def test_the_count_reads_no_further_than_the_bound(teams):
    with CaptureQueriesContext(connection) as queries:
        page_of(teams, 1).paginator.count  # noqa: B018 -- the count is the query under test

    (count,) = queries.captured_queries
    assert "LIMIT 11" in count["sql"]


def test_an_empty_query_has_one_empty_page(teams):
    page = page_of(teams.none(), 1)

    assert page.paginator.count == 0
    assert page.paginator.num_pages == 1
    assert list(page.object_list) == []
