"""Background jobs of the KPI layer: thin wrappers that re-fetch by id and call one service."""

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from kpis.alerts import kpi_alerts_evaluate
from kpis.models import Kpi

# Only errors that can pass on their own are retried; a bug fails the task loudly.
TRANSIENT_ERRORS = (OperationalError, ConnectionError, TimeoutError)
RETRY_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="kpis.evaluate_alerts", **RETRY_OPTIONS)
def evaluate_alerts(kpi_id: int, segment: str, periods: list[str]) -> int:
    """Evaluate alert thresholds for new or changed measurements; idempotent by the alert's natural key."""
    kpi = Kpi.objects.filter(pk=kpi_id).first()
    if kpi is None:
        return 0
    dates = [dt.date.fromisoformat(p) for p in periods]
    return len(kpi_alerts_evaluate(kpi=kpi, segment=segment, periods=dates))


@shared_task(name="kpis.evaluate_alerts_for_series", **RETRY_OPTIONS)
def evaluate_alerts_for_series(series: list[list]) -> int:
    """``evaluate_alerts`` for each ``[kpi id, segment, periods]`` one write changed: a batch of
    measurements records one job per 50 series (``kpis.services.ALERT_SERIES_PER_JOB``), not one
    per series. A retry evaluates every series of the job again, which changes nothing where it
    already ran (idempotent by the alert's natural key)."""
    return sum(evaluate_alerts(kpi_id, segment, periods) for kpi_id, segment, periods in series)
