"""``GET /metrics``: Prometheus text, for a scraper holding ``METRICS_TOKEN`` (docs/deploy.md).

Besides the counters of ``common.metrics``, three gauges are read at scrape time: the broker's queue
lengths (bounded, so a hung broker cannot hold the scrape), the outbox backlog (when the outbox
exists in this release) and webhook deliveries by status, both from the database.
"""

import hmac
import importlib
import importlib.util
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu.exceptions import ChannelError
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from common.bounded import run_bounded
from common.metrics import scrape_registry
from improvement.models import WebhookAttempt, WebhookDelivery

SCRAPE_CHECK_SECONDS = 1.0
OUTBOX_MODULE = "common.outbox"
FAILED_ATTEMPTS_WINDOW = timedelta(hours=1)


def queue_lengths() -> dict[str, int]:
    lengths = {}
    with current_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, timeout=SCRAPE_CHECK_SECONDS)
        for name in current_app.amqp.queues:
            with conn.channel() as channel:
                try:
                    lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except ChannelError:
                    # Redis drops the key of an emptied list; RabbitMQ has not declared it yet.
                    lengths[name] = 0
    return lengths


def outbox_backlog_reader():
    """The outbox's own backlog function, or None in a release without (a working) outbox."""
    try:
        if importlib.util.find_spec(OUTBOX_MODULE) is None:
            return None
        return getattr(importlib.import_module(OUTBOX_MODULE), "outbox_backlog", None)
    except ImportError:
        return None


class DependencyCollector:
    def collect(self):
        found: dict[str, object] = {}
        errors: dict[str, str | None] = {}
        if settings.CELERY_BROKER_URL:
            errors = run_bounded(
                {"queues": lambda: found.update(queues=queue_lengths())}, timeout=SCRAPE_CHECK_SECONDS
            )
        up = GaugeMetricFamily(
            "pdca_scrape_check_up", "1 when a scrape-time reading answered in time", labels=["check"]
        )
        backlog = outbox_backlog_reader()
        if backlog is not None:
            try:
                found["outbox"], errors["outbox"] = backlog(), None
            except DatabaseError as exc:  # the scrape still reports everything else
                errors["outbox"] = type(exc).__name__
        for name, error in errors.items():
            up.add_metric([name], 0 if error else 1)
        yield up
        found["webhooks"] = self._webhooks()
        if "queues" in found:
            queues = GaugeMetricFamily(
                "pdca_celery_queue_length", "Messages waiting in a broker queue", labels=["queue"]
            )
            for name, length in found["queues"].items():
                queues.add_metric([name], length)
            yield queues
        if "outbox" in found:
            yield from self._outbox(found["outbox"])
        if "webhooks" in found:
            by_status, failed_recently = found["webhooks"]
            deliveries = GaugeMetricFamily(
                "pdca_webhook_deliveries", "Webhook deliveries by status", labels=["status"]
            )
            for status, count in by_status.items():
                deliveries.add_metric([status], count)
            yield deliveries
            yield GaugeMetricFamily(
                "pdca_webhook_failed_attempts_last_hour",
                "Webhook delivery attempts that failed in the last hour",
                value=failed_recently,
            )

    @staticmethod
    def _outbox(backlog):
        # common.outbox.outbox_backlog() answers a count and the age of the oldest due row.
        yield GaugeMetricFamily(
            "pdca_outbox_backlog", "Due outbox rows not yet published", value=backlog.count
        )
        yield GaugeMetricFamily(
            "pdca_outbox_oldest_age_seconds",
            "How long the oldest due outbox row has waited",
            value=backlog.oldest_age_seconds,
        )

    @staticmethod
    def _webhooks() -> tuple[dict[str, int], int]:
        by_status = dict(
            WebhookDelivery.objects.order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        since = timezone.now() - FAILED_ATTEMPTS_WINDOW
        failed = WebhookAttempt.objects.filter(succeeded=False, requested_at__gte=since).count()
        return by_status, failed


def _authorized(request) -> bool:
    expected = f"Bearer {settings.METRICS_TOKEN}"
    return hmac.compare_digest(request.headers.get("Authorization", "").encode(), expected.encode())


@never_cache
@require_GET
def metrics(request):
    if not settings.METRICS_TOKEN:
        raise Http404
    if not _authorized(request):
        return HttpResponse("Unauthorized\n", status=401, headers={"WWW-Authenticate": "Bearer"})
    dependencies = CollectorRegistry()
    dependencies.register(DependencyCollector())
    body = generate_latest(scrape_registry()) + generate_latest(dependencies)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
