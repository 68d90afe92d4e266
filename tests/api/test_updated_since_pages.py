"""``?updated_since=`` reads in keyset pages: oldest change first, ``next`` carries the last key.

On both databases (PostgreSQL compares rows, SQLite spells the same condition portably).
"""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from common.api.since import MSG_SINCE_CURSOR, MSG_SINCE_PAGE, SincePosition
from improvement.models import Initiative, StageTransition
from improvement.services import initiatives as initiative_services
from kpis.models import Measurement
from tests.api.conftest import queries_for
from tests.factories import (
    InitiativeFactory,
    KpiFactory,
    MeasurementFactory,
    MilestoneFactory,
    StageTransitionFactory,
)

SINCE = "2000-01-01T00:00:00Z"


@pytest.fixture
def reader(api, admin):
    return api(admin)


def _pages(client, url):
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        yield body
        url = body["next"]


def _served(client, url) -> list[dict]:
    return [row for body in _pages(client, url) for row in body["results"]]


def test_every_changed_row_comes_once_oldest_change_first(reader, team, lead):
    made = [InitiativeFactory(team=team, lead=lead) for _ in range(5)]
    bodies = list(_pages(reader, f"/api/v1/initiatives/?updated_since={SINCE}&page_size=2"))

    assert [len(body["results"]) for body in bodies] == [2, 2, 1]
    assert {body["count"] for body in bodies} == {5}
    assert all(body["previous"] is None for body in bodies)
    served = [row["id"] for body in bodies for row in body["results"]]
    expected = Initiative.objects.filter(pk__in=[i.pk for i in made]).order_by("updated_at", "id")
    assert served == list(expected.values_list("pk", flat=True))


def test_rows_sharing_one_time_are_served_by_id_none_skipped(reader, team, lead):
    made = [InitiativeFactory(team=team, lead=lead).pk for _ in range(7)]
    same = timezone.now().replace(microsecond=123456)
    Initiative.objects.filter(pk__in=made).update(updated_at=same)

    served = [row["id"] for row in _served(reader, f"/api/v1/initiatives/?updated_since={SINCE}&page_size=3")]
    assert served == sorted(made)


def test_rows_updated_between_pages_are_neither_skipped_nor_repeated_unchanged(reader, team, lead):
    """Page numbers over a changing order skip a row whenever an earlier row moves to the end."""
    made = [InitiativeFactory(team=team, lead=lead) for _ in range(6)]
    url = f"/api/v1/initiatives/?updated_since={SINCE}&page_size=2"
    first = reader.get(url).json()
    served = list(first["results"])
    early, late = made[0], made[4]
    assert early.pk == served[0]["id"]
    initiative_services.initiative_update(actor=lead, initiative=early, title="Renamed after its page")
    initiative_services.initiative_update(actor=lead, initiative=late, title="Renamed before its page")
    served += _served(reader, first["next"])

    ids = [row["id"] for row in served]
    assert set(ids) == {i.pk for i in made}
    assert ids.count(early.pk) == 2  # again, at its new place, with its new content
    assert [row["title"] for row in served if row["id"] == early.pk][-1] == "Renamed after its page"
    assert all(ids.count(i.pk) == 1 for i in made if i.pk != early.pk)
    assert [row["title"] for row in served if row["id"] == late.pk] == ["Renamed before its page"]


def test_a_cursor_paged_list_walks_by_update_too_without_a_count(reader, admin):
    kpi = KpiFactory(code="aht_since")
    made = [MeasurementFactory(kpi=kpi, recorded_by=admin) for _ in range(5)]
    Measurement.objects.filter(pk=made[0].pk).update(updated_at=timezone.now() + dt.timedelta(seconds=5))
    bodies = list(_pages(reader, f"/api/v1/measurements/?updated_since={SINCE}&page_size=2"))

    assert all("count" not in body for body in bodies)
    served = [row["id"] for body in bodies for row in body["results"]]
    assert served == [m.pk for m in made[1:]] + [made[0].pk]


def test_a_list_of_rows_never_edited_walks_by_creation(reader, team, lead):
    initiative = InitiativeFactory(team=team, lead=lead)
    made = [StageTransitionFactory(initiative=initiative).pk for _ in range(3)]
    now = timezone.now()
    for age, pk in enumerate(made):  # the newest id is the oldest row
        StageTransition.objects.filter(pk=pk).update(created_at=now - dt.timedelta(hours=age))
    served = _served(reader, f"/api/v1/transitions/?updated_since={SINCE}&page_size=1")
    assert [row["id"] for row in served] == made[::-1]


def test_a_deep_page_costs_the_queries_of_the_first(reader, team, lead):
    for _ in range(3):
        MilestoneFactory(initiative=InitiativeFactory(team=team, lead=lead))
    url = f"/api/v1/initiatives/?updated_since={SINCE}&page_size=1"
    first = reader.get(url).json()
    third = reader.get(reader.get(first["next"]).json()["next"]).json()
    assert len(third["results"]) == 1

    for _ in range(6):
        MilestoneFactory(initiative=InitiativeFactory(team=team, lead=lead))
    deep = reader.get(url).json()
    for _ in range(6):
        deep = reader.get(deep["next"]).json()
    # The first page also counts the read; the later ones carry the count in the cursor.
    assert queries_for(reader, url) == queries_for(reader, first["next"]) + 1
    assert queries_for(reader, first["next"]) == queries_for(reader, deep["next"])


def test_an_empty_read_has_no_next(reader):
    body = reader.get("/api/v1/initiatives/?updated_since=2999-01-01T00:00:00Z").json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "czEuMS4y",  # s1.1.2: a number short
        "czEuMS4tMi4z",  # s1.1.-2.3: a negative id
        "czEuOTk5OTk5OTk5OTk5OTk5OTk5OTkuMS4x",  # s1.99999999999999999999.1.1: past year 9999
        "YzEuMS4yLjM",  # c1.1.2.3: another cursor's version
        "czEuMS4yLng",  # s1.1.2.x
    ],
)
def test_a_cursor_this_server_never_issued_answers_400(reader, token):
    response = reader.get(f"/api/v1/initiatives/?updated_since={SINCE}&since_cursor={token}")
    assert response.status_code == 400
    assert response.json()["fields"]["since_cursor"] == [MSG_SINCE_CURSOR]


def test_a_page_number_answers_400_naming_next(reader):
    response = reader.get(f"/api/v1/initiatives/?updated_since={SINCE}&page=2")
    assert response.status_code == 400
    assert response.json()["fields"]["page"] == [MSG_SINCE_PAGE]


def test_a_position_round_trips_through_its_token():
    when = dt.datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=dt.UTC)
    position = SincePosition.of(when, 42, 10_000)
    parsed = SincePosition.parse(position.token())
    assert (parsed.when, parsed.id, parsed.count) == (when, 42, 10_000)


@pytest.mark.postgres
def test_postgresql_reads_a_deep_page_as_one_index_range(team, lead):
    """A real row comparison: the (updated_at, id) index answers it as an index condition."""
    from common.keyset import after

    InitiativeFactory(team=team, lead=lead)
    queryset = after(
        Initiative.objects.order_by("updated_at", "id"), ("updated_at", "pk"), (timezone.now(), 1)
    )
    with connection.cursor() as cursor:
        # On a table this small the planner may pick any index; as on a large one, no sort or scan
        # of the whole table may stand in for reading the walk's order off its index.
        cursor.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
            "SET LOCAL enable_sort = off; SET LOCAL enable_incremental_sort = off"
        )
        plan = queryset.values_list("updated_at", "pk")[:100].explain()
    assert "initiative_updated_keyset" in plan
    assert "Index Cond: (ROW(" in plan


@pytest.mark.postgres
def test_postgresql_reads_the_change_cursor_as_one_index_range(team, lead):
    from common.sync import Position, rows_after

    InitiativeFactory(team=team, lead=lead)
    queryset = rows_after(Initiative.objects.all(), position=Position(5, 3), horizon=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off; "
            "SET LOCAL enable_sort = off; SET LOCAL enable_incremental_sort = off"
        )
        plan = queryset.values_list("change_marker", "pk")[:100].explain()
    assert "improvement_initiative_change" in plan
    assert "Index Cond: (ROW(change_marker, id) > ROW(" in plan
