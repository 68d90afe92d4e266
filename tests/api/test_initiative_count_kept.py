"""The whole initiatives list of a reader of everything: its count is kept between the writes that
move it (created, archived, restored, deleted), and always agrees with the rows."""

import time
from types import SimpleNamespace

import pytest
from django.core.cache.backends import locmem
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from improvement.models import Initiative
from improvement.selectors.initiative_count import (
    INITIATIVE_COUNT_CACHE_SECONDS,
    INITIATIVE_COUNT_LOCAL_SECONDS,
    initiative_count_seconds,
)
from improvement.services.initiatives import initiative_archive
from tests.factories import InitiativeFactory

INITIATIVES = "/api/v1/initiatives/"


def _count(client, params=None) -> int:
    response = client.get(INITIATIVES, params or {})
    assert response.status_code == 200
    return response.json()["count"]


def _rows(params=None) -> int:
    return Initiative.objects.filter(**(params or {})).count()


@pytest.fixture
def portfolio(team, lead):
    return [InitiativeFactory(team=team, lead=lead) for _ in range(4)]


@pytest.mark.parametrize("reader", ["admin", "executive"])
def test_the_kept_count_follows_every_write_that_moves_it(
    api, reader, request, portfolio, team, lead, admin, django_capture_on_commit_callbacks
):
    client = api(request.getfixturevalue(reader))
    assert _count(client) == 4

    with django_capture_on_commit_callbacks(execute=True):
        made = InitiativeFactory(team=team, lead=lead)
    assert _count(client) == 5

    with django_capture_on_commit_callbacks(execute=True):
        initiative_archive(actor=admin, initiative=portfolio[0])
    assert _count(client) == 4
    assert _count(client, {"include_archived": "true"}) == 5

    with django_capture_on_commit_callbacks(execute=True):
        portfolio[0].archived_at = None
        portfolio[0].save(update_fields=["archived_at"])
    assert _count(client) == 5

    with django_capture_on_commit_callbacks(execute=True):
        made.delete()
    assert _count(client) == 4
    assert _count(client, {"include_archived": "true"}) == 4 == _rows()


def test_a_write_that_moves_no_count_keeps_it_and_the_count_is_read_once(
    api, admin, portfolio, django_capture_on_commit_callbacks
):
    client = api(admin)
    with CaptureQueriesContext(connection) as first:
        assert _count(client) == 4
    with django_capture_on_commit_callbacks(execute=True):
        portfolio[1].title = "Renamed"
        portfolio[1].save(update_fields=["title"])
    with CaptureQueriesContext(connection) as second:
        assert _count(client, {"page_size": 2, "ordering": "-title"}) == 4

    counts = [q["sql"] for q in first.captured_queries if q["sql"].startswith("SELECT COUNT(")]
    assert len(counts) == 1
    assert not [q["sql"] for q in second.captured_queries if q["sql"].startswith("SELECT COUNT(")]


def test_a_filtered_list_is_counted_live(api, admin, portfolio, django_capture_on_commit_callbacks):
    client = api(admin)
    active = _count(client, {"status": "active"})
    assert active == _rows({"status": "active", "archived_at": None})

    # A change of status moves no kept count: the filtered list is counted at each read.
    with django_capture_on_commit_callbacks(execute=True):
        portfolio[2].status = "on_hold"
        portfolio[2].save(update_fields=["status"])

    assert _count(client, {"status": "active"}) == active - 1
    assert _count(client, {"search": portfolio[3].code}) == 1
    assert _count(client) == 4


def test_a_reader_of_some_teams_is_not_given_the_whole_count(api, lead, portfolio, other_team):
    InitiativeFactory(team=other_team)
    assert _count(api(lead)) == 4


def test_with_a_cache_of_this_process_only_the_count_is_kept_ten_seconds_at_most(
    api, admin, portfolio, monkeypatch
):
    client = api(admin)
    assert _count(client) == 4
    # Another process's write: no signal of this process drops the count kept here.
    Initiative.objects.filter(pk=portfolio[0].pk).update(archived_at=timezone.now())
    kept = _count(client)

    later = time.time() + INITIATIVE_COUNT_LOCAL_SECONDS + 1
    monkeypatch.setattr(locmem, "time", SimpleNamespace(time=lambda: later))

    assert kept == 4
    assert _count(client) == 3


def test_with_a_shared_cache_the_count_is_kept_until_a_write(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9150/0",
        }
    }
    assert initiative_count_seconds() == INITIATIVE_COUNT_CACHE_SECONDS
