"""A worker's log lines for a task carry the id of the request that enqueued it (real worker, JSON logs)."""

import json
import os

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.worker.test_celery_worker import Worker, wait_for

# The real-worker tests' initiative fixture, used here by name.
from tests.worker.test_celery_worker import initiative as initiative

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        os.environ.get("PDCA_CELERY_IT") != "1", reason="real-worker tests: run .ci/celery_it"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def json_worker(transactional_db, tmp_path):
    if connection.vendor != "postgresql" or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("needs PostgreSQL and a broker")
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    handle = Worker(tmp_path)
    handle.env["LOG_FORMAT"] = "json"
    handle.start()
    yield handle
    handle.stop()


def test_the_worker_logs_a_task_with_the_request_id_of_the_request_that_enqueued_it(
    json_worker, lead, initiative
):
    client = Client()
    client.force_login(lead)
    response = client.post(
        reverse("improvement:initiative_move", args=[initiative.pk]),
        {"to": "do", "version": 1},
        HTTP_X_REQUEST_ID="req-move-1",
    )
    assert response.status_code == 302

    def task_lines():
        lines = [
            json.loads(line) for line in json_worker.log.read_text().splitlines() if line.startswith("{")
        ]
        return [line for line in lines if line.get("task") == "improvement.notify_stage_changed"]

    wait_for(
        lambda: any("succeeded" in line["message"] for line in task_lines()), what="the task's log lines"
    )
    assert {line.get("request_id") for line in task_lines()} == {"req-move-1"}
    assert all(line.get("task_id") for line in task_lines())
