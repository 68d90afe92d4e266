"""Django's PostgreSQL backend, with a bound on how long a web request waits for each answer.

A kept connection (``DATABASE_CONN_MAX_AGE`` > 0) whose server stops answering would otherwise hold
the request until gunicorn kills the worker (30 s) and the user gets an HTML 500. Inside a request
(``common.db_unavailable.DatabaseUnavailableMiddleware`` marks it), every statement, commit, rollback
and connection health check gets ``DATABASE_ANSWER_TIMEOUT`` seconds: past it, one watchdog thread
per process shuts the connection's socket down, the wait ends at once, and the request sees
``DatabaseAnswerTimeout`` (an ``OperationalError``), which the middleware answers with 503.

Outside requests (workers, beat, ``migrate``, ``backup``) there is no such bound: long statements
are theirs to run, ``statement_timeout`` aside. libpq's TCP keepalives and ``tcp_user_timeout``
(``config/settings_ops.py``) end connections whose peer has vanished from the network in every
process; a peer that still acknowledges packets but never answers is what the deadline is for.
"""

import contextvars
import itertools
import os
import socket
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import OperationalError
from django.db.backends.postgresql import base

MSG_NO_ANSWER = "The database did not answer within {seconds:g} s."

# True while a web request runs (set by the middleware), so only requests get the deadline.
answer_deadline_on: contextvars.ContextVar[bool] = contextvars.ContextVar("answer_deadline_on", default=False)


class DatabaseAnswerTimeout(OperationalError):
    """The database accepted the connection but did not answer in time."""


def _shut_down(fd: int) -> None:
    """End every wait on this connection's socket at once (its owner then sees a closed connection)."""
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


class _Watchdog:
    """One thread per process holding the deadlines of the waits in progress; arming and disarming
    cost a lock and a dict entry, not a thread per statement."""

    def __init__(self) -> None:
        self._pid: int | None = None

    def _start_if_needed(self) -> None:
        if self._pid == os.getpid():
            return
        # First use in this process (or in a forked child, where the parent's thread does not exist).
        self._pid = os.getpid()
        self._cond = threading.Condition()
        self._armed: dict[int, tuple[float, int]] = {}
        self._ids = itertools.count()
        self._next_due = 0.0  # when the thread wakes next on its own (infinity: it waits for a notify)
        threading.Thread(target=self._run, name="db-answer-deadline", daemon=True).start()

    def arm(self, seconds: float, fd: int) -> int:
        self._start_if_needed()
        due = time.monotonic() + seconds
        with self._cond:
            token = next(self._ids)
            self._armed[token] = (due, fd)
            if due < self._next_due:  # the thread sleeps until a later time (or forever): wake it
                self._cond.notify()
            return token

    def disarm(self, token: int) -> bool:
        """True when the wait ended in time; False when the deadline had already fired."""
        with self._cond:
            return self._armed.pop(token, None) is not None

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                for token in [t for t, (due, _) in self._armed.items() if due <= now]:
                    _shut_down(self._armed.pop(token)[1])
                self._next_due = min((due for due, _ in self._armed.values()), default=float("inf"))
                self._cond.wait(timeout=None if self._next_due == float("inf") else self._next_due - now)


_watchdog = _Watchdog()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(self._bounded_execute)

    @contextmanager
    def answer_deadline(self):
        """Within a request, end the wait for the server after ``DATABASE_ANSWER_TIMEOUT`` seconds."""
        seconds = settings.DATABASE_ANSWER_TIMEOUT
        if not seconds or not answer_deadline_on.get() or self.connection is None or self.connection.closed:
            yield
            return
        token = _watchdog.arm(seconds, self.connection.pgconn.socket)
        try:
            yield
        except Exception as exc:
            if not _watchdog.disarm(token):
                self.errors_occurred = True
                raise DatabaseAnswerTimeout(MSG_NO_ANSWER.format(seconds=seconds)) from exc
            raise
        if not _watchdog.disarm(token):  # fired as the answer came: the connection is gone all the same
            self.errors_occurred = True
            raise DatabaseAnswerTimeout(MSG_NO_ANSWER.format(seconds=seconds))

    def _bounded_execute(self, execute, sql, params, many, context):
        with self.answer_deadline():
            return execute(sql, params, many, context)

    def _commit(self):
        with self.answer_deadline():
            return super()._commit()

    def _rollback(self):
        with self.answer_deadline():
            return super()._rollback()

    def is_usable(self):
        # A health check that times out means a hung server, not a stale connection: the request
        # fails now instead of waiting again for a new connection that would hang the same way.
        with self.answer_deadline():
            return super().is_usable()
