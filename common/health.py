"""Liveness and readiness probes for load balancers and orchestrators: JSON, no auth, no secrets."""

import time

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT_SECONDS = 2


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; its type goes in the answer
        return type(exc).__name__
    return None


def _check_broker() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return None
    try:
        # The project's app (config/celery.py, loaded by config/__init__) is Celery's current app.
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means "not ready"; its type goes in the answer
        return type(exc).__name__
    return None


@never_cache
@require_GET
def readyz(request):
    started = time.monotonic()
    checks = {"database": _check_database(), "broker": _check_broker()}
    ready = all(error is None for error in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: ("ok" if error is None else f"error: {error}") for name, error in checks.items()},
        "broker": "configured" if settings.CELERY_BROKER_URL else "in-process",
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JsonResponse(body, status=200 if ready else 503)
