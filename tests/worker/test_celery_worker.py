"""Real worker, real Redis, real PostgreSQL: the Celery wiring as it runs in production.

Skipped unless ``PDCA_CELERY_IT=1`` (``.ci/celery_it`` sets it up). The worker is a separate
process (``celery -A config worker --pool=solo``) on the test database, so the tests commit
(``transaction=True``) and poll the database for the worker's effect.
"""

import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from improvement.models import DeliveryStatus, NotificationKind, WebhookDelivery, WebhookEventType
from improvement.services.chat import chat_destination_create
from improvement.services.webhooks import SIGNATURE_HEADER, webhook_event_emit, webhook_subscription_create
from tests.factories import InitiativeFactory, KpiTargetFactory, MilestoneFactory

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.skipif(
        os.environ.get("PDCA_CELERY_IT") != "1", reason="real-worker tests: run .ci/celery_it"
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
# Low so a message left unacknowledged by a killed worker is handed out again within the test.
VISIBILITY_TIMEOUT = 3
WAIT_SECONDS = 45


def wait_for(predicate, *, timeout=WAIT_SECONDS, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, directory: Path):
        self.directory = directory
        self.process: subprocess.Popen | None = None
        self.runs = 0
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "EMAIL_BACKEND": "tests.worker.email_backend.RecordingEmailBackend",
            "PDCA_IT_DIR": str(directory),
            "PDCA_WEBHOOKS_ALLOW_PRIVATE": "1",
            "PDCA_WEBHOOK_BACKOFF_SECONDS": "1",
            "PDCA_OUTBOX_RELAY_SECONDS": "1",
        }

    @property
    def log(self) -> Path:
        return self.directory / f"worker-{self.runs}.log"

    def start(self) -> None:
        self.runs += 1
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "celery,webhooks",
                "--pool=solo",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"it-{uuid.uuid4().hex[:8]}@%h",
                # Beat runs the outbox relay, which publishes retries when they are due.
                "--beat",
                "-s",
                str(self.directory / "beat-schedule"),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: "ready." in self.log.read_text(), timeout=60, what="the worker to start")

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)  # the worker and its beat
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def sent(self) -> list[str]:
        path = self.directory / "sent.log"
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def worker(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database: run on PostgreSQL")
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("set CELERY_BROKER_URL so tasks go to the broker")
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    handle = Worker(tmp_path)
    handle.start()
    yield handle
    handle.stop()
    print(handle.log.read_text())


@pytest.fixture
def initiative(team, lead, executive):
    initiative = InitiativeFactory(team=team, lead=lead, sponsor=executive, code="IMP-777")
    KpiTargetFactory(initiative=initiative)
    MilestoneFactory(initiative=initiative)
    return initiative


def move_to_do(lead, initiative):
    client = Client()
    client.force_login(lead)
    response = client.post(
        reverse("improvement:initiative_move", args=[initiative.pk]), {"to": "do", "version": 1}
    )
    assert response.status_code == 302


def test_a_task_enqueued_by_a_web_action_runs_on_the_worker(worker, lead, executive, initiative):
    move_to_do(lead, initiative)

    wait_for(lambda: Notification.objects.filter(recipient=executive).exists(), what="the notification")
    notice = Notification.objects.get(recipient=executive)
    assert (notice.kind, notice.title) == (NotificationKind.STAGE_CHANGED, "IMP-777 moved from Plan to Do")
    wait_for(lambda: worker.sent(), what="the email")
    assert worker.sent() == [f"{executive.email} [PDCA Tracker] IMP-777 moved from Plan to Do"]


def test_a_worker_killed_mid_task_leaves_it_to_be_redelivered_and_the_effect_happens_once(
    worker, lead, executive, initiative
):
    (worker.directory / "slow").write_text("hang")
    move_to_do(lead, initiative)
    wait_for(lambda: (worker.directory / "started").exists(), what="the task to start sending")

    worker.kill()
    assert not Notification.objects.exists()  # the killed task's transaction never committed
    (worker.directory / "slow").unlink()
    time.sleep(VISIBILITY_TIMEOUT + 1)
    worker.start()

    wait_for(lambda: Notification.objects.exists(), what="the redelivered task")
    time.sleep(VISIBILITY_TIMEOUT + 2)  # room for a wrongful second delivery to show up
    assert Notification.objects.filter(recipient=executive).count() == 1
    assert worker.sent() == [f"{executive.email} [PDCA Tracker] IMP-777 moved from Plan to Do"]


def test_a_receiver_answering_500_twice_gets_the_event_on_the_third_attempt(
    worker, admin, httpserver, settings
):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True
    for status in (500, 500, 200):
        httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("x", status=status)
    subscription = webhook_subscription_create(
        actor=admin, url=httpserver.url_for("/hook"), events=[WebhookEventType.STAGE_CHANGED]
    )

    event = webhook_event_emit(type=WebhookEventType.STAGE_CHANGED, dedupe_key="it:1", data={"n": 1})

    delivery = WebhookDelivery.objects.get(event=event)
    wait_for(
        lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUCCEEDED,
        what="the third attempt",
    )
    assert list(delivery.attempts.values_list("number", "status_code")) == [(1, 500), (2, 500), (3, 200)]
    assert len(httpserver.log) == 3
    request = httpserver.log[-1][0]
    fields = dict(part.split("=", 1) for part in request.headers[SIGNATURE_HEADER].split(","))
    body = request.get_data()
    expected = hmac.new(
        subscription.secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, fields["v1"])
    assert str(event.id) in body.decode()


def test_a_chat_app_answering_429_is_tried_again_after_its_retry_after(
    worker, lead, team, httpserver, settings
):
    """The backoff here is at most 1 s: a second attempt 3 s later is the receiver's Retry-After."""
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = settings.PDCA_CHAT_ANY_HOST = True
    httpserver.expect_ordered_request("/slack", method="POST").respond_with_data(
        "rate limited", status=429, headers={"Retry-After": "3"}
    )
    httpserver.expect_ordered_request("/slack", method="POST").respond_with_data("ok")
    chat_destination_create(
        actor=lead, team=team, kind="slack", url=httpserver.url_for("/slack"), events=["digest.weekly"]
    )

    event = webhook_event_emit(
        type="digest.weekly", dedupe_key="it:chat", data={"team": "T"}, team_ids=[team.pk]
    )

    delivery = WebhookDelivery.objects.get(event=event)
    wait_for(
        lambda: WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUCCEEDED,
        what="the attempt after Retry-After",
    )
    first, second = delivery.attempts.order_by("number")
    assert (first.status_code, second.status_code) == (429, 200)
    assert (second.requested_at - first.requested_at).total_seconds() >= 3
