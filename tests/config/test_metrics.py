import importlib.machinery
import socket
import sys
import time
import types

import pytest
from celery import current_app

from config.celery import app as celery_app

TOKEN = "scrape-secret"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN


def _scrape(client) -> str:
    response = client.get("/metrics", **AUTH)
    assert response.status_code == 200
    return response.content.decode()


def test_metrics_are_not_found_without_a_configured_token(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_refuse_a_missing_or_wrong_token(client, metrics_on):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess").status_code == 401


@pytest.mark.django_db
def test_metrics_count_requests_by_view_and_status_and_time_them(client, metrics_on):
    client.get("/healthz")
    client.get("/no-such-page")

    text = _scrape(client)

    assert 'pdca_http_requests_total{method="GET",status="200",view="healthz"}' in text
    assert 'pdca_http_requests_total{method="GET",status="404",view="unmatched"}' in text
    assert 'pdca_http_request_duration_seconds_bucket{le="0.01",method="GET",view="healthz"}' in text


@pytest.mark.django_db
def test_metrics_count_task_runs_and_report_webhook_deliveries(client, metrics_on):
    current_app.tasks["improvement.resume_stalled_webhooks"].delay()

    text = _scrape(client)

    assert 'pdca_celery_tasks_total{outcome="success",task="improvement.resume_stalled_webhooks"}' in text
    assert "pdca_webhook_failed_attempts_last_hour 0.0" in text
    assert "# TYPE pdca_webhook_deliveries gauge" in text


@pytest.mark.django_db
def test_metrics_report_the_outbox_backlog_when_the_outbox_exists(client, metrics_on, monkeypatch):
    outbox = types.ModuleType("common.outbox")
    outbox.__spec__ = importlib.machinery.ModuleSpec("common.outbox", loader=None)
    outbox.outbox_backlog = lambda: types.SimpleNamespace(count=7, oldest_age_seconds=42.5)
    monkeypatch.setitem(sys.modules, "common.outbox", outbox)

    text = _scrape(client)

    assert "pdca_outbox_backlog 7.0" in text
    assert "pdca_outbox_oldest_age_seconds 42.5" in text
    assert 'pdca_scrape_check_up{check="outbox"} 1.0' in text


@pytest.mark.django_db
def test_a_hung_broker_does_not_hold_the_scrape(client, metrics_on, settings):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    url = f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    settings.CELERY_BROKER_URL = url
    celery_app.conf.broker_url = url
    try:
        started = time.monotonic()
        text = _scrape(client)
        seconds = time.monotonic() - started
    finally:
        celery_app.conf.broker_url = None
        server.close()

    assert 'pdca_scrape_check_up{check="queues"} 0.0' in text
    assert "pdca_celery_queue_length" not in text
    assert seconds < 2
