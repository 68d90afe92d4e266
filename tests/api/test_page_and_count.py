"""``PageAndCountPaginator``, and the initiatives list of a reader of some teams, whose page and
count come from one query."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.paging import PageAndCountPaginator
from tests.factories import InitiativeFactory, MilestoneFactory, UserFactory


class _Rows(list):
    """Rows that read a page with their count, and say how often they were counted apart."""

    counted_apart = 0

    def slice_and_count(self, bottom, top):
        page = self[bottom:top]
        return page, (len(self) if page else None)

    def count(self):
        self.counted_apart += 1
        return len(self)


@pytest.mark.parametrize("total", [0, 1, 6, 7])
def test_each_page_is_the_page_of_a_paginator(total):
    rows = _Rows(range(total))
    plain = Paginator(list(range(total)), 3)
    for number in plain.page_range:
        page, expected = PageAndCountPaginator(rows, 3).page(number), plain.page(number)
        assert list(page) == list(expected)
        assert (page.paginator.count, page.paginator.num_pages) == (plain.count, plain.num_pages)
        assert (page.has_next(), page.has_previous()) == (expected.has_next(), expected.has_previous())
    # Only the empty list's first page had to be counted apart.
    assert rows.counted_apart == (1 if total == 0 else 0)


def test_a_page_past_the_end_is_refused_as_a_paginator_refuses_it():
    rows = _Rows(range(5))
    with pytest.raises(EmptyPage):
        PageAndCountPaginator(rows, 3).page(3)
    with pytest.raises(EmptyPage):
        PageAndCountPaginator(rows, 3).page(0)


def test_a_page_number_that_is_not_whole_is_refused_as_a_paginator_refuses_it():
    rows = _Rows(range(9))
    for number in (2.5, "2.0", "two"):
        with pytest.raises(PageNotAnInteger):
            PageAndCountPaginator(rows, 3).page(number)
    assert list(PageAndCountPaginator(rows, 3).page("2")) == [3, 4, 5]
    assert list(PageAndCountPaginator(rows, 3).page(3.0)) == [6, 7, 8]


def test_rows_that_cannot_read_their_count_with_a_page_are_counted_first():
    page = PageAndCountPaginator(list(range(5)), 2).page(3)
    assert list(page) == [4] and page.paginator.count == 5


@pytest.fixture
def team_portfolio(team, other_team, lead):
    mine = [InitiativeFactory(team=team, code=f"C-{n:02d}") for n in range(5)]
    # Another team's initiative the lead owns a milestone in: in sight, by another way in.
    owned = InitiativeFactory(team=other_team, code="C-03b")
    MilestoneFactory(initiative=owned, owner=lead)
    hidden = [InitiativeFactory(team=other_team, code=f"C-{n:02d}x") for n in range(4)]
    archived = InitiativeFactory(team=team, code="C-00a", archived_at=timezone.now())
    return mine, owned, hidden, archived


@pytest.mark.django_db
def test_a_leads_pages_are_counted_by_the_query_that_reads_them(token_api, lead, team_portfolio):
    client = token_api(lead)
    seen = []
    for number in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            body = client.get(f"/api/v1/initiatives/?page_size=2&page={number}").json()
        assert body["count"] == 6
        seen += [row["code"] for row in body["results"]]
        assert not [q for q in queries.captured_queries if '"__count"' in q["sql"]]
    assert seen == ["C-00", "C-01", "C-02", "C-03", "C-03b", "C-04"]
    assert body["next"] is None and body["previous"] is not None

    past = client.get("/api/v1/initiatives/?page_size=2&page=4")
    assert past.status_code == 404
    filtered = client.get("/api/v1/initiatives/?page_size=2&code=NONE").json()
    assert (filtered["count"], filtered["results"]) == (0, [])


@pytest.mark.django_db
def test_a_reader_of_everything_is_counted_apart_as_before(token_api, admin, team_portfolio):
    with CaptureQueriesContext(connection) as queries:
        body = token_api(admin).get("/api/v1/initiatives/?page_size=2").json()
    assert body["count"] == 10
    assert [q for q in queries.captured_queries if '"__count"' in q["sql"]]


@pytest.mark.django_db
def test_a_reader_of_nothing_gets_an_empty_first_page(token_api, team_portfolio):
    stranger = UserFactory(role="viewer")
    body = token_api(stranger).get("/api/v1/initiatives/").json()
    assert (body["count"], body["results"], body["next"]) == (0, [], None)
