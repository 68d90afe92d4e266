"""The transactional outbox: background work recorded with the change, published after commit or by
the relay, run once in effect, retried later instead of waiting in the worker."""

import datetime as dt
import socket
import time

import kombu.exceptions
import kombu.pools
import kombu.transport.memory
import pytest
from celery import current_app, shared_task
from celery.exceptions import Ignore
from django.db import transaction
from django.utils import timezone

from common import outbox as outbox_module
from common.logging import request_id_var
from common.models import OutboxMessage, OutboxState
from common.outbox import (
    outbox_backlog,
    outbox_enqueue,
    outbox_message_id,
    outbox_publish_after_commit,
    outbox_relay,
    outbox_task_id,
)

pytestmark = pytest.mark.django_db

RUNS: list[int] = []


@shared_task(name="tests.outbox_count", autoretry_for=(ConnectionError,), max_retries=2, retry_backoff=30)
def outbox_count(number: int) -> int:
    RUNS.append(number)
    return number


@shared_task(name="tests.outbox_flaky", autoretry_for=(ConnectionError,), max_retries=3, retry_backoff=30)
def outbox_flaky(number: int) -> int:
    raise ConnectionError("the mail server is away")


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


@pytest.fixture
def closed_port():
    """A local port nothing listens on: the broker is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def broker_down(closed_port):
    """Tasks go to a broker (not in-process), and the broker refuses connections."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, f"redis://127.0.0.1:{closed_port}/0"
    yield
    conf.task_always_eager, conf.broker_url = saved


def test_the_row_is_written_with_the_change_and_the_task_runs_once_committed(
    django_capture_on_commit_callbacks,
):
    token = request_id_var.set("req-42")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            message = outbox_enqueue(task="tests.outbox_count", args=[7])
    finally:
        request_id_var.reset(token)

    assert (message.task, message.args, message.state, message.request_id) == (
        "tests.outbox_count",
        [7],
        OutboxState.PENDING,
        "req-42",
    )
    assert RUNS == []  # nothing runs before the commit
    callbacks[0]()
    message.refresh_from_db()
    assert RUNS == [7]
    assert message.state == OutboxState.DONE
    assert message.completed_at is not None


def test_a_change_rolled_back_leaves_no_row_and_runs_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(task="tests.outbox_count", args=[1])
        raise RuntimeError("the change failed")

    assert not OutboxMessage.objects.exists()
    assert RUNS == []


def test_an_unknown_task_name_is_refused_inside_the_change():
    with pytest.raises(KeyError):
        outbox_enqueue(task="tests.no_such_task")
    assert not OutboxMessage.objects.exists()


def test_a_message_delivered_again_after_it_was_done_is_a_no_op(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(task="tests.outbox_count", args=[3])

    again = outbox_count.apply(args=[3], task_id=outbox_task_id(message.pk))

    assert RUNS == [3]
    assert again.state == "IGNORED"


def test_a_retry_in_a_worker_reschedules_the_row_instead_of_waiting(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        message = outbox_enqueue(task="tests.outbox_flaky", args=[1])
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxState.PUBLISHED)
    # As a worker runs it: the message names the row and is not eager.
    outbox_flaky.push_request(id=outbox_task_id(message.pk), retries=0, is_eager=False, called_directly=False)
    try:
        with pytest.raises(Ignore):
            outbox_flaky.retry(exc=ConnectionError("away"), countdown=30)
    finally:
        outbox_flaky.pop_request()

    message.refresh_from_db()
    assert message.state == OutboxState.PENDING
    assert message.attempts == 1
    assert message.published_at is None
    assert message.last_error == "ConnectionError: away"
    wait = (message.due_at - timezone.now()).total_seconds()
    assert 25 < wait <= 30
    assert outbox_backlog().count == 0  # not due yet


def test_in_process_retries_run_at_once_and_a_task_out_of_retries_fails_on_its_row(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(task="tests.outbox_flaky", args=[1])

    message.refresh_from_db()
    assert message.state == OutboxState.FAILED
    assert message.last_error == "ConnectionError: the mail server is away"


def test_with_the_broker_down_the_commit_succeeds_and_the_row_waits_for_the_relay(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(task="tests.outbox_count", args=[5])

    message.refresh_from_db()
    assert message.state == OutboxState.PENDING
    assert RUNS == []
    backlog = outbox_backlog()
    assert backlog.count == 1
    assert backlog.oldest_age_seconds >= 0
    # The relay tries again, fails loudly, and leaves the row for its next run.
    with pytest.raises(kombu.exceptions.OperationalError, match=r"refused"):
        outbox_relay()
    message.refresh_from_db()
    assert message.state == OutboxState.PENDING


def test_after_one_failed_publish_the_next_commits_skip_the_broker_for_a_pause(
    broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    breaker = outbox_module._Breaker
    breaker.reset()
    with django_capture_on_commit_callbacks(execute=False):
        first = outbox_enqueue(task="tests.outbox_count", args=[1])
        second = outbox_enqueue(task="tests.outbox_count", args=[2])
    calls = []
    monkeypatch.setattr(outbox_module, "_publish", lambda messages: calls.append(messages) or 1 / 0)

    outbox_publish_after_commit(message_id=first.pk)
    started = time.monotonic()
    outbox_publish_after_commit(message_id=second.pk)

    assert len(calls) == 1
    assert time.monotonic() - started < 0.1
    breaker.reset()


def test_the_backlog_counts_due_unpublished_rows_and_the_oldest_age():
    now = timezone.now()
    OutboxMessage.objects.create(task="t", due_at=now - dt.timedelta(seconds=90))
    OutboxMessage.objects.create(task="t", due_at=now - dt.timedelta(seconds=10))
    OutboxMessage.objects.create(task="t", due_at=now + dt.timedelta(seconds=60))  # not due
    OutboxMessage.objects.create(task="t", due_at=now - dt.timedelta(hours=1), state=OutboxState.DONE)

    backlog = outbox_backlog()

    assert backlog.count == 2
    assert 90 <= backlog.oldest_age_seconds < 100


def test_task_ids_name_their_row_and_only_theirs():
    assert outbox_message_id(outbox_task_id(12)) == 12
    assert outbox_message_id("3f2a-uuid") is None
    assert outbox_message_id("outbox-x") is None
    assert outbox_message_id(None) is None


@pytest.fixture
def memory_broker(monkeypatch):
    """Tasks go to kombu's in-memory broker; counts the broker connections opened."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, "memory://"
    kombu.pools.reset()
    opened: list[object] = []
    establish = kombu.transport.memory.Transport.establish_connection

    def counting(self):
        opened.append(self)
        return establish(self)

    monkeypatch.setattr(kombu.transport.memory.Transport, "establish_connection", counting)
    outbox_module._Breaker.reset()
    yield opened
    conf.task_always_eager, conf.broker_url = saved
    kombu.pools.reset()
    outbox_module._Breaker.reset()


def test_commits_publish_on_one_kept_broker_connection(memory_broker, django_capture_on_commit_callbacks):
    for number in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            outbox_enqueue(task="tests.outbox_count", args=[number])

    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.PUBLISHED}
    assert len(memory_broker) == 1


def test_a_connection_that_failed_is_dropped_and_the_next_publish_opens_a_new_one(
    memory_broker, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outbox_enqueue(task="tests.outbox_count", args=[1])
    assert len(memory_broker) == 1
    send_task = current_app.send_task
    calls = []

    def broken_once(*args, **kwargs):
        calls.append(kwargs["connection"])
        if len(calls) == 1:
            raise ConnectionResetError("the broker went away")
        return send_task(*args, **kwargs)

    monkeypatch.setattr(current_app, "send_task", broken_once)
    with django_capture_on_commit_callbacks(execute=True):
        failed = outbox_enqueue(task="tests.outbox_count", args=[2])
    assert OutboxMessage.objects.get(pk=failed.pk).state == OutboxState.PENDING  # left to the relay

    assert outbox_relay() == 1
    assert OutboxMessage.objects.get(pk=failed.pk).state == OutboxState.PUBLISHED
    assert calls[1] is not calls[0]
    assert len(memory_broker) == 2  # a fresh connection, not the broken one again


def test_a_commit_that_records_many_tasks_publishes_them_together(
    broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    """A bulk write records a task per series and one for the money summaries: the first post-commit
    callback publishes every row of the transaction through one broker connection, the others
    find theirs done (one database round of locks and marks instead of sixteen)."""
    outbox_module._Breaker.reset()
    calls: list[list[int]] = []
    monkeypatch.setattr(
        outbox_module, "_publish", lambda messages: calls.append([m.pk for m in messages]) or calls[-1]
    )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        rows = [outbox_enqueue(task="tests.outbox_count", args=[n]) for n in range(3)]
    assert calls == [[row.pk for row in rows]]
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.PUBLISHED}

    # A row recorded later in the same thread goes out with its own commit.
    with django_capture_on_commit_callbacks(execute=True):
        later = outbox_enqueue(task="tests.outbox_count", args=[9])
    assert calls[-1] == [later.pk]
