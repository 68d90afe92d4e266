"""Old webhook deliveries, events and read notifications are pruned; recent, pending and unread stay."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Notification
from common.models import OutboxMessage, OutboxState
from improvement.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from improvement.services import retention
from improvement.tasks import prune_old_records

pytestmark = pytest.mark.django_db

NOW = timezone.now()
OLD = NOW - dt.timedelta(days=91)
RECENT = NOW - dt.timedelta(days=89)


@pytest.fixture
def subscription(lead):
    return WebhookSubscription.objects.create(
        owner=lead, url="https://example.com/hook", events=["stage.changed"]
    )


def _delivery(subscription, key: str, *, at: dt.datetime, status: str) -> WebhookDelivery:
    event = WebhookEvent.objects.create(type="stage.changed", dedupe_key=key, created_at=at)
    finished = None if status == DeliveryStatus.PENDING else at
    delivery = WebhookDelivery.objects.create(
        subscription=subscription, event=event, status=status, created_at=at, finished_at=finished
    )
    WebhookAttempt.objects.create(delivery=delivery, number=1, requested_at=at, status_code=500)
    return delivery


def _notification(user, key: str, *, at: dt.datetime, read: bool) -> Notification:
    return Notification.objects.create(
        recipient=user, kind="digest", title=key, dedupe_key=key, created_at=at, read_at=at if read else None
    )


def test_old_finished_deliveries_go_with_their_attempts_and_events(subscription):
    old_ok = _delivery(subscription, "old-ok", at=OLD, status=DeliveryStatus.SUCCEEDED)
    old_failed = _delivery(subscription, "old-failed", at=OLD, status=DeliveryStatus.FAILED)
    old_pending = _delivery(subscription, "old-pending", at=OLD, status=DeliveryStatus.PENDING)
    recent = _delivery(subscription, "recent", at=RECENT, status=DeliveryStatus.SUCCEEDED)

    deleted = retention.records_prune(now=NOW)

    assert deleted["webhook deliveries"] == 2
    assert deleted["webhook events"] == 2
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {old_pending.pk, recent.pk}
    assert not WebhookAttempt.objects.filter(delivery__in=[old_ok.pk, old_failed.pk]).exists()
    assert WebhookAttempt.objects.count() == 2
    assert set(WebhookEvent.objects.values_list("dedupe_key", flat=True)) == {"old-pending", "recent"}


def test_old_read_notifications_go_and_unread_or_recent_ones_stay(lead):
    _notification(lead, "old-read", at=OLD, read=True)
    _notification(lead, "old-unread", at=OLD, read=False)
    _notification(lead, "recent-read", at=NOW - dt.timedelta(days=179), read=True)
    _notification(lead, "older-read", at=NOW - dt.timedelta(days=181), read=True)

    deleted = retention.records_prune(now=NOW)

    assert deleted["read notifications"] == 1
    assert set(Notification.objects.values_list("dedupe_key", flat=True)) == {
        "old-read",
        "old-unread",
        "recent-read",
    }


def test_pruning_runs_in_batches_until_the_backlog_is_gone(lead, settings):
    settings.PDCA_PRUNE_BATCH_SIZE = 3
    for n in range(10):
        _notification(lead, f"n{n}", at=NOW - dt.timedelta(days=400), read=True)

    assert retention.records_prune(now=NOW)["read notifications"] == 10
    assert not Notification.objects.exists()


def test_a_retention_of_zero_keeps_records_forever(lead, subscription, settings):
    settings.PDCA_RETAIN_READ_NOTIFICATIONS_DAYS = 0
    settings.PDCA_RETAIN_WEBHOOK_DELIVERIES_DAYS = 0
    _notification(lead, "ancient", at=NOW - dt.timedelta(days=4000), read=True)
    _delivery(subscription, "ancient", at=NOW - dt.timedelta(days=4000), status=DeliveryStatus.SUCCEEDED)

    deleted = retention.records_prune(now=NOW)

    assert "read notifications" not in deleted and "webhook deliveries" not in deleted
    assert Notification.objects.count() == 1 and WebhookDelivery.objects.count() == 1


def test_the_nightly_job_and_the_command_prune_with_the_settings(lead):
    _notification(lead, "gone-by-task", at=NOW - dt.timedelta(days=400), read=True)
    assert prune_old_records.delay().get() == {
        "webhook deliveries": 0,
        "webhook events": 0,
        "read notifications": 1,
        "finished outbox jobs": 0,
    }
    assert settings.CELERY_BEAT_SCHEDULE["prune-old-records"]["task"] == prune_old_records.name

    _notification(lead, "gone-by-command", at=NOW - dt.timedelta(days=400), read=True)
    out = io.StringIO()
    call_command("prune_old_records", stdout=out)
    assert "read notifications: 1 deleted" in out.getvalue()
    assert not Notification.objects.exists()


def test_finished_outbox_jobs_go_after_their_age_and_unrun_jobs_always_stay(settings):
    settings.PDCA_RETAIN_OUTBOX_DAYS = 30
    long_ago = NOW - dt.timedelta(days=31)
    for state in OutboxState.values:
        finished = long_ago if state in (OutboxState.DONE, OutboxState.FAILED) else None
        OutboxMessage.objects.create(task="t", state=state, due_at=long_ago, completed_at=finished)
    OutboxMessage.objects.create(task="t", state=OutboxState.DONE, due_at=NOW, completed_at=NOW)

    deleted = retention.records_prune(now=NOW)

    assert deleted["finished outbox jobs"] == 2
    kept = sorted(OutboxMessage.objects.values_list("state", flat=True))
    assert kept == sorted([OutboxState.PENDING, OutboxState.PUBLISHED, OutboxState.DONE])
