"""``Idempotency-Key`` on POSTs that create: a retry with the same key replays the first answer.

Answers are kept in the cache (Redis in production) for ``API_IDEMPOTENCY_TTL_SECONDS``, keyed by
caller, path and key. Only successful answers are stored, so a request refused for bad input can
be corrected and retried with the same key. Reusing a key for a different body is refused rather
than silently replaying an answer to another question.

While a request runs it holds a lock with a short lifetime, renewed every second or so: a request
whose process is killed leaves its lock for at most ``LOCK_SECONDS``, then the retry goes through.
Without the cache a key cannot be honoured, so a keyed request is refused (503, ``Retry-After``)
before it changes anything; requests without a key are served as usual.
"""

import contextlib
import functools
import hashlib
import json
import logging
import threading

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from rest_framework import exceptions, status
from rest_framework.response import Response

from common.cache_errors import CACHE_ERRORS
from common.errors import Conflict
from common.metrics import CACHE_FAILURES

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# A concurrent retry waits for nothing: it is told the first attempt is still running. The lock
# lives LOCK_SECONDS unless renewed; the running request renews it every LOCK_RENEW_SECONDS.
LOCK_SECONDS = 5
LOCK_RENEW_SECONDS = 1.5
RETRY_AFTER_SECONDS = 30

MSG_KEY_TOO_LONG_TEMPLATE = gettext_noop("The Idempotency-Key header is at most {limit} characters.")
MSG_KEY_TOO_LONG = MSG_KEY_TOO_LONG_TEMPLATE.format(limit=MAX_KEY_LENGTH)
MSG_KEY_REUSED = gettext_noop("This Idempotency-Key was already used with a different request body.")
MSG_IN_FLIGHT = gettext_noop("A request with this Idempotency-Key is still being processed; retry shortly.")
MSG_UNAVAILABLE = gettext_noop(
    "Requests with an Idempotency-Key cannot be accepted right now (the idempotency store is "
    "unavailable); nothing was changed. Retry later."
)


class KeyReused(Conflict):
    default_message = gettext_lazy(MSG_KEY_REUSED)
    code = "idempotency_key_reused"


class InFlight(Conflict):
    default_message = gettext_lazy(MSG_IN_FLIGHT)
    code = "idempotency_in_flight"


class IdempotencyUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy(MSG_UNAVAILABLE)
    default_code = "idempotency_unavailable"
    # The API's exception handler turns ``wait`` into Retry-After.
    wait = RETRY_AFTER_SECONDS


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _replay(stored: dict, body: str) -> Response:
    if stored["body"] != body:
        raise KeyReused()
    return Response(stored["data"], status=stored["status"], headers={REPLAY_HEADER: "true"})


def _unavailable(exc: Exception) -> IdempotencyUnavailable:
    CACHE_FAILURES.labels(feature="idempotency").inc()
    logger.warning("Idempotency-Key refused, the cache is unavailable (%s)", type(exc).__name__)
    return IdempotencyUnavailable()


@contextlib.contextmanager
def _held(lock: str):
    """Keep ``lock`` alive while the block runs; free it after. The renewer is a daemon thread, so
    a killed process stops renewing and the lock expires on its own."""
    stop = threading.Event()
    # This thread's cache client, shared with the renewer (clients are thread-safe): the renewer
    # would otherwise open a connection of its own.
    store = caches[DEFAULT_CACHE_ALIAS]

    def renew() -> None:
        while not stop.wait(LOCK_RENEW_SECONDS):
            # The cache may leave mid-request: the lock then expires by itself, which is all it can do.
            with contextlib.suppress(*CACHE_ERRORS):
                store.touch(lock, LOCK_SECONDS)

    renewer = threading.Thread(target=renew, name="idempotency-lock", daemon=True)
    renewer.start()
    try:
        yield
    finally:
        stop.set()
        renewer.join()
        try:
            cache.delete(lock)
        except CACHE_ERRORS as exc:
            logger.warning(
                "Idempotency lock not freed, it expires in %s s (%s)", LOCK_SECONDS, type(exc).__name__
            )


class _BodyEncoder(DjangoJSONEncoder):
    """A multipart body's files count by name, size and content digest (read in chunks, then rewound)."""

    def default(self, o):
        if isinstance(o, UploadedFile):
            digest = hashlib.sha256()
            for chunk in o.chunks():
                digest.update(chunk)
            o.seek(0)
            return {"name": o.name, "size": o.size, "sha256": digest.hexdigest()}
        return super().default(o)


def idempotent(view_method):
    """Decorate a viewset action that creates something."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError(
                {HEADER: [_(MSG_KEY_TOO_LONG_TEMPLATE).format(limit=MAX_KEY_LENGTH)]}
            )
        store_key = "idem:" + _digest(str(request.user.pk), request.method, request.path, key)
        body = _digest(json.dumps(request.data, cls=_BodyEncoder, sort_keys=True))
        lock = store_key + ":lock"
        try:
            stored = cache.get(store_key)
            if stored is not None:
                return _replay(stored, body)
            acquired = cache.add(lock, 1, timeout=LOCK_SECONDS)
        except CACHE_ERRORS as exc:
            raise _unavailable(exc) from exc
        if not acquired:
            raise InFlight()
        with _held(lock):
            try:
                # The first attempt may have stored its answer and freed the lock since the look-up.
                stored = cache.get(store_key)
            except CACHE_ERRORS as exc:
                raise _unavailable(exc) from exc
            if stored is not None:
                return _replay(stored, body)
            response = view_method(self, request, *args, **kwargs)
            if status.is_success(response.status_code):
                try:
                    cache.set(
                        store_key,
                        {"body": body, "status": response.status_code, "data": response.data},
                        timeout=settings.API_IDEMPOTENCY_TTL_SECONDS,
                    )
                except CACHE_ERRORS as exc:
                    # The write is done and is answered as such; only a later retry can't be replayed.
                    CACHE_FAILURES.labels(feature="idempotency").inc()
                    logger.warning(
                        "Idempotent answer not stored, the cache is unavailable (%s)", type(exc).__name__
                    )
        return response

    return wrapper
