"""The per-caller request budget: a sliding window of two counters in the shared cache."""

import threading

import pytest
import redis
from django.core.cache import caches

from common.api.throttling import CallerRateThrottle

INITIATIVES = "/api/v1/initiatives/"
# 12:00:00 UTC on a day; the windows of a one-minute budget start on whole minutes.
NOON = 1_780_000_000 - 1_780_000_000 % 60


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, set by the test."""
    now = {"t": float(NOON)}
    monkeypatch.setattr(CallerRateThrottle, "timer", lambda self: now["t"])
    return now


@pytest.fixture
def ten_a_minute(monkeypatch):
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"caller": "10/minute"})


def _statuses(client, count: int) -> list[int]:
    return [client.get(INITIATIVES).status_code for _ in range(count)]


def test_the_budget_is_let_through_and_the_next_call_is_refused_with_retry_after(
    token_api, lead, clock, ten_a_minute
):
    client = token_api(lead)

    statuses = _statuses(client, 10)
    refused = client.get(INITIATIVES)

    assert statuses == [200] * 10
    assert refused.status_code == 429
    # Nothing is free in this window; in the next, once the ten weigh 9 or less: 60 s, then 6 s.
    assert refused["Retry-After"] == "66"
    clock["t"] = NOON + 65
    assert client.get(INITIATIVES).status_code == 429
    clock["t"] = NOON + 66
    assert client.get(INITIATIVES).status_code == 200


def test_the_previous_windows_calls_weigh_by_the_share_of_it_still_in_the_window(
    token_api, lead, clock, ten_a_minute
):
    client = token_api(lead)
    clock["t"] = NOON + 59
    assert _statuses(client, 10) == [200] * 10

    clock["t"] = NOON + 60 + 30  # half the next minute: the ten weigh five
    half_way = _statuses(client, 6)
    clock["t"] = NOON + 120  # the minute after: the five weigh nothing, five of ten are left
    next_minute = _statuses(client, 6)

    assert half_way == [200] * 5 + [429]
    assert next_minute == [200] * 5 + [429]


def test_retry_after_is_when_the_previous_window_weighs_little_enough(token_api, lead, clock, ten_a_minute):
    client = token_api(lead)
    assert _statuses(client, 10) == [200] * 10
    clock["t"] = NOON + 60  # the ten weigh fully at the start of the next minute
    refused = client.get(INITIATIVES)

    wait = int(refused["Retry-After"])
    clock["t"] = NOON + 60 + wait - 1
    too_soon = client.get(INITIATIVES).status_code
    clock["t"] = NOON + 60 + wait

    assert refused.status_code == 429
    assert wait == 6  # the ten weigh 9 after 6 s of the minute: one call fits
    assert too_soon == 429
    assert client.get(INITIATIVES).status_code == 200


def test_a_budget_of_one_call(token_api, lead, clock, monkeypatch):
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"caller": "1/minute"})
    client = token_api(lead)
    assert _statuses(client, 2) == [200, 429]

    clock["t"] = NOON + 30
    refused = client.get(INITIATIVES)
    clock["t"] = NOON + 60 + 59
    still = client.get(INITIATIVES).status_code
    clock["t"] = NOON + 120

    assert refused["Retry-After"] == "90"  # the call of this minute weighs until the next one ends
    assert still == 429
    assert client.get(INITIATIVES).status_code == 200


def test_a_refused_call_is_not_counted(token_api, lead, clock, ten_a_minute):
    client = token_api(lead)
    assert _statuses(client, 10) == [200] * 10
    assert _statuses(client, 20) == [429] * 20

    clock["t"] = NOON + 120  # two minutes on: the ten calls no longer weigh, the refused never did

    assert _statuses(client, 11) == [200] * 10 + [429]


def test_each_token_and_each_signed_in_user_has_its_own_budget(
    token_api, api, lead, admin_user, clock, ten_a_minute
):
    first, second = token_api(lead), token_api(lead)
    assert _statuses(first, 11)[-1] == 429

    assert _statuses(second, 10) == [200] * 10
    assert _statuses(api(admin_user), 10) == [200] * 10


class _Token:
    def __init__(self, pk):
        self.pk = pk


class _Call:
    def __init__(self, token_pk):
        self.auth = _Token(token_pk)
        self.user = None
        self.META = {}


def _count_concurrently(throttle_class, *, threads: int, calls: int) -> list[bool]:
    answers: list[bool] = []
    lock = threading.Lock()

    def run():
        mine = [throttle_class().allow_request(_Call(41), None) for _ in range(calls)]
        with lock:
            answers.extend(mine)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


def test_concurrent_calls_of_one_caller_are_all_counted(monkeypatch, clock):
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"caller": "1000/minute"})
    answers = _count_concurrently(CallerRateThrottle, threads=8, calls=50)

    throttle = CallerRateThrottle()
    allowed_after = [throttle.allow_request(_Call(41), None) for _ in range(700)]

    assert all(answers)
    # 400 counted by the threads: 600 more are let through, not one more.
    assert allowed_after.count(True) == 600


def _redis_answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.mark.skipif(not _redis_answers(REDIS_URL), reason="no Redis on 127.0.0.1:6379")
def test_the_counters_work_and_expire_in_redis(settings, monkeypatch, clock):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"throttle-test-{threading.get_ident()}",
        }
    }
    redis_cache = caches["default"]
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"caller": "300/minute"})
    redis_cache.clear()
    try:
        answers = _count_concurrently(CallerRateThrottle, threads=4, calls=100)
        key = CallerRateThrottle.cache_format % {"scope": "caller", "ident": "token:41"}
        counted = redis_cache.get(f"{key}:{NOON // 60}")
        ttl = redis.Redis.from_url(REDIS_URL).ttl(redis_cache.make_and_validate_key(f"{key}:{NOON // 60}"))
    finally:
        redis_cache.clear()

    assert answers.count(True) == 300
    assert counted == 300
    # Kept for two windows: the next one reads it as its previous window.
    assert 60 < ttl <= 120
