"""The shared cache (Redis) down: the API keeps serving, and only what cannot work without it refuses."""

import time

import pytest
from django.core.cache import cache
from prometheus_client import REGISTRY

from common.api import idempotency
from common.api.idempotency import MSG_UNAVAILABLE, RETRY_AFTER_SECONDS
from improvement.models import Milestone

# Nothing listens on this port (the range is this project's tests' own).
CLOSED_PORT = 9150
MILESTONES = "/api/v1/milestones/"


@pytest.fixture
def cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{CLOSED_PORT}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def _failures(feature: str) -> float:
    return REGISTRY.get_sample_value("pdca_cache_failures_total", {"feature": feature}) or 0.0


def test_reads_and_unkeyed_writes_work_and_throttling_fails_open_when_the_cache_is_down(
    api, lead, initiative, cache_down
):
    client = api(lead)
    before = _failures("throttling")

    listed = client.get(MILESTONES)
    created = client.post(
        MILESTONES, {"initiative": initiative.pk, "title": "Pilot", "due_date": "2030-01-31"}, format="json"
    )

    assert (listed.status_code, created.status_code) == (200, 201)
    assert Milestone.objects.filter(initiative=initiative).count() == 1
    assert _failures("throttling") == before + 2


def test_a_keyed_write_is_refused_with_503_and_retry_after_and_changes_nothing_when_the_cache_is_down(
    api, lead, initiative, cache_down
):
    client = api(lead)
    body = {"initiative": initiative.pk, "title": "Pilot", "due_date": "2030-01-31"}
    before = _failures("idempotency")

    response = client.post(MILESTONES, body, format="json", HTTP_IDEMPOTENCY_KEY="k-down")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["code"] == "idempotency_unavailable"
    assert response.json()["message"] == MSG_UNAVAILABLE
    assert not Milestone.objects.filter(initiative=initiative).exists()
    assert _failures("idempotency") == before + 1


def test_the_lock_of_a_running_request_is_renewed_and_freed_when_it_ends(monkeypatch):
    monkeypatch.setattr(idempotency, "LOCK_SECONDS", 1)
    monkeypatch.setattr(idempotency, "LOCK_RENEW_SECONDS", 0.2)
    with idempotency._held("lock:running"):
        cache.add("lock:running", 1, timeout=idempotency.LOCK_SECONDS)
        time.sleep(2)
        assert cache.get("lock:running") == 1, "a request running past the lock's lifetime keeps it"
    assert cache.get("lock:running") is None


def test_a_lock_nobody_renews_any_more_expires_within_its_short_lifetime(api, lead, initiative, monkeypatch):
    """What a killed request leaves behind: its lock, no longer renewed. A retry is told to wait
    only until the lock's short lifetime is over, then goes through (and writes once)."""
    monkeypatch.setattr(idempotency, "LOCK_SECONDS", 1)
    client = api(lead)
    body = {"initiative": initiative.pk, "title": "Pilot", "due_date": "2030-01-31"}
    # The lock exactly as the killed request took it, then left behind.
    store_key = "idem:" + idempotency._digest(str(lead.pk), "POST", MILESTONES, "k-killed")
    cache.add(store_key + ":lock", 1, timeout=idempotency.LOCK_SECONDS)

    retry_at_once = client.post(MILESTONES, body, format="json", HTTP_IDEMPOTENCY_KEY="k-killed")
    time.sleep(idempotency.LOCK_SECONDS + 0.2)
    retry_later = client.post(MILESTONES, body, format="json", HTTP_IDEMPOTENCY_KEY="k-killed")

    assert (retry_at_once.status_code, retry_later.status_code) == (409, 201)
    assert Milestone.objects.filter(initiative=initiative).count() == 1
