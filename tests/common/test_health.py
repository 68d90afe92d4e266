import socket
import time

import pytest

from config.celery import app as celery_app

# Ports of this test module's own throwaway listeners; nothing else listens there.
CLOSED_PORT = 9150
PROBE_BUDGET_SECONDS = 2.5


@pytest.fixture
def hung_server():
    """A TCP server that accepts connections and never answers: a hung dependency."""
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


@pytest.fixture
def broker_at(settings):
    def configure(url: str) -> None:
        settings.CELERY_BROKER_URL = url
        celery_app.conf.broker_url = url

    yield configure
    celery_app.conf.broker_url = None


def _timed_get(client, path):
    started = time.monotonic()
    response = client.get(path)
    return response, time.monotonic() - started


def test_healthz_answers_without_a_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_does_not_wait_on_a_hung_cache_or_broker(client, settings, hung_server, broker_at):
    client.get("/healthz")  # the first request of a process imports the URLconf and the views
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{hung_server}/0",
        }
    }
    broker_at(f"redis://127.0.0.1:{hung_server}/0")
    response, seconds = _timed_get(client, "/healthz")
    # The hung server never answers and these clients have no socket timeout: touching either would
    # wait far past any probe's budget, not a fraction of a second more.
    assert response.status_code == 200 and seconds < PROBE_BUDGET_SECONDS


@pytest.mark.django_db
def test_readyz_checks_the_database_and_the_cache_and_reports_in_process_tasks(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok"}
    assert body["failing"] == []
    assert body["broker"] == "in-process"


@pytest.mark.django_db
def test_readyz_answers_503_when_the_broker_is_unreachable(client, broker_at):
    broker_at(f"redis://127.0.0.1:{CLOSED_PORT}/0")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error:")
    assert response.json()["failing"] == ["broker"]


@pytest.mark.django_db
def test_readyz_answers_503_naming_the_cache_when_the_cache_is_down(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{CLOSED_PORT}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]


@pytest.mark.django_db
def test_readyz_gives_up_on_a_hung_broker_and_cache_within_its_budget(
    client, settings, hung_server, broker_at
):
    # No client timeouts at all: only the probe's own deadline bounds the wait.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{hung_server}/0",
        }
    }
    broker_at(f"redis://127.0.0.1:{hung_server}/1")
    response, seconds = _timed_get(client, "/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker", "cache"]
    assert seconds < PROBE_BUDGET_SECONDS


@pytest.mark.django_db
def test_readyz_answers_503_when_the_static_manifest_is_missing(client, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["static_manifest"]
    assert "collectstatic" in response.json()["checks"]["static_manifest"]

    (tmp_path / "staticfiles.json").write_text('{"paths": {}, "version": "1.1", "hash": "x"}')
    assert client.get("/readyz").status_code == 200
