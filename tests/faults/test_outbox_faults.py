"""Faults between the web, the broker and the workers: no accepted write answers anything but 2xx,
and every job it asked for runs, once in effect.

Skipped unless ``PDCA_FAULT_IT=1`` (``.ci/fault_outbox`` sets it up). The broker is a Redis server of
the tests' own, or with ``PDCA_FAULT_BROKER=rabbitmq`` the RabbitMQ on 127.0.0.1:5672 with a fresh
virtual host per test (created and deleted with ``rabbitmqctl``), reached through a TCP proxy the
tests control: closed (connections refused), hung (connections accepted, never answered) or open.
Workers (with beat, so the outbox relay runs) are separate process groups on the test database, so
the tests commit (``transaction=True``) and poll the database for the workers' effect; the test
process itself plays the web.
"""

import datetime as dt
import os
import socket
import threading
import time

import pytest
from django.db.models import Count
from rest_framework.test import APIClient

from accounts.models import Notification
from common import outbox
from common.models import OutboxMessage, OutboxState
from improvement.models import DeliveryStatus, StageTransition, WebhookDelivery, WebhookEventType
from improvement.services.webhook_transport import MSG_DEADLINE
from improvement.services.webhooks import webhook_event_emit, webhook_subscription_create
from kpis.models import KpiAlert
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory, MilestoneFactory
from tests.faults.harness import WEBHOOK_DEADLINE_SECONDS, wait_for

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(os.environ.get("PDCA_FAULT_IT") != "1", reason="fault tests: run .ci/fault_outbox"),
    pytest.mark.django_db(transaction=True),
]

# A write must answer well within this even while the broker hangs (the post-commit publish waits at
# most PDCA_OUTBOX_PUBLISH_TIMEOUT_SECONDS, once per pause).
FAST_ANSWER_SECONDS = 3
DAY = dt.date(2026, 2, 1)


# --- the writes --------------------------------------------------------------------------------


@pytest.fixture
def scene(team, lead, executive):
    """Initiatives ready to move to Do, each with a sponsor to tell, and a watched KPI."""
    kpi = KpiFactory(code="csat-watch", warning_threshold=80, critical_threshold=70)
    initiatives = []
    for number in range(4):
        initiative = InitiativeFactory(team=team, lead=lead, sponsor=executive, code=f"IMP-{900 + number}")
        KpiTargetFactory(initiative=initiative, kpi=kpi, baseline_value=75, target_value=90)
        MilestoneFactory(initiative=initiative)
        initiatives.append(initiative)
    client = APIClient()
    client.force_login(lead)
    # The first request of a process loads the URL conf and the API modules: not what is measured.
    assert client.get("/api/v1/initiatives/").status_code == 200
    return client, initiatives, kpi


class Writes:
    """Stage moves and bulk writes through the API, each retried once with its Idempotency-Key."""

    def __init__(self, client):
        self.client = client
        self.answers: list[tuple[str, int, float]] = []

    def post(self, url: str, body: dict, key: str) -> None:
        for attempt in ("first", "replay"):
            started = time.monotonic()
            response = self.client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
            self.answers.append((f"{key}:{attempt}", response.status_code, time.monotonic() - started))

    def move(self, initiative) -> None:
        self.post(f"/api/v1/initiatives/{initiative.pk}/transition/", {"to": "do"}, f"move-{initiative.pk}")

    def bulk(self, number: int) -> None:
        # A critical value on a new day each time: the first crossing raises the one alert.
        rows = [{"kpi": "csat-watch", "period": (DAY + dt.timedelta(days=number)).isoformat(), "value": 60}]
        self.post("/api/v1/measurements/bulk/", {"rows": rows}, f"bulk-{number}")

    def assert_all_2xx(self, *, within: float | None = None) -> None:
        refused = [(key, status) for key, status, _ in self.answers if not 200 <= status < 300]
        assert refused == [], refused
        if within is not None:
            slow = [(key, round(seconds, 2)) for key, _, seconds in self.answers if seconds > within]
            assert slow == [], slow

    @property
    def slowest(self) -> float:
        return max(seconds for _, _, seconds in self.answers)


# What a stage move and a bulk write record: the move's notice, the batch's alert evaluation and
# the refresh of the money summaries following its series.
JOBS_PER_ROUND = 3


def assert_every_job_ran_once(*, moves: int, alerts: int, executive) -> None:
    assert StageTransition.objects.count() == moves
    assert Notification.objects.filter(recipient=executive, kind="stage_changed").count() == moves
    assert KpiAlert.objects.count() == alerts
    assert Notification.objects.filter(kind="kpi_alert").count() == alerts  # the lead, told once
    doubled = Notification.objects.values("recipient", "dedupe_key").annotate(n=Count("id")).filter(n__gt=1)
    assert list(doubled) == []
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.DONE}


def all_done() -> bool:
    return not OutboxMessage.objects.exclude(state=OutboxState.DONE).exists()


# --- the faults --------------------------------------------------------------------------------


def test_broker_closed_writes_answer_2xx_and_their_jobs_run_once_it_is_back(web, workers, scene, executive):
    client, initiatives, _kpi = scene
    worker = workers("closed")
    writes = Writes(client)

    web.close()
    for number, initiative in enumerate(initiatives):
        writes.move(initiative)
        writes.bulk(number)
    writes.assert_all_2xx(within=FAST_ANSWER_SECONDS)
    assert OutboxMessage.objects.filter(state=OutboxState.PENDING).count() == JOBS_PER_ROUND * 4
    assert outbox.outbox_backlog().count == JOBS_PER_ROUND * 4

    web.open()
    wait_for(all_done, what="the relay to publish and the worker to run every job")
    time.sleep(3)  # room for a wrongful second run to show up
    assert_every_job_ran_once(moves=4, alerts=1, executive=executive)
    assert len(worker.sent()) == len(set(worker.sent()))
    print(f"broker closed: slowest write {writes.slowest:.2f} s")


def test_broker_hung_writes_answer_2xx_quickly_and_their_jobs_run_once_it_answers(
    web, workers, scene, executive
):
    client, initiatives, _kpi = scene
    workers("hung")
    writes = Writes(client)

    web.hang()
    for number, initiative in enumerate(initiatives):
        writes.move(initiative)
        writes.bulk(number)
    writes.assert_all_2xx(within=FAST_ANSWER_SECONDS)
    assert outbox.outbox_backlog().count == JOBS_PER_ROUND * 4

    web.open()
    wait_for(all_done, what="the jobs after the broker answers again")
    time.sleep(3)
    assert_every_job_ran_once(moves=4, alerts=1, executive=executive)
    print(f"broker hung: slowest write {writes.slowest:.2f} s")


def test_a_whole_worker_killed_with_tasks_in_flight_leaves_them_to_a_second_worker_within_a_minute(
    web, workers, scene, executive
):
    client, initiatives, _kpi = scene
    first = workers("doomed", beat=False)
    (first.directory / "slow").write_text("hang")  # every email hangs: tasks stay in flight
    writes = Writes(client)
    for initiative in initiatives:
        writes.move(initiative)
    writes.assert_all_2xx()
    wait_for(lambda: (first.directory / "started").exists(), what="a task to start sending")
    time.sleep(1)

    first.kill()
    killed_at = time.monotonic()
    (first.directory / "slow").unlink()
    assert not Notification.objects.exists()  # the killed tasks' transactions never committed
    workers("survivor")

    done_at = wait_for(all_done, timeout=75, what="the killed worker's tasks")
    time.sleep(3)
    assert_every_job_ran_once(moves=4, alerts=0, executive=executive)
    assert done_at - killed_at < 60, f"redelivered after {done_at - killed_at:.0f} s"
    print(f"whole worker killed: all tasks done {done_at - killed_at:.1f} s after the kill")


def test_a_trickling_receiver_holds_a_worker_no_longer_than_the_deadline(
    web, workers, admin, scene, executive, settings
):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True
    client, initiatives, _kpi = scene
    receiver = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle():
        while not stop.is_set():
            try:
                connection_, _ = receiver.accept()
            except OSError:
                return
            with connection_:
                connection_.recv(65536)
                for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok........":
                    if stop.wait(1):
                        return
                    try:
                        connection_.sendall(bytes([byte]))
                    except OSError:
                        break

    threading.Thread(target=trickle, daemon=True).start()
    url = f"http://127.0.0.1:{receiver.getsockname()[1]}/hook"
    webhook_subscription_create(actor=admin, url=url, events=[WebhookEventType.STAGE_CHANGED])
    workers("webhooks", concurrency=1)
    try:
        webhook_event_emit(type=WebhookEventType.STAGE_CHANGED, dedupe_key="trickle:1", data={"n": 1})
        delivery = WebhookDelivery.objects.get()
        wait_for(lambda: delivery.attempts.exists(), what="the first attempt")
        writes = Writes(client)
        writes.move(initiatives[0])
        writes.assert_all_2xx()
        # The one worker process was free again after the deadline: the notification follows.
        wait_for(
            lambda: Notification.objects.filter(kind="stage_changed", recipient=executive).exists(),
            timeout=WEBHOOK_DEADLINE_SECONDS + 15,
            what="the stage-change notification behind the webhook",
        )
    finally:
        stop.set()
        receiver.close()

    # The retry waits a random backoff (full jitter, which can come out near zero), so a second
    # attempt may already have been made; every attempt ended by the deadline.
    attempts = list(delivery.attempts.order_by("number"))
    attempt = attempts[0]
    assert attempt.error == "TimeoutError: " + MSG_DEADLINE.format(seconds=WEBHOOK_DEADLINE_SECONDS)
    assert all(each.duration_ms < (WEBHOOK_DEADLINE_SECONDS + 1) * 1000 for each in attempts), [
        (each.number, each.duration_ms, each.error) for each in attempts
    ]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING  # retried later, from the outbox
    assert Notification.objects.filter(kind="stage_changed", recipient=executive).count() == 1
    print(f"trickling receiver: attempt ended after {attempt.duration_ms} ms")
