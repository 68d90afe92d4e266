"""A reader of some initiatives on PostgreSQL: the API list's page and count are read from the union
of the ways in (``initiative_list_by_way_in``). They are the rows and the count of the one query that
filters by visibility, whatever the filters, search, order, page and archived rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from improvement import selectors
from improvement.models import Initiative, Stage, Status
from tests.factories import InitiativeFactory, MilestoneFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

LIST = "/api/v1/initiatives/"
ASKED = [
    {},
    {"page_size": 3},
    {"page_size": 3, "page": 2},
    {"page_size": 3, "page": 4},
    {"ordering": "-id"},
    {"ordering": "title,-id"},
    {"ordering": "-target_end_date,code"},
    {"ordering": "start_date,id", "page_size": 4, "page": 2},
    {"status": "active"},
    {"stage": "do", "ordering": "-start_date,-id"},
    {"search": "Reach"},
    {"include_archived": "true"},
    {"include_archived": "true", "ordering": "-updated_at,id", "page_size": 5, "page": 2},
    {"team": "0"},
]


@pytest.fixture
def reachable(lead, team, other_team, other_lead):
    """Initiatives of the lead's team, of each other way in (outside the team), and of no way in."""
    today = timezone.localdate()
    ours = [
        InitiativeFactory(
            team=team,
            lead=other_lead,
            title=f"Reach team {n}",
            stage=[Stage.PLAN, Stage.DO][n % 2],
            start_date=today - dt.timedelta(days=n),
        )
        for n in range(6)
    ]
    Initiative.objects.filter(pk=ours[0].pk).update(archived_at=timezone.now())
    Initiative.objects.filter(pk=ours[1].pk).update(status=Status.ON_HOLD)
    led = InitiativeFactory(team=other_team, lead=lead, title="Reach led")
    sponsored = InitiativeFactory(team=other_team, lead=other_lead, sponsor=lead)
    member = InitiativeFactory(team=other_team, lead=other_lead)
    member.members.add(lead)
    owned = InitiativeFactory(team=other_team, lead=other_lead, stage=Stage.DO)
    MilestoneFactory(initiative=owned, owner=lead)
    both = InitiativeFactory(team=team, lead=lead, title="Reach by two ways")  # the team's, and led
    MilestoneFactory(initiative=both, owner=lead)
    hidden = [InitiativeFactory(team=other_team, lead=other_lead, title=f"Reach not {n}") for n in range(3)]
    return ours, [led, sponsored, member, owned, both], hidden


def _answers(client, monkeypatch, params) -> tuple:
    by_way = client.get(LIST, params)
    with monkeypatch.context() as one_query:
        one_query.setattr(selectors, "initiative_list_by_way_in", lambda **kwargs: None)
        filtered = client.get(LIST, params)
    return by_way, filtered


@pytest.mark.parametrize("params", ASKED, ids=lambda params: "&".join(f"{k}={v}" for k, v in params.items()))
def test_the_union_of_the_ways_in_answers_what_the_one_query_answers(
    token_api, lead, team, reachable, monkeypatch, params
):
    params = {**params, "team": team.pk} if params.get("team") == "0" else params
    by_way, filtered = _answers(token_api(lead), monkeypatch, params)

    assert by_way.status_code == filtered.status_code
    assert by_way.json() == filtered.json()


def test_every_way_in_is_listed_once_and_no_other(token_api, lead, reachable):
    ours, others, _ = reachable  # and none of the hidden ones
    body = token_api(lead).get(LIST, {"page_size": 100, "include_archived": "true"}).json()

    listed = [row["id"] for row in body["results"]]
    assert sorted(listed) == sorted({i.pk for i in [*ours, *others]})
    assert body["count"] == len(listed) == len(ours) + len(others)


def test_a_readers_page_is_read_from_the_union_and_a_reader_of_everything_s_is_not(
    token_api, lead, admin, reachable
):
    def unions(user) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert token_api(user).get(LIST).status_code == 200
        return sum(" UNION " in q["sql"] for q in queries)

    assert unions(lead) == 1
    assert unions(admin) == 0


def test_a_reader_of_nothing_gets_an_empty_first_page(token_api, reachable):
    body = token_api(UserFactory()).get(LIST).json()

    assert (body["count"], body["results"]) == (0, [])


def test_pages_of_an_order_with_ties_list_every_row_once(token_api, lead, reachable):
    client = token_api(lead)
    listed, url = [], f"{LIST}?ordering=start_date&page_size=2"
    while url:
        body = client.get(url).json()
        listed += [row["id"] for row in body["results"]]
        url = body["next"]

    assert len(listed) == len(set(listed)) == body["count"]
