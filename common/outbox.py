"""The transactional outbox: background work recorded with the change that asks for it.

``outbox_enqueue`` writes an ``OutboxMessage`` row in the caller's transaction, so the work exists
exactly when the change does (a rollback takes both away). Two paths hand rows to the broker:

- right after commit, one best-effort attempt with short broker timeouts; it never raises into the
  request, because the write is already committed and must answer 2xx;
- the relay (``outbox_relay``, run by beat every few seconds), which publishes every due row still
  pending (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent relays never pick the
  same row) and publishes again a row whose message was lost (published, never completed).

A message's Celery task id names its row (``outbox-<id>``). The task base class (``config.celery``)
skips a delivery whose row is already done, records completion, and turns retries into a later
``due_at`` on the row instead of a countdown that would keep the message waiting in the broker.

With no broker (``CELERY_BROKER_URL`` unset: tests, ``make run``) the post-commit step runs the task
in-process at once, retries included, as the embedded default always did.
"""

import datetime as dt
import functools
import logging
import threading
import time
from dataclasses import dataclass

import kombu.pools
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from common.logging import request_id_var
from common.models import OutboxMessage, OutboxState
from common.services import queryset_delete_in_batches

logger = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"
_thread_rows = threading.local()
RELAY_BATCH = 200


@dataclass(frozen=True)
class OutboxBacklog:
    """Rows due and not yet handed to the broker, and the age of the oldest (0 when none)."""

    count: int
    oldest_age_seconds: float


# --- ids ---------------------------------------------------------------------------------------


def outbox_task_id(message_id: int) -> str:
    return f"{TASK_ID_PREFIX}{message_id}"


def outbox_message_id(task_id: str | None) -> int | None:
    """The outbox row a Celery task id names; None for tasks sent some other way."""
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    suffix = task_id[len(TASK_ID_PREFIX) :]
    return int(suffix) if suffix.isdigit() else None


# --- enqueue -----------------------------------------------------------------------------------


def outbox_enqueue(*, task: str, args: list | tuple = (), delay_seconds: float = 0) -> OutboxMessage:
    """Record ``task(*args)`` in the current transaction; it is published once the transaction commits.

    A name no task registers raises ``KeyError`` here, inside the change, instead of losing the work.
    """
    current_app.tasks[task]  # the look-up is the check
    message = OutboxMessage.objects.create(
        task=task,
        args=list(args),
        due_at=timezone.now() + dt.timedelta(seconds=delay_seconds),
        request_id=request_id_var.get() or "",
    )
    _unpublished().append(message.pk)
    transaction.on_commit(functools.partial(outbox_publish_after_commit, message_id=message.pk))
    return message


def _unpublished() -> list[int]:
    """This thread's rows recorded since its last post-commit publish: the first post-commit
    callback of a transaction publishes them all at once (one database transaction, one broker
    connection), the later ones find theirs gone. Ids of rows rolled back stay until then, and are
    not found."""
    ids = getattr(_thread_rows, "ids", None)
    if ids is None:
        ids = _thread_rows.ids = []
    return ids


def _take_unpublished(message_id: int) -> list[int]:
    ids = _unpublished()
    if message_id not in ids:
        # Taken with an earlier row of its transaction, or a row this thread did not record.
        return [] if message_id in getattr(_thread_rows, "taken", ()) else [message_id]
    taken = sorted(ids)
    ids.clear()
    _thread_rows.taken = set(taken)
    return taken


# --- publishing --------------------------------------------------------------------------------


class _Breaker:
    """After a failed post-commit publish, later requests skip theirs for a while (the relay is the
    guarantee): with a hung broker, only one request in the window pays the publish timeout."""

    open_until = 0.0

    @classmethod
    def is_open(cls) -> bool:
        return time.monotonic() < cls.open_until

    @classmethod
    def trip(cls) -> None:
        cls.open_until = time.monotonic() + settings.PDCA_OUTBOX_PUBLISH_PAUSE_SECONDS

    @classmethod
    def reset(cls) -> None:
        cls.open_until = 0.0


def _is_eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _broker_connection():
    """A broker connection whose connect, read and write waits are all short: a broker that accepts
    and never answers costs the caller a bounded wait, not a hung request."""
    timeout = settings.PDCA_OUTBOX_PUBLISH_TIMEOUT_SECONDS
    return current_app.connection_for_write(
        connect_timeout=timeout,
        transport_options={
            # Redis
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
            # AMQP: the broker confirms each message before the row is marked published.
            "read_timeout": timeout,
            "write_timeout": timeout,
            "confirm_publish": True,
        },
    )


def _connection_pool():
    """This process's pool of kept publishing connections (``_broker_connection``'s short waits).

    kombu keeps one pool per set of connection parameters and empties it in a forked child, so each
    gunicorn or Celery process keeps its own connections, reused from one commit to the next."""
    return kombu.pools.connections[_broker_connection()]


def _publish(messages: list[OutboxMessage]) -> list[int]:
    """Send each message to the broker, in order, on a kept connection; the ids sent before an error
    (which is raised). A connection that failed is dropped from the pool, never handed out again."""
    sent: list[int] = []
    pool = _connection_pool()
    connection = pool.acquire(block=True, timeout=settings.PDCA_OUTBOX_PUBLISH_TIMEOUT_SECONDS)
    try:
        connection.ensure_connection(max_retries=0)  # connects only when not connected yet
        for message in messages:
            current_app.send_task(
                message.task,
                args=message.args,
                task_id=outbox_task_id(message.pk),
                retries=message.attempts,
                connection=connection,
                retry=False,
            )
            sent.append(message.pk)
    except BaseException:
        connection.collect()  # drops the transport without talking to a broker that may hang
        pool.replace(connection)
        raise
    pool.release(connection)
    return sent


def _mark_published(ids: list[int]) -> None:
    if ids:
        OutboxMessage.objects.filter(pk__in=ids).update(
            state=OutboxState.PUBLISHED, published_at=timezone.now()
        )


def _run_in_process(message_id: int) -> None:
    message = OutboxMessage.objects.filter(pk=message_id, state=OutboxState.PENDING).first()
    if message is None:
        return
    _mark_published([message.pk])
    task = current_app.tasks[message.task]
    try:
        task.apply(
            args=message.args, task_id=outbox_task_id(message.pk), retries=message.attempts, throw=True
        )
    except Exception as exc:  # the change committed: the failure goes on the row and in the log, not up
        # Eager tasks propagate their errors before Celery's failure hook runs: record it here.
        outbox_mark_failed(message_id=message.pk, error=f"{type(exc).__name__}: {exc}")
        logger.exception("In-process task %s failed", outbox_task_id(message.pk))


def outbox_publish_after_commit(*, message_id: int) -> None:
    """The post-commit attempt, for this row and the others its thread recorded since the last one
    (a write that records sixteen tasks publishes them in one go). Never raises: whatever fails
    here, the rows are committed and the relay publishes them later."""
    ids = _take_unpublished(message_id)
    if not ids:
        return
    if _is_eager():
        for each in ids:
            _run_in_process(each)
        return
    if _Breaker.is_open():
        return
    try:
        with transaction.atomic():
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk__in=ids, state=OutboxState.PENDING, due_at__lte=timezone.now())
                .order_by("pk")
            )
            if not messages:  # not due yet, or the relay has them
                return
            _mark_published(_publish(messages))
    except Exception as exc:  # any trouble (broker, database): the relay publishes the rows later
        _Breaker.trip()
        logger.warning(
            "Could not publish %s after commit; the relay will: %r",
            ", ".join(outbox_task_id(each) for each in ids),
            exc,
        )


def outbox_relay(*, batch: int = RELAY_BATCH) -> int:
    """Publish the due pending rows, and again the published ones never completed within
    ``PDCA_OUTBOX_REPUBLISH_SECONDS`` (their message was lost); the number published.

    Raises the broker's error after marking what it did send, so the relay task fails visibly.
    """
    now = timezone.now()
    lost_before = now - dt.timedelta(seconds=settings.PDCA_OUTBOX_REPUBLISH_SECONDS)
    due = Q(state=OutboxState.PENDING, due_at__lte=now) | Q(
        state=OutboxState.PUBLISHED, published_at__lt=lost_before
    )
    if _is_eager():
        due_ids = list(
            OutboxMessage.objects.filter(due).order_by("due_at", "pk").values_list("pk", flat=True)
        )
        for message_id in due_ids:
            OutboxMessage.objects.filter(pk=message_id).update(state=OutboxState.PENDING)
            _run_in_process(message_id)
        return len(due_ids)
    published = 0
    while True:
        with transaction.atomic():
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(due)
                .order_by("due_at", "pk")[:batch]
            )
            if not messages:
                break
            sent: list[int] = []
            try:
                sent = _publish(messages)
            finally:
                _mark_published(sent)
            published += len(sent)
        if len(messages) < batch:
            break
    if published:
        _Breaker.reset()
    return published


# --- the task side -----------------------------------------------------------------------------


def outbox_is_done(*, message_id: int) -> bool:
    return OutboxMessage.objects.filter(pk=message_id, state=OutboxState.DONE).exists()


def outbox_unfinished_first_args(*, task: str) -> set:
    """The first argument of every ``task`` message not finished yet (pending or published): work
    the outbox still owns (it retries and republishes it), which nothing else should start again."""
    unfinished = OutboxMessage.objects.filter(
        task=task, state__in=[OutboxState.PENDING, OutboxState.PUBLISHED]
    ).values_list("args", flat=True)
    return {args[0] for args in unfinished.iterator() if args}


def outbox_mark_done(*, message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id).exclude(state=OutboxState.DONE).update(
        state=OutboxState.DONE, completed_at=timezone.now(), last_error=""
    )


def outbox_mark_failed(*, message_id: int, error: str) -> None:
    OutboxMessage.objects.filter(pk=message_id).exclude(state=OutboxState.DONE).update(
        state=OutboxState.FAILED, completed_at=timezone.now(), last_error=error[:2000]
    )


def outbox_retry_later(*, message_id: int, delay_seconds: float, error: str) -> None:
    """Schedule the next attempt: the row goes back to pending, due after the backoff."""
    OutboxMessage.objects.filter(pk=message_id).exclude(state=OutboxState.DONE).update(
        state=OutboxState.PENDING,
        due_at=timezone.now() + dt.timedelta(seconds=delay_seconds),
        attempts=F("attempts") + 1,
        published_at=None,
        last_error=error[:2000],
    )


# --- seeing it ---------------------------------------------------------------------------------


def outbox_backlog() -> OutboxBacklog:
    """Due rows not yet handed to the broker, and how long the oldest has waited (for metrics)."""
    now = timezone.now()
    due = OutboxMessage.objects.filter(state=OutboxState.PENDING, due_at__lte=now)
    summary = due.aggregate(oldest=Min("due_at"))
    count = due.count()
    oldest = summary["oldest"]
    return OutboxBacklog(count=count, oldest_age_seconds=(now - oldest).total_seconds() if oldest else 0.0)


def outbox_prune_finished(*, older_than: dt.datetime, batch_size: int) -> int:
    """Delete outbox rows whose job finished (done, or failed for good) before ``older_than``.

    Pending and published rows are jobs not yet run: they always stay.
    """
    finished = OutboxMessage.objects.filter(
        state__in=[OutboxState.DONE, OutboxState.FAILED], completed_at__lt=older_than
    )
    return queryset_delete_in_batches(finished, batch_size=batch_size)
