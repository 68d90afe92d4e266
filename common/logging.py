"""Request ids and structured logs.

Every request gets an id (the incoming ``X-Request-ID`` when it is a sane token, else a new one),
echoed in the response header and attached to every log record emitted while it is handled, with the
user id and, on the access line, the duration. In production the records are JSON lines.
"""

import contextvars
import json
import logging
import re
import time
import uuid

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
access_log = logging.getLogger("pdca.request")

# Paths that carry a secret: the calendar feed's address is its only credential, so a log reader
# could subscribe to anyone's milestones. This app's access line is the access log (gunicorn's own is
# off in the Procfile and Dockerfile for this reason); Django's "Not Found: <path>" lines go through
# the filter below.
SECRET_IN_PATH = re.compile(r"(/calendar/)[^/?#\s]+(\.ics)")
REDACTED = "[redacted]"


def redact_path(text: str) -> str:
    return SECRET_IN_PATH.sub(rf"\g<1>{REDACTED}\g<2>", text)


class RequestContextFilter(logging.Filter):
    """Adds the request id and user id to every record, and redacts secrets in paths it mentions."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        message = record.getMessage()
        redacted = redact_path(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")

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


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SANE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                user_id_var.set(user.pk)
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
        finally:
            request_id_var.reset(token)
            user_id_var.reset(user_token)
