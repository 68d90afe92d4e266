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

import asyncio
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
from celery import current_app
from django.db import connection
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

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(os.environ.get("PDCA_FAULT_IT") != "1", reason="fault tests: run .ci/fault_outbox"),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("PDCA_FAULT_BROKER", "redis")  # or "rabbitmq"
REDIS_PORT = int(os.environ.get("PDCA_FAULT_REDIS_PORT", "9101"))
RABBITMQ_PORT = int(os.environ.get("PDCA_FAULT_RABBITMQ_PORT", "5672"))
PROXY_PORT = int(os.environ.get("PDCA_FAULT_PROXY_PORT", "9110"))
REDIS_BROKER_URL = f"redis://127.0.0.1:{PROXY_PORT}/0"
# A write must answer well within this even while the broker hangs (the post-commit publish waits at
# most PDCA_OUTBOX_PUBLISH_TIMEOUT_SECONDS, once per pause).
FAST_ANSWER_SECONDS = 3
WEBHOOK_DEADLINE_SECONDS = 3
WAIT_SECONDS = 60
DAY = dt.date(2026, 2, 1)


def wait_for(predicate, *, timeout=WAIT_SECONDS, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


# --- the broker and the proxy in front of it ---------------------------------------------------


class Proxy:
    """A TCP proxy to the broker that the tests can close, hang or open again."""

    def __init__(self, listen_port: int, target_port: int):
        self.listen_port, self.target_port = listen_port, target_port
        self.mode = "open"
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._call(self._listen())

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    async def _listen(self):
        if self.server is None:
            self.server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.listen_port, reuse_address=True
            )

    async def _drop_all(self, *, stop_listening: bool):
        if stop_listening and self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    async def _accept(self, reader, writer):
        self.writers.add(writer)
        if self.mode == "hung":
            return  # accepted, never answered: the client waits until its own timeout
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers.add(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()

    def close(self):
        self.mode = "closed"
        self._call(self._drop_all(stop_listening=True))

    def hang(self):
        self.mode = "hung"
        self._call(self._drop_all(stop_listening=False))
        self._call(self._listen())

    def open(self):
        was_hung, self.mode = self.mode == "hung", "open"
        if was_hung:  # the clients waiting on a hung connection see it reset and reconnect
            self._call(self._drop_all(stop_listening=False))
        self._call(self._listen())

    def shutdown(self):
        self._call(self._drop_all(stop_listening=True))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    if BROKER == "rabbitmq":  # the machine's RabbitMQ (.ci/fault_outbox starts it when it is down)
        wait_for(lambda: _port_open(RABBITMQ_PORT), timeout=10, what="rabbitmq to accept connections")
        proxy = Proxy(PROXY_PORT, RABBITMQ_PORT)
        yield proxy
        proxy.shutdown()
        return
    directory = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
         "--save", "", "--appendonly", "no", "--dir", str(directory)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wait_for(lambda: _port_open(REDIS_PORT), timeout=10, what="redis to start")
    proxy = Proxy(PROXY_PORT, REDIS_PORT)
    yield proxy
    proxy.shutdown()
    server.terminate()
    server.wait(timeout=10)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def _port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def web(broker):
    """This process sends its tasks to the broker behind the proxy (not in-process)."""
    broker.open()
    if BROKER == "rabbitmq":  # a virtual host of this test's own: nothing left over from another run
        vhost = f"pdca-fault-{uuid.uuid4().hex[:10]}"
        rabbitmqctl("add_vhost", vhost)
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        url = f"amqp://guest:guest@127.0.0.1:{PROXY_PORT}/{vhost}"
    else:
        subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "flushall"], check=True, capture_output=True)
        url = REDIS_BROKER_URL
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, url
    outbox._Breaker.reset()
    yield broker
    conf.task_always_eager, conf.broker_url = saved
    outbox._Breaker.reset()
    kombu.pools.reset()  # the kept publishing connections go with the test's broker
    if BROKER == "rabbitmq":
        rabbitmqctl("delete_vhost", vhost)


# --- workers -----------------------------------------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """``celery worker -Q celery,webhooks`` (prefork) with embedded beat, in its own process group,
    with the production visibility timeout and time limits."""

    def __init__(self, directory: Path, name: str, *, beat: bool = True, concurrency: int = 2):
        self.directory, self.name, self.beat, self.concurrency = directory, name, beat, concurrency
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": current_app.conf.broker_url,  # the test's broker (the web fixture)
            "EMAIL_BACKEND": "tests.worker.email_backend.RecordingEmailBackend",
            "PDCA_IT_DIR": str(directory),
            "PDCA_WEBHOOKS_ALLOW_PRIVATE": "1",
            "PDCA_WEBHOOK_TIMEOUT_SECONDS": str(WEBHOOK_DEADLINE_SECONDS),
            "PDCA_OUTBOX_RELAY_SECONDS": "1",
        }

    @property
    def log(self) -> Path:
        return self.directory / f"{self.name}.log"

    def start(self) -> "Worker":
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery,webhooks",
            "--concurrency", str(self.concurrency), "--loglevel=INFO", "--without-gossip",
            "--without-mingle", "--without-heartbeat", "-n", f"{self.name}-{uuid.uuid4().hex[:6]}@%h",
        ]  # fmt: skip
        if self.beat:
            command += ["--beat", "-s", str(self.directory / f"{self.name}-beat")]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_for(lambda: "ready." in self.log.read_text(), timeout=60, what=f"{self.name} to start")
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker: the main process, its pool children and its beat."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # a warm shutdown: the main process stops its pool and beat
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def sent(self) -> list[str]:
        path = self.directory / "sent.log"
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(name: str, **options) -> Worker:
        worker = Worker(tmp_path, name, **options).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
        print(worker.log.read_text()[-4000:])


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
    assert OutboxMessage.objects.filter(state=OutboxState.PENDING).count() == 8
    assert outbox.outbox_backlog().count == 8

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
    assert outbox.outbox_backlog().count == 8

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

    attempt = delivery.attempts.get()
    assert attempt.error == "TimeoutError: " + MSG_DEADLINE.format(seconds=WEBHOOK_DEADLINE_SECONDS)
    assert attempt.duration_ms < (WEBHOOK_DEADLINE_SECONDS + 1) * 1000
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING  # retried later, from the outbox
    assert Notification.objects.filter(kind="stage_changed", recipient=executive).count() == 1
    print(f"trickling receiver: attempt ended after {attempt.duration_ms} ms")
