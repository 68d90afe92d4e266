"""Prometheus metrics of requests and tasks, and the ``/metrics`` view's registry.

With ``PROMETHEUS_MULTIPROC_DIR`` set (every gunicorn worker and Celery process of a host sharing
one directory, containers of one host sharing it as a volume), counters and histograms are written
to files there and ``/metrics`` adds up all processes, task counts of the workers included; without
it each process counts only its own requests and tasks (fine for tests and ``runserver``).
Gauges that read a dependency (queue depth, outbox backlog, webhook deliveries) are computed at
scrape time by collectors the view registers (``config/metrics.py``).
"""

import os
import socket
import time

from celery.signals import before_task_publish, task_postrun, task_prerun
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess, values
from prometheus_client import registry as default_registry

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Containers sharing the directory repeat each other's process ids; the host name tells them apart.
    values.ValueClass = values.MultiProcessValue(lambda: f"{socket.gethostname()}-{os.getpid()}")

HTTP_REQUESTS = Counter(
    "pdca_http_requests_total",
    "HTTP requests answered, by view, method and status",
    ["view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "pdca_http_request_duration_seconds",
    "Time to answer an HTTP request, by view and method",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TASKS = Counter("pdca_celery_tasks_total", "Celery task runs by task and outcome", ["task", "outcome"])
TASK_DURATION = Histogram(
    "pdca_celery_task_duration_seconds",
    "Time a Celery task ran, by task",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)
TASKS_PUBLISHED = Counter("pdca_celery_tasks_published_total", "Celery tasks sent to the broker", ["task"])
CACHE_FAILURES = Counter(
    "pdca_cache_failures_total", "Requests that met an unavailable cache, by degraded feature", ["feature"]
)

UNMATCHED_VIEW = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def scrape_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return default_registry.REGISTRY


class MetricsMiddleware:
    """Counts and times every request by the name of the view that answered it (never the raw path:
    ids in paths would make one series per object)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else UNMATCHED_VIEW
        method = request.method if request.method in KNOWN_METHODS else "other"
        HTTP_REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        HTTP_LATENCY.labels(view=view, method=method).observe(time.monotonic() - started)
        return response


# --- Celery tasks, counted where they run (worker processes, or in-process without a broker) -----

_task_started: dict[str, float] = {}


def _count_published(sender: str | None = None, **kwargs) -> None:
    TASKS_PUBLISHED.labels(task=sender or "unknown").inc()


def _start_task_clock(task_id: str, **kwargs) -> None:
    _task_started[task_id] = time.monotonic()


def _count_task(task_id: str, task, state: str | None = None, **kwargs) -> None:
    started = _task_started.pop(task_id, None)
    if started is not None:
        TASK_DURATION.labels(task=task.name).observe(time.monotonic() - started)
    TASKS.labels(task=task.name, outcome=(state or "unknown").lower()).inc()


def connect_task_metrics() -> None:
    """Count tasks in every process that sends or runs them (``config/celery.py`` calls this)."""
    before_task_publish.connect(_count_published, weak=False, dispatch_uid="pdca-metrics-published")
    task_prerun.connect(_start_task_clock, weak=False, dispatch_uid="pdca-metrics-prerun")
    task_postrun.connect(_count_task, weak=False, dispatch_uid="pdca-metrics-postrun")
