"""``Idempotency-Key`` on POSTs that create: a retry with the same key replays the first answer.

Answers are kept in the cache (Redis in production) for ``API_IDEMPOTENCY_TTL_SECONDS``, keyed by
caller, path and key. Only successful answers are stored, so a request refused for bad input can
be corrected and retried with the same key. Reusing a key for a different body is refused rather
than silently replaying an answer to another question.
"""

import functools
import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from rest_framework import exceptions, status
from rest_framework.response import Response

from common.errors import Conflict

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# A concurrent retry waits for nothing: it is told the first attempt is still running.
IN_FLIGHT_SECONDS = 60

MSG_KEY_TOO_LONG = f"The Idempotency-Key header is at most {MAX_KEY_LENGTH} characters."
MSG_KEY_REUSED = "This Idempotency-Key was already used with a different request body."
MSG_IN_FLIGHT = "A request with this Idempotency-Key is still being processed; retry shortly."


class KeyReused(Conflict):
    default_message = MSG_KEY_REUSED
    code = "idempotency_key_reused"


class InFlight(Conflict):
    default_message = MSG_IN_FLIGHT
    code = "idempotency_in_flight"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _replay(stored: dict, body: str) -> Response:
    if stored["body"] != body:
        raise KeyReused()
    return Response(stored["data"], status=stored["status"], headers={REPLAY_HEADER: "true"})


def idempotent(view_method):
    """Decorate a viewset action that creates something."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError({HEADER: [MSG_KEY_TOO_LONG]})
        store_key = "idem:" + _digest(str(request.user.pk), request.method, request.path, key)
        body = _digest(json.dumps(request.data, cls=DjangoJSONEncoder, sort_keys=True))
        stored = cache.get(store_key)
        if stored is not None:
            return _replay(stored, body)
        lock = store_key + ":lock"
        if not cache.add(lock, 1, timeout=IN_FLIGHT_SECONDS):
            raise InFlight()
        try:
            # The first attempt may have stored its answer and freed the lock since the look-up.
            stored = cache.get(store_key)
            if stored is not None:
                return _replay(stored, body)
            response = view_method(self, request, *args, **kwargs)
            if status.is_success(response.status_code):
                cache.set(
                    store_key,
                    {"body": body, "status": response.status_code, "data": response.data},
                    timeout=settings.API_IDEMPOTENCY_TTL_SECONDS,
                )
        finally:
            cache.delete(lock)
        return response

    return wrapper
