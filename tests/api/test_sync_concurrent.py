"""A mirror kept by the change cursor equals the database, whatever commits while it syncs.

PostgreSQL, real connections: writer threads hold transactions open (bulk upserts, new initiatives)
while other transactions edit, archive, complete milestones and commit first — exactly the order
that makes "remember NOW, then ask updated_since" lose rows for good. Measurements are also
deleted (as the admin site can): the mirror must drop them.
"""

import datetime as dt
import random
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

import common.api.sync as feed
from common.sync import SYNC_MARKER
from improvement.models import Initiative, KpiTarget, Milestone
from improvement.selectors.targets import with_change_marker
from improvement.services import initiatives as initiative_services
from improvement.services import roadmap
from kpis.models import Measurement
from kpis.services import measurement_upsert_many
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROUNDS = 20
RESOURCES = ("initiatives", "milestones", "targets", "measurements")
SEGMENTS = ("chat", "phone", "email")
HELD_OPEN_S = 0.25
SETTLE_S = 60.0


def _pages(client, url):
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        yield body
        url = body["next"]


class Mirror:
    """What an integration keeps: one copy per resource, fed only by the change cursor."""

    def __init__(self, client):
        self.client = client
        self.rows = {resource: {} for resource in RESOURCES}
        self.cursors = dict.fromkeys(RESOURCES, "")

    def sync(self) -> None:
        for resource in RESOURCES:
            url = f"/api/v1/{resource}/?change_cursor={self.cursors[resource]}&page_size=50"
            for body in _pages(self.client, url):
                for row in body["results"]:
                    self.rows[resource][row["id"]] = row
                for pk in body["sync"]["deleted"]:
                    self.rows[resource].pop(pk, None)
                self.cursors[resource] = body["sync"]["cursor"]

    def truth(self, resource: str) -> dict:
        url = f"/api/v1/{resource}/?include_archived=true&page_size=500"
        return {row["id"]: row for body in _pages(self.client, url) for row in body["results"]}

    def differences(self) -> dict:
        found = {}
        for resource in RESOURCES:
            truth = self.truth(resource)
            mine = self.rows[resource]
            missing = sorted(set(truth) - set(mine))
            extra = sorted(set(mine) - set(truth))
            stale = sorted(pk for pk in set(truth) & set(mine) if truth[pk] != mine[pk])
            if missing or extra or stale:
                found[resource] = {"missing": missing, "extra": extra, "stale": stale}
        return found


def _in_thread(work):
    """Run ``work`` on its own connection; re-raise its failure in the test."""
    failures = []

    def run():
        try:
            work()
        except Exception as error:  # handed back to the test, which fails with it
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def test_a_mirror_fed_by_the_change_cursor_equals_the_database_after_every_round(api, admin, team, lead):
    rng = random.Random(12)
    kpi = KpiFactory(code="frt_sync", min_value=0, max_value=10_000)
    for segment in SEGMENTS:
        KpiTargetFactory(initiative=InitiativeFactory(team=team, lead=lead), kpi=kpi, segment=segment)
    for _ in range(6):
        initiative = InitiativeFactory(team=team, lead=lead)
        for n in range(2):
            Milestone.objects.create(
                initiative=initiative, title=f"M{n}", due_date=timezone.localdate() + dt.timedelta(days=5)
            )
    mirror = Mirror(api(admin))
    mirror.sync()

    for round_ in range(ROUNDS):
        upsert_open = threading.Event()

        def long_upsert(round_=round_, upsert_open=upsert_open):
            # Rows written first, committed last: this transaction's id is the oldest of the round.
            with transaction.atomic():
                rows = [
                    {
                        "kpi": "frt_sync",
                        "segment": segment,
                        "period": (timezone.localdate() - dt.timedelta(days=day)).isoformat(),
                        "value": rng.uniform(10, 90),
                        "source": "helpdesk",
                    }
                    for segment in SEGMENTS
                    for day in range(1 + round_ % 3, 40)
                ]
                measurement_upsert_many(actor=admin, rows=rows)
                upsert_open.set()
                time.sleep(HELD_OPEN_S)

        def long_create():
            with transaction.atomic():
                for _ in range(3):
                    InitiativeFactory(team=team, lead=lead)
                time.sleep(HELD_OPEN_S / 2)

        def quick_edits(round_=round_, upsert_open=upsert_open):
            upsert_open.wait(5)
            live = list(Initiative.objects.active().order_by("?")[:3])
            initiative_services.initiative_update(
                actor=lead, initiative=live[0], title=f"Round {rng.random()}"
            )
            milestone = Milestone.objects.active().exclude(status="done").order_by("?").first()
            if milestone is not None:
                roadmap.milestone_complete(actor=lead, milestone=milestone)
            roadmap.milestone_create(
                actor=lead,
                initiative=live[1],
                title="New",
                due_date=timezone.localdate() + dt.timedelta(days=3),
            )
            if round_ % 4 == 3:
                initiative_services.initiative_archive(actor=lead, initiative=live[2])
            # An admin deletes a measurement in the admin site: the mirror must drop it.
            Measurement.objects.filter(pk=Measurement.objects.order_by("?").values("pk")[:1]).delete()

        workers = [_in_thread(work) for work in (long_upsert, long_create, quick_edits)]
        while any(thread.is_alive() for thread, _ in workers):
            mirror.sync()
        for thread, failures in workers:
            thread.join()
            assert not failures, failures

        # Everything has committed: the mirror converges (other connections' transactions may
        # hold the horizon back for a moment, never for good).
        deadline = time.monotonic() + SETTLE_S
        while True:
            mirror.sync()
            differences = mirror.differences()
            if not differences or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert differences == {}, f"round {round_}: {differences}"


def _walk_markers(targets):
    """Where each target stands in the change walk (its own marker or its series', the later)."""
    return with_change_marker(KpiTarget.objects.filter(pk__in=[t.pk for t in targets])).values_list(
        "pk", SYNC_MARKER
    )


def test_concurrent_bulk_upserts_of_the_same_series_all_commit_and_move_their_targets(admin, team, lead):
    """Each upsert marks the series it writes, in (kpi, segment) order: overlapping upserts wait for
    each other instead of deadlocking, and every target of those series moves in the walk."""
    kpi = KpiFactory(code="aht_sync", min_value=0, max_value=10_000)
    targets = [
        KpiTargetFactory(initiative=InitiativeFactory(team=team, lead=lead), kpi=kpi, segment=segment)
        for segment in SEGMENTS
        for _ in range(4)
    ]
    before = dict(_walk_markers(targets))
    barrier = threading.Barrier(3)

    def upsert(seed):
        order = list(SEGMENTS)
        random.Random(seed).shuffle(order)
        rows = [
            {
                "kpi": "aht_sync",
                "segment": segment,
                "period": (timezone.localdate() - dt.timedelta(days=day)).isoformat(),
                "value": float(seed + day),
                "source": f"s{seed}",
            }
            for segment in order
            for day in range(1, 30)
        ]
        barrier.wait()
        measurement_upsert_many(actor=admin, rows=rows)

    workers = [_in_thread(lambda seed=seed: upsert(seed)) for seed in range(3)]
    for thread, failures in workers:
        thread.join()
        assert not failures, failures
    after = dict(_walk_markers(targets))
    assert all(after[pk] > before[pk] for pk in before)


def _sync_until(mirror, caught_up, *, seconds: float = 60) -> None:
    """Sync until ``caught_up()``: the change cursor's horizon is the server's, and a transaction open
    in another database (a parallel test worker) holds later rows back until it ends."""
    deadline = time.monotonic() + seconds
    mirror.sync()
    while not caught_up() and time.monotonic() < deadline:
        time.sleep(0.2)
        mirror.sync()


def test_a_delete_committing_between_a_pages_queries_still_reaches_the_mirror(api, admin, monkeypatch):
    """A page reads its tombstones and its rows in two statements; a delete that commits between
    them must come on a later page, not be skipped by a cursor moved past it."""

    kpi = KpiFactory(code="frt_tomb", min_value=0, max_value=10_000)
    today = timezone.localdate()
    victim, other = (
        Measurement.objects.create(kpi=kpi, period=today - dt.timedelta(days=day), value=1.0, source="s")
        for day in (2, 1)
    )
    mirror = Mirror(api(admin))
    _sync_until(mirror, lambda: victim.pk in mirror.rows["measurements"])
    assert victim.pk in mirror.rows["measurements"]

    deleted = threading.Event()
    release = threading.Event()

    def delete_and_hold():
        # The delete's transaction starts first; a later committed write sits above it.
        with transaction.atomic():
            Measurement.objects.filter(pk=victim.pk).delete()
            deleted.set()
            release.wait(10)

    holder, failures = _in_thread(delete_and_hold)
    assert deleted.wait(10)
    Measurement.objects.filter(pk=other.pk).update(value=2.0)

    served_tombstones = feed.deletions_after

    def commit_the_delete_after_reading_tombstones(table, **kwargs):
        found = served_tombstones(table, **kwargs)
        if table == Measurement._meta.db_table and not release.is_set():
            release.set()
            holder.join()
        return found

    monkeypatch.setattr(feed, "deletions_after", commit_the_delete_after_reading_tombstones)
    mirror.sync()
    monkeypatch.setattr(feed, "deletions_after", served_tombstones)
    # The horizon is the server's: a transaction open in another database (a parallel test worker)
    # holds later pages back until it ends. The mirror syncs again until it has caught up; the delete
    # must never be skipped on the way.
    _sync_until(mirror, lambda: mirror.rows["measurements"].get(other.pk, {}).get("value") == 2.0)

    assert not failures
    assert victim.pk not in mirror.rows["measurements"]
    assert mirror.rows["measurements"][other.pk]["value"] == 2.0
