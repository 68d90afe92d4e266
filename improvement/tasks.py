"""Background jobs of the improvement layer.

Each task takes primitive ids, re-fetches, returns quietly when the work is gone or already done,
and calls one service. Idempotence lives in the services (dedupe keys recorded in the database), so
a task delivered twice — after a worker died before acknowledging it — has its effect once.
Only transient errors are retried, with exponential backoff and jitter; the retry waits in the
outbox (``config.celery.Task``), not in the worker.
"""

import datetime as dt
import smtplib

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from django.utils import timezone

from common.outbox import outbox_enqueue, outbox_unfinished_first_args
from improvement.models import (
    DeliveryStatus,
    KpiTarget,
    PackStatus,
    PortfolioPack,
    SignOffRequest,
    StageTransition,
    WebhookDelivery,
)
from improvement.models.ideas import Idea
from improvement.services import (
    chat,
    comments,
    digest,
    imports,
    money_summaries,
    notifications,
    packs,
    retention,
    roadmap,
    signoffs,
    webhooks,
)
from improvement.services.ideas import idea_notify
from kpis.models import KpiAlert

TRANSIENT_ERRORS = (OperationalError, smtplib.SMTPException, ConnectionError, TimeoutError)
RETRY_OPTIONS = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}
# Pending webhook deliveries untouched this long are assumed lost and enqueued again.
STALLED_DELIVERY_SECONDS = 3600
# The daily and weekly batches write and mail per person, so they may outlast the default limits. On
# Redis a run past the visibility timeout may be handed out again: their dedupe keys make that harmless.
BATCH_LIMITS = {"soft_time_limit": 540, "time_limit": 600}
# A webhook attempt ends within its own deadline (webhook_transport); the task limits are a backstop.
WEBHOOK_LIMITS = {
    "soft_time_limit": settings.PDCA_WEBHOOK_TIMEOUT_SECONDS + 10,
    "time_limit": settings.PDCA_WEBHOOK_TIMEOUT_SECONDS + 20,
}
# A 100,000-row import takes seconds; the limits leave room for a busy database.
IMPORT_LIMITS = {"soft_time_limit": 300, "time_limit": 330}


@shared_task(name=money_summaries.MONEY_SERIES_TASK, **RETRY_OPTIONS)
def refresh_money_for_series(series: list[list]) -> int:
    """The money summaries following measurement series just written (``[[kpi id, segment, period]]``):
    recomputed from what is committed now, so a repeated delivery writes the same rows."""
    return money_summaries.money_summaries_refresh_series(
        periods=money_summaries.series_periods_from_args(series)
    )


def _today(value: str | None) -> dt.date:
    return dt.date.fromisoformat(value) if value else timezone.localdate()


@shared_task(name="improvement.notify_stage_changed", **RETRY_OPTIONS)
def notify_stage_changed(transition_id: int) -> int:
    transition = (
        StageTransition.objects.select_related("initiative__lead", "initiative__sponsor", "actor")
        .filter(pk=transition_id)
        .first()
    )
    if transition is None:
        return 0
    return notifications.stage_changed_notify(transition=transition)


@shared_task(name="improvement.notify_target_met", **RETRY_OPTIONS)
def notify_target_met(target_id: int, cycle: int) -> int:
    target = KpiTarget.objects.select_related("initiative__lead", "kpi").filter(pk=target_id).first()
    if target is None:
        return 0
    return notifications.target_met_notify(target=target, cycle=cycle)


@shared_task(name="improvement.notify_kpi_alert", **RETRY_OPTIONS)
def notify_kpi_alert(alert_id: int) -> int:
    alert = KpiAlert.objects.select_related("kpi").filter(pk=alert_id).first()
    if alert is None:
        return 0
    return notifications.kpi_alert_notify(alert=alert)


@shared_task(name="improvement.mark_overdue_milestones", **RETRY_OPTIONS, **BATCH_LIMITS)
def mark_overdue_milestones(today: str | None = None) -> int:
    """Hourly: stamp newly overdue milestones (each emits its webhook event), then send reminders.

    Stamping follows the organisation's date; the reminders each recipient's own clock, unless a
    date is given (then that date for everyone).
    """
    newly = roadmap.milestones_mark_overdue(today=_today(today))
    outbox_enqueue(task=send_reminders.name, args=[today] if today else [])
    return len(newly)


@shared_task(name="improvement.send_reminders", **RETRY_OPTIONS, **BATCH_LIMITS)
def send_reminders(today: str | None = None) -> int:
    return notifications.reminders_send(today=dt.date.fromisoformat(today) if today else None)


@shared_task(name="improvement.send_digest", **RETRY_OPTIONS, **BATCH_LIMITS)
def send_digest(today: str | None = None) -> int:
    """Hourly: the digest goes to each person once their own week and hour have come (a date: to all)."""
    return digest.digest_send(today=dt.date.fromisoformat(today) if today else None)


@shared_task(name="improvement.post_chat_digest", **RETRY_OPTIONS, **BATCH_LIMITS)
def post_chat_digest(today: str | None = None) -> int:
    return chat.chat_digest_post(today=_today(today))


@shared_task(
    name="improvement.deliver_webhook",
    bind=True,
    acks_late=True,
    autoretry_for=(webhooks.WebhookAttemptFailed, OperationalError),
    retry_backoff=settings.PDCA_WEBHOOK_BACKOFF_SECONDS,
    retry_backoff_max=settings.PDCA_WEBHOOK_BACKOFF_MAX_SECONDS,
    retry_jitter=True,
    # The service counts attempts in the database and gives up first; this is only a backstop.
    max_retries=settings.PDCA_WEBHOOK_MAX_ATTEMPTS,
    **WEBHOOK_LIMITS,
)
def deliver_webhook(self, delivery_id: int) -> int | None:
    delivery = (
        WebhookDelivery.objects.select_related("event", "subscription__owner", "destination__team")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return None
    try:
        attempt = webhooks.webhook_deliver(delivery=delivery)
    except webhooks.WebhookAttemptFailed as exc:
        if exc.retry_after is None:
            raise  # the backoff of autoretry_for
        # The receiver said when to come back (a 429 or 503 with Retry-After): wait that long.
        raise self.retry(exc=exc, countdown=exc.retry_after) from exc
    return attempt.status_code if attempt else None


@shared_task(name="improvement.resume_stalled_webhooks", **RETRY_OPTIONS)
def resume_stalled_webhooks() -> int:
    """Hourly: enqueue pending deliveries that no task will attempt any more (their outbox message
    failed for good, or they never had one). A delivery whose outbox message is still pending or
    published belongs to the outbox, which publishes it (again) itself: after a broker outage of
    any length it is attempted once, not once by each."""
    owned = outbox_unfinished_first_args(task=deliver_webhook.name)
    stalled = [
        delivery_id
        for delivery_id in webhooks.webhook_deliveries_stalled(older_than_seconds=STALLED_DELIVERY_SECONDS)
        if delivery_id not in owned
    ]
    for delivery_id in stalled:
        outbox_enqueue(task=deliver_webhook.name, args=[delivery_id])
    return len(stalled)


@shared_task(name="improvement.prune_old_records", **RETRY_OPTIONS)
def prune_old_records() -> dict[str, int]:
    return retention.records_prune()


@shared_task(name="improvement.build_pack", **RETRY_OPTIONS, **BATCH_LIMITS)
def build_pack(pack_id: int) -> int | None:
    """Build a portfolio pack somebody asked for; a pack already built or gone is left alone."""
    pack = PortfolioPack.objects.select_related("requested_by", "previous").filter(pk=pack_id).first()
    if pack is None or pack.status in (PackStatus.DONE, PackStatus.FAILED) or pack.requested_by is None:
        return None
    return packs.pack_build(pack=pack).initiatives


@shared_task(name="improvement.send_portfolio_pack", **RETRY_OPTIONS, **BATCH_LIMITS)
def send_portfolio_pack(today: str | None = None) -> int | None:
    """Scheduled: the organisation's review pack, mailed to the executives."""
    pack = packs.pack_send_scheduled(today=_today(today))
    return pack.pk if pack else None


@shared_task(name="improvement.import_run", **RETRY_OPTIONS, **IMPORT_LIMITS)
def import_run(job_id: int) -> str | None:
    """The dry run or the import an import job waits for (improvement.services.imports)."""
    job = imports.import_job_run(job_id=job_id)
    return None if job is None else job.status


@shared_task(name="improvement.notify_sign_off", **RETRY_OPTIONS)
def notify_sign_off(request_id: int, version: int) -> int:
    """Tell the reviewers of a sign-off request, or its requester of the decision."""
    request = (
        SignOffRequest.objects.select_related("initiative__sponsor", "requested_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        return 0
    return signoffs.sign_off_notify(request=request, version=version)


@shared_task(name="improvement.notify_mention", **RETRY_OPTIONS)
def notify_mention(comment_id: int, user_ids: list[int]) -> int:
    """Tell the people a comment newly mentions (those who can still read its record)."""
    return comments.comment_mentions_notify(comment_id=comment_id, user_ids=user_ids)


@shared_task(name="improvement.notify_idea", **RETRY_OPTIONS)
def notify_idea(idea_id: int, version: int) -> int:
    """Tell the leads of a submitted idea, or its submitter of the decision."""
    idea = Idea.objects.select_related("submitted_by", "initiative", "merged_into").filter(pk=idea_id).first()
    if idea is None:
        return 0
    return idea_notify(idea=idea, version=version)
