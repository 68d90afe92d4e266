"""Request ids and structured logs.

Every request gets an id (the incoming ``X-Request-ID`` when it is a sane token, else a new one),
echoed in the response header and attached to every log record emitted while it is handled, with the
user id and, on the access line, the duration. In production the records are JSON lines.

A task enqueued during a request carries the request's id in its message headers; the worker logs
every line of that task with it (and the task's name and id), so one id follows a click from the
web process through to the email it caused. Gunicorn's access lines use the same JSON format
(``config/gunicorn.py``).
"""

import contextvars
import json
import logging
import re
import time
import uuid

from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.signals import request_finished
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)
task_var: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("task", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("pdca.request")

# Paths that carry a secret: the calendar feed's address is its only credential, so a log reader
# could subscribe to anyone's milestones; a share link's address reads an initiative's report. The
# app's access line, gunicorn's (GunicornAccessJsonFormatter) and Django's "Not Found: <path>" lines
# all go through redact_path.
SECRET_IN_PATH = re.compile(r"(/calendar/)[^/?#\s]+(\.ics)")
SHARE_IN_PATH = re.compile(r"(/share/)[^/?#\s]+")
REDACTED = "[redacted]"


def redact_path(text: str) -> str:
    text = SECRET_IN_PATH.sub(rf"\g<1>{REDACTED}\g<2>", text)
    return SHARE_IN_PATH.sub(rf"\g<1>{REDACTED}", text)


class RequestContextFilter(logging.Filter):
    """Adds the request id and user id to every record, and redacts secrets in paths it mentions."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        task = task_var.get()
        if task is not None:
            record.task, record.task_id = task
        message = record.getMessage()
        redacted = redact_path(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = (
        "request_id",
        "user_id",
        "task",
        "task_id",
        "method",
        "path",
        "status",
        "duration_ms",
        "remote_addr",
    )

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in self.FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                payload[field] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


class GunicornAccessJsonFormatter(JsonFormatter):
    """Gunicorn's access records (``gunicorn.access``, its atoms in ``record.args``) as this
    project's JSON lines: the same fields as the application's own access line."""

    def format(self, record: logging.LogRecord) -> str:
        atoms = record.args if isinstance(record.args, dict) else {}
        if atoms:
            path = redact_path(atoms.get("U", ""))
            record.msg, record.args = f"{atoms.get('m')} {path} {atoms.get('s')}", ()
            record.method, record.path, record.status = atoms.get("m"), path, atoms.get("s")
            record.remote_addr = atoms.get("h")
            record.duration_ms = round(int(atoms.get("D", 0)) / 1000, 1)
            request_id = atoms.get("{x-request-id}o")
            record.request_id = request_id if request_id not in (None, "-") else None
        return super().format(record)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        # Not reset on the way out: Django logs its "Not Found" and "Bad Request" warnings after the
        # middleware returned, and they must carry the id too. ``request_finished`` clears it.
        request_id_var.set(request_id)
        user_id_var.set(None)
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        try:
            if user is not None and user.is_authenticated:
                user_id_var.set(user.pk)
        except (OperationalError, InterfaceError):
            pass  # the database is down (the answer is a 503): the line goes out without the user
        response[REQUEST_ID_HEADER] = request_id
        path = redact_path(request.path)
        access_log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


@receiver(request_finished)
def _forget_request(**kwargs) -> None:
    request_id_var.set(None)
    user_id_var.set(None)


# --- Celery: the request id travels in the task's headers ------------------------------------------

REQUEST_ID_TASK_HEADER = "pdca_request_id"
_task_tokens: dict[str, tuple[contextvars.Token, contextvars.Token]] = {}


@before_task_publish.connect
def _send_request_id(headers: dict | None = None, **kwargs) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id:
        headers[REQUEST_ID_TASK_HEADER] = request_id


@task_prerun.connect
def _enter_task(task_id: str, task, **kwargs) -> None:
    # A task run in-process keeps the id of the request it runs in; one from a worker takes its header's.
    sent_id = getattr(task.request, REQUEST_ID_TASK_HEADER, None)
    _task_tokens[task_id] = (
        request_id_var.set(sent_id or request_id_var.get()),
        task_var.set((task.name, task_id)),
    )


@task_postrun.connect
def _leave_task(task_id: str, **kwargs) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens is not None:
        request_token, task_token = tokens
        task_var.reset(task_token)
        request_id_var.reset(request_token)
