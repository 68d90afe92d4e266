"""The change cursor (``?change_cursor=``): a lossless incremental sync of every synced list.

The tests run on both databases. They use real transactions (``transaction=True``): on PostgreSQL
the feed serves only rows of ended transactions, and a test's own open transaction would hold its
rows back.
"""

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from common.api.inputs import MSG_NULL_CHARACTER
from common.sync import MSG_CURSOR_INVALID, Position
from common.sync_sqlite import reinstall_dropped_triggers
from improvement.models import Initiative, KpiTarget
from improvement.services import initiatives as initiative_services
from improvement.services import roadmap
from kpis.models import SeriesChange
from kpis.services import measurement_upsert_many
from tests.api.conftest import queries_for
from tests.factories import (
    ApiTokenFactory,
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    StageTransitionFactory,
    StatusUpdateFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

SYNCED_LISTS = [
    "initiatives",
    "status-updates",
    "transitions",
    "milestones",
    "targets",
    "costs",
    "benefits",
    "experiments",
    "webhooks",
    "kpis",
    "measurements",
    "teams",
    "tokens",
]


def walk(client, resource: str, cursor: str = "", page_size: int = 2):
    """Follow ``next`` from ``cursor`` to the end of the walk: (rows by id, pages, final cursor)."""
    url = f"/api/v1/{resource}/?change_cursor={cursor}&page_size={page_size}"
    rows, pages = {}, 0
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        pages += 1
        for row in body["results"]:
            rows[row["id"]] = row
        if body["next"] is None:
            assert body["sync"]["complete"] is True
            return rows, pages, body["sync"]["cursor"]
        assert body["sync"]["complete"] is False
        url = body["next"]


def walk_until(client, resource: str, expect, cursor: str = "", page_size: int = 2, deadline_s=30.0):
    """``walk`` until ``expect(rows)`` holds: on PostgreSQL another connection's open transaction
    (in any database of the cluster) may hold the horizon back for a moment."""
    end = time.monotonic() + deadline_s
    while True:
        result = walk(client, resource, cursor, page_size)
        if expect(result[0]) or time.monotonic() > end:
            return result
        time.sleep(0.2)


@pytest.fixture
def reader(api, admin):
    return api(admin)


def test_a_walk_serves_every_row_once_in_pages_then_says_complete(reader, team, lead):
    # (On SQLite, rows deleted by earlier tests left tombstones: start after them.)
    _, _, start = walk(reader, "initiatives", page_size=500)
    made = {InitiativeFactory(team=team, lead=lead).pk for _ in range(5)}
    rows, pages, cursor = walk_until(reader, "initiatives", lambda rows: len(rows) == 5, start)
    assert set(rows) == made
    assert pages == 3  # 2 + 2 + 1 rows
    assert cursor not in ("", start)


def test_a_walk_from_the_last_cursor_serves_only_what_changed_since(reader, team, lead):
    first, second = InitiativeFactory(team=team, lead=lead), InitiativeFactory(team=team, lead=lead)
    _, _, cursor = walk_until(reader, "initiatives", lambda rows: len(rows) == 2)
    assert walk(reader, "initiatives", cursor)[0] == {}

    initiative_services.initiative_update(actor=lead, initiative=first, title="Renamed")
    rows = walk_until(reader, "initiatives", bool, cursor)[0]
    assert set(rows) == {first.pk}
    assert rows[first.pk]["title"] == "Renamed"
    assert second.pk not in rows


def test_a_queryset_update_moves_the_marker_too(reader, team, lead):
    """The database writes the marker: even a write that bypasses the services is seen."""
    initiative = InitiativeFactory(team=team, lead=lead)
    _, _, cursor = walk_until(reader, "initiatives", bool)
    Initiative.objects.filter(pk=initiative.pk).update(title="Bulk edit")
    rows = walk_until(reader, "initiatives", bool, cursor)[0]
    assert rows[initiative.pk]["title"] == "Bulk edit"


def test_archived_rows_come_as_tombstones(reader, team, lead):
    initiative = InitiativeFactory(team=team, lead=lead)
    _, _, cursor = walk_until(reader, "initiatives", bool)
    initiative_services.initiative_archive(actor=lead, initiative=initiative)
    rows = walk_until(reader, "initiatives", bool, cursor)[0]
    assert rows[initiative.pk]["archived"] is True


def test_a_milestone_write_moves_its_initiative_with_its_counts(reader, team, lead):
    initiative = InitiativeFactory(team=team, lead=lead)
    _, _, cursor = walk_until(reader, "initiatives", bool)
    milestone = roadmap.milestone_create(
        actor=lead, initiative=initiative, title="Pilot", due_date=timezone.localdate() + dt.timedelta(days=9)
    )
    rows = walk_until(reader, "initiatives", bool, cursor)[0]
    assert rows[initiative.pk]["milestones"] == {"total": 1, "done": 0, "overdue": 0}

    _, _, cursor = walk(reader, "initiatives", cursor)
    roadmap.milestone_complete(actor=lead, milestone=milestone)
    rows = walk_until(reader, "initiatives", bool, cursor)[0]
    assert rows[initiative.pk]["milestones"] == {"total": 1, "done": 1, "overdue": 0}


def test_members_moving_in_moves_the_initiative(reader, team, lead):
    initiative = InitiativeFactory(team=team, lead=lead)
    _, _, cursor = walk_until(reader, "initiatives", bool)
    member = UserFactory(role=Role.CONTRIBUTOR, teams=[team])
    initiative.members.add(member)
    rows = walk_until(reader, "initiatives", bool, cursor)[0]
    assert rows[initiative.pk]["members"] == [member.pk]


def test_a_measurement_upsert_moves_the_targets_of_its_series(reader, team, lead, token_api, admin):
    kpi = KpiFactory(code="csat_sync")
    followed = KpiTargetFactory(initiative=InitiativeFactory(team=team, lead=lead), kpi=kpi, segment="chat")
    other_segment = KpiTargetFactory(initiative=InitiativeFactory(team=team, lead=lead), kpi=kpi, segment="")
    _, _, cursor = walk_until(reader, "targets", lambda rows: len(rows) == 2)

    writer = token_api(admin, "measurements:write")
    period = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    rows = [{"kpi": "csat_sync", "segment": "chat", "period": period, "value": 77.5, "source": "survey"}]
    response = writer.post("/api/v1/measurements/bulk/", {"rows": rows}, format="json")
    assert response.status_code == 200, response.content

    changed = walk_until(reader, "targets", bool, cursor)[0]
    assert set(changed) == {followed.pk}
    assert changed[followed.pk]["current_value"] == 77.5
    assert changed[followed.pk]["progress"] == pytest.approx((77.5 - 70.0) / (85.0 - 70.0))
    assert other_segment.pk not in changed


def test_a_measurement_write_moves_the_targets_in_the_walk_without_rewriting_their_rows(
    reader, team, lead, admin
):
    """The write marks its series once (one row, whatever the number of targets following it): the
    walk serves every following target again, each time the series is written."""
    kpi = KpiFactory(code="fcr_series")
    followers = {
        KpiTargetFactory(initiative=InitiativeFactory(team=team, lead=lead), kpi=kpi, segment="").pk
        for _ in range(3)
    }
    _, _, cursor = walk_until(reader, "targets", lambda rows: len(rows) == 3)
    stored = dict(KpiTarget.objects.values_list("pk", "change_marker"))

    for value in (71.0, 72.0):
        period = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        row = {"kpi": "fcr_series", "segment": "", "period": period, "value": value, "source": "crm"}
        measurement_upsert_many(actor=admin, rows=[row])
        changed, _, cursor = walk_until(reader, "targets", lambda rows: len(rows) == 3, cursor)
        assert set(changed) == followers
        assert {row["current_value"] for row in changed.values()} == {value}
    assert dict(KpiTarget.objects.values_list("pk", "change_marker")) == stored
    assert SeriesChange.objects.filter(kpi=kpi).count() == 1


@pytest.mark.parametrize("cursor", ["nonsense!", "YzEuMS4", "YzIuMS4y", "YzEuLTEuMg"])
def test_a_malformed_cursor_is_refused_with_400(reader, cursor):
    response = reader.get(f"/api/v1/initiatives/?change_cursor={cursor}")
    assert response.status_code == 400
    assert response.json()["fields"] == {"change_cursor": [MSG_CURSOR_INVALID]}


def test_a_cursor_with_a_nul_is_refused_with_400(reader):
    response = reader.get("/api/v1/initiatives/?change_cursor=%00")
    assert response.status_code == 400
    assert response.json()["fields"] == {"change_cursor": [MSG_NULL_CHARACTER]}


def test_the_cursor_token_is_opaque_and_round_trips():
    position = Position(2**62, 12)
    assert Position.parse(position.token()) == position
    assert Position.parse("") == Position(0, 0)


def test_an_empty_walk_hands_back_a_cursor_that_can_be_used_again(reader):
    body = reader.get("/api/v1/experiments/?change_cursor=&page_size=500").json()
    assert body["results"] == []
    again = reader.get(f"/api/v1/experiments/?change_cursor={body['sync']['cursor']}")
    assert again.status_code == 200, again.content
    assert again.json()["sync"] == {"cursor": body["sync"]["cursor"], "complete": True, "deleted": []}


def test_a_deleted_row_comes_as_its_id_in_sync_deleted(reader):
    """Measurements can be deleted in the admin site: the walk names them, in order."""
    kept, dropped = MeasurementFactory(), MeasurementFactory()
    _, _, cursor = walk_until(reader, "measurements", lambda rows: len(rows) == 2)
    dropped_id = dropped.pk
    dropped.delete()

    def deleted_after(cursor):
        end = time.monotonic() + 30
        while True:
            body = reader.get(f"/api/v1/measurements/?change_cursor={cursor}").json()
            if body["sync"]["deleted"] or time.monotonic() > end:
                return body
            time.sleep(0.2)

    body = deleted_after(cursor)
    assert body["results"] == []
    assert body["sync"]["deleted"] == [dropped_id]
    assert body["sync"]["complete"] is True
    assert (
        reader.get(f"/api/v1/measurements/?change_cursor={body['sync']['cursor']}").json()["sync"]["deleted"]
        == []
    )
    assert kept.pk != dropped_id


def _seed_every_resource(team, lead, admin):
    initiative = InitiativeFactory(team=team, lead=lead)
    StatusUpdateFactory(initiative=initiative)
    StageTransitionFactory(initiative=initiative)
    MilestoneFactory(initiative=initiative)
    KpiTargetFactory(initiative=initiative)
    CostFactory(initiative=initiative)
    BenefitFactory(initiative=initiative)
    MeasurementFactory()
    TeamFactory()
    ApiTokenFactory(user=admin)


@pytest.mark.parametrize("resource", SYNCED_LISTS)
def test_every_synced_list_walks_its_changes(reader, team, lead, admin, resource):
    _seed_every_resource(team, lead, admin)
    response = reader.get(f"/api/v1/{resource}/?change_cursor=&page_size=500")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"next", "previous", "results", "sync"}
    assert set(body["sync"]) == {"cursor", "complete", "deleted"}


@pytest.mark.parametrize("resource", ["initiatives", "milestones", "targets", "measurements", "costs"])
def test_a_change_page_costs_the_same_queries_for_n_and_3n_rows(reader, team, lead, admin, resource):
    def seed(n):
        for _ in range(n):
            _seed_every_resource(team, lead, admin)

    seed(2)
    walk_until(reader, resource, lambda rows: len(rows) >= 2, page_size=500)
    small = queries_for(reader, f"/api/v1/{resource}/?change_cursor=&page_size=500")
    seed(4)
    walk_until(reader, resource, lambda rows: len(rows) >= 6, page_size=500)
    large = queries_for(reader, f"/api/v1/{resource}/?change_cursor=&page_size=500")
    assert large == small


def test_updated_since_still_answers_pages_with_a_count(reader, team, lead):
    InitiativeFactory(team=team, lead=lead)
    response = reader.get("/api/v1/initiatives/?updated_since=2000-01-01T00:00:00Z")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite rebuilds tables; PostgreSQL alters them")
def test_a_table_rebuilt_by_a_later_migration_gets_its_change_triggers_back(reader, team, lead):
    """SQLite adds a NOT NULL column by rebuilding the table, which drops its triggers: migrate's
    post_migrate step puts back every trigger the migrations declared."""
    with connection.cursor() as cursor:
        for name in ("improvement_cost_mark_insert", "improvement_cost_mark_update", "improvement_cost_bury"):
            cursor.execute(f"DROP TRIGGER {name}")
    reinstall_dropped_triggers(using="default")

    initiative = InitiativeFactory(team=team, lead=lead)
    _, _, cursor = walk(reader, "costs", page_size=500)
    cost = CostFactory(initiative=initiative)
    rows = walk_until(reader, "costs", bool, cursor)[0]
    assert set(rows) == {cost.pk}


def test_migrating_the_targets_table_back_and_forth_keeps_the_feed_following_targets(
    reader, team, lead, token_api, admin
):
    """On SQLite undoing and redoing the targets' version column rebuilds their table, which a
    measurement trigger names: migrate must neither fail on it nor leave the feed without it."""
    call_command("migrate", "improvement", "0004_change_cursor", verbosity=0)
    call_command("migrate", verbosity=0)

    kpi = KpiFactory(code="fcr_migrated")
    target = KpiTargetFactory(initiative=InitiativeFactory(team=team, lead=lead), kpi=kpi, segment="")
    _, _, cursor = walk_until(reader, "targets", bool)
    period = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    rows = [{"kpi": "fcr_migrated", "segment": "", "period": period, "value": 80.0, "source": "crm"}]
    response = token_api(admin, "measurements:write").post(
        "/api/v1/measurements/bulk/", {"rows": rows}, format="json"
    )
    assert response.status_code == 200, response.content

    changed = walk_until(reader, "targets", bool, cursor)[0]
    assert set(changed) == {target.pk}
    assert changed[target.pk]["current_value"] == 80.0
