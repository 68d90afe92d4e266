"""Liveness and readiness probes for load balancers and orchestrators: JSON, no auth, no secrets.

``/healthz`` says the process answers and touches nothing else: a dependency that hangs must not
make the orchestrator kill healthy web workers. ``/readyz`` checks every dependency the app needs,
all at once, each for at most ``HEALTH_CHECK_TIMEOUT_SECONDS``: a hung database, cache or broker
makes it answer 503 within about that time instead of holding a gunicorn worker.
"""

import time
import uuid

from celery import current_app
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from common.bounded import run_bounded


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def check_database() -> None:
    # Runs in its own thread, hence on its own connection: closed here, never left to leak.
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, 1, timeout=10)
    if cache.get(key) != 1:
        raise RuntimeError("the cache did not keep a value")
    cache.delete(key)


def check_broker() -> None:
    # The project's app (config/celery.py, loaded by config/__init__) is Celery's current app.
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=settings.HEALTH_CHECK_TIMEOUT_SECONDS)


def check_static_manifest() -> None:
    # Without collectstatic every page that links a static file is a 500 under manifest storage.
    storage = storages["staticfiles"]
    if storage.read_manifest() is None:
        raise FileNotFoundError(f"{storage.manifest_name} is missing: run collectstatic")


def readiness_checks() -> dict:
    checks = {"database": check_database, "cache": check_cache}
    if settings.CELERY_BROKER_URL:
        checks["broker"] = check_broker
    if isinstance(storages["staticfiles"], ManifestFilesMixin):
        checks["static_manifest"] = check_static_manifest
    return checks


@never_cache
@require_GET
def readyz(request):
    started = time.monotonic()
    errors = run_bounded(readiness_checks(), timeout=settings.HEALTH_CHECK_TIMEOUT_SECONDS)
    ready = all(error is None for error in errors.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: ("ok" if error is None else f"error: {error}") for name, error in errors.items()},
        "failing": sorted(name for name, error in errors.items() if error is not None),
        "broker": "configured" if settings.CELERY_BROKER_URL else "in-process",
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if ready else 503)
