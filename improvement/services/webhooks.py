"""Webhooks: subscriptions, events stored once, signed deliveries with retries and an attempt log.

An event is written in the transaction of the change it reports (it commits or rolls back with it);
its deliveries are enqueued after commit. Each delivery attempt is one HTTP POST of the same JSON
body, signed with HMAC-SHA256 over ``timestamp + "." + body`` and logged as a ``WebhookAttempt``.
"""

import datetime as dt
import hashlib
import hmac
import http.client
import json
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.notifications import notification_send
from common.errors import PermissionDenied
from common.services import queryset_delete_in_batches
from improvement import events
from improvement.models import (
    DeliveryStatus,
    Initiative,
    NotificationKind,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from improvement.services.webhook_transport import (
    EXCERPT_CHARS,
    WebhookTarget,
    webhook_post,
    webhook_target_resolve,
)

SIGNATURE_HEADER = "X-PDCA-Signature"
EVENT_TYPE_HEADER = "X-PDCA-Event"
EVENT_ID_HEADER = "X-PDCA-Event-Id"
USER_AGENT = "PDCA-Tracker-Webhooks/1.0"

MSG_CANNOT_MANAGE = "Only an admin can manage webhook subscriptions."
MSG_NO_EVENTS = "Choose at least one event."
MSG_UNKNOWN_EVENT = "Unknown event type: {event}."
MSG_REDIRECT = "The receiver answered with a redirect ({status}); webhooks do not follow redirects."
MSG_DISABLED = "Disabled after {count} deliveries in a row failed."
MSG_DISABLED_TITLE = "Webhook “{name}” was disabled"
MSG_DISABLED_BODY = (
    "The last {count} deliveries to {url} failed after every retry, so the subscription was disabled. "
    "Check the delivery log, fix the receiver and enable the subscription again."
)


class WebhookAttemptFailed(Exception):
    """An attempt failed and attempts remain: the task retries the delivery with backoff."""


# --- subscriptions -----------------------------------------------------------------------------


def webhook_url_check(url: str) -> WebhookTarget:
    """Refuse anything but http(s) URLs whose host resolves only to public addresses (NAT64, 6to4
    and IPv4-mapped forms of private ones included); the answer names the addresses checked.

    ``PDCA_WEBHOOKS_ALLOW_PRIVATE`` lifts the address check (tests, on-premise receivers). The check
    runs again before every attempt, since DNS answers change, and the attempt connects to an
    address it checked.
    """
    return webhook_target_resolve(url, check=not settings.PDCA_WEBHOOKS_ALLOW_PRIVATE)


def _clean_events(events: list[str]) -> list[str]:
    if not events:
        raise ValidationError({"events": MSG_NO_EVENTS})
    unknown = [e for e in events if e not in WebhookEventType.values]
    if unknown:
        raise ValidationError({"events": MSG_UNKNOWN_EVENT.format(event=", ".join(unknown))})
    return sorted(set(events))


@transaction.atomic
def webhook_subscription_create(
    *, actor: User, url: str, events: list[str], name: str = "", owner: User | None = None
) -> WebhookSubscription:
    """Subscribe ``url`` to ``events``; the generated secret is on the returned subscription."""
    if not actor.is_admin:
        raise PermissionDenied(MSG_CANNOT_MANAGE)
    webhook_url_check(url)
    subscription = WebhookSubscription(owner=owner or actor, url=url, events=_clean_events(events), name=name)
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_enable(*, actor: User, subscription: WebhookSubscription) -> WebhookSubscription:
    """Switch a (disabled) subscription back on with a clean failure count."""
    if not actor.is_admin:
        raise PermissionDenied(MSG_CANNOT_MANAGE)
    webhook_url_check(subscription.url)
    subscription.is_active = True
    subscription.consecutive_failures = 0
    subscription.disabled_at = None
    subscription.disabled_reason = ""
    subscription.save(
        update_fields=["is_active", "consecutive_failures", "disabled_at", "disabled_reason", "updated_at"]
    )
    return subscription


# --- events ------------------------------------------------------------------------------------


def initiative_ref(initiative: Initiative) -> dict:
    """How an event payload names the initiative it is about."""
    return {"id": initiative.pk, "code": initiative.code, "title": initiative.title}


@transaction.atomic
def webhook_event_emit(*, type: str, dedupe_key: str, data: dict) -> WebhookEvent:
    """Store the event once per ``dedupe_key`` and schedule a delivery to every listening subscription.

    Emitting the same key again returns the stored event and schedules nothing.
    """
    event, created = WebhookEvent.objects.get_or_create(
        dedupe_key=dedupe_key, defaults={"type": type, "data": data}
    )
    if not created:
        return event
    # Filtered in Python: JSON containment lookups are not portable to SQLite, and there are few rows.
    listening = [s for s in WebhookSubscription.objects.filter(is_active=True) if s.listens_to(type)]
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=s, event=event) for s in listening]
    )
    for delivery in deliveries:
        events.webhook_delivery_created(delivery_id=delivery.pk)
    return event


def webhook_body(event: WebhookEvent) -> bytes:
    payload = {
        "id": str(event.id),
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": event.data,
    }
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The header value ``t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# --- delivery ----------------------------------------------------------------------------------


def webhook_deliver(*, delivery: WebhookDelivery) -> WebhookAttempt | None:
    """Make the next attempt of a pending delivery and log it; None when there is nothing to do.

    Success ends the delivery and resets the subscription's failure count. A failure with attempts
    left raises ``WebhookAttemptFailed`` so the task retries with backoff; the last failure (or a
    refused URL) gives up, counts against the subscription and disables it after
    ``PDCA_WEBHOOK_DISABLE_AFTER`` failed deliveries in a row, telling its owner.
    The HTTP request runs outside any transaction so no row stays locked while a receiver is slow.
    """
    subscription = delivery.subscription
    if delivery.status != DeliveryStatus.PENDING or not subscription.is_active:
        return None
    body = webhook_body(delivery.event)
    requested_at = timezone.now()
    started = time.monotonic()
    status_code, excerpt, error, refused = None, "", "", False
    try:
        target = webhook_url_check(subscription.url)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            EVENT_TYPE_HEADER: delivery.event.type,
            EVENT_ID_HEADER: str(delivery.event.id),
            SIGNATURE_HEADER: webhook_signature(secret=subscription.secret, timestamp=timestamp, body=body),
        }
        status_code, excerpt = webhook_post(
            target, body=body, headers=headers, timeout=settings.PDCA_WEBHOOK_TIMEOUT_SECONDS
        )
    except ValidationError as exc:
        error, refused = "; ".join(exc.messages), True
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    if status_code is not None and 300 <= status_code < 400:
        error = MSG_REDIRECT.format(status=status_code)
    succeeded = status_code is not None and 200 <= status_code < 300
    duration_ms = int((time.monotonic() - started) * 1000)

    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        number = delivery.attempt_count + 1
        attempt = WebhookAttempt.objects.create(
            delivery=delivery,
            number=number,
            requested_at=requested_at,
            duration_ms=duration_ms,
            status_code=status_code,
            succeeded=succeeded,
            error=error[:EXCERPT_CHARS],
            response_excerpt=excerpt[:EXCERPT_CHARS],
        )
        delivery.attempt_count = number
        gave_up = not succeeded and (refused or number >= settings.PDCA_WEBHOOK_MAX_ATTEMPTS)
        if succeeded or gave_up:
            delivery.status = DeliveryStatus.SUCCEEDED if succeeded else DeliveryStatus.FAILED
            delivery.finished_at = timezone.now()
        delivery.save(update_fields=["attempt_count", "status", "finished_at"])
        if succeeded:
            WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
    if gave_up:
        _count_failed_delivery(subscription_id=subscription.pk)
    elif not succeeded:
        raise WebhookAttemptFailed(error or f"HTTP {status_code}")
    return attempt


def _count_failed_delivery(*, subscription_id: int) -> None:
    with transaction.atomic():
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        subscription.consecutive_failures += 1
        disable = (
            subscription.is_active
            and subscription.consecutive_failures >= settings.PDCA_WEBHOOK_DISABLE_AFTER
        )
        if disable:
            subscription.is_active = False
            subscription.disabled_at = timezone.now()
            subscription.disabled_reason = MSG_DISABLED.format(count=subscription.consecutive_failures)
        subscription.save(
            update_fields=[
                "consecutive_failures",
                "is_active",
                "disabled_at",
                "disabled_reason",
                "updated_at",
            ]
        )
    if disable:
        notification_send(
            recipient=subscription.owner,
            kind=NotificationKind.WEBHOOK_DISABLED,
            title=MSG_DISABLED_TITLE.format(name=subscription),
            body=MSG_DISABLED_BODY.format(count=subscription.consecutive_failures, url=subscription.url),
            url=reverse("admin:improvement_webhooksubscription_change", args=[subscription.pk]),
            dedupe_key=f"webhook_disabled:{subscription.pk}:{subscription.disabled_at.isoformat()}",
        )


def webhook_deliveries_stalled(*, older_than_seconds: int) -> list[int]:
    """Pending deliveries untouched for a while (their task was lost): their ids, to enqueue again."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    pending = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, subscription__is_active=True)
    stale_attempts = pending.filter(attempts__requested_at__lt=cutoff).exclude(
        attempts__requested_at__gte=cutoff
    )
    never_tried = pending.filter(attempt_count=0, created_at__lt=cutoff)
    return sorted(
        set(stale_attempts.values_list("pk", flat=True)) | set(never_tried.values_list("pk", flat=True))
    )


def webhook_deliveries_prune(*, older_than: dt.datetime, batch_size: int) -> int:
    """Delete finished deliveries (and their attempts, the delivery log) that finished before
    ``older_than``. A pending delivery stays whatever its age: the sweeper still owes it."""
    finished = WebhookDelivery.objects.exclude(status=DeliveryStatus.PENDING).filter(
        finished_at__lt=older_than
    )
    return queryset_delete_in_batches(finished, batch_size=batch_size)


def webhook_events_prune(*, older_than: dt.datetime, batch_size: int) -> int:
    """Delete events created before ``older_than`` that no delivery refers to any more. Its
    ``dedupe_key`` goes with it; nothing re-raises an event that old."""
    unreferenced = WebhookEvent.objects.filter(created_at__lt=older_than, deliveries__isnull=True)
    return queryset_delete_in_batches(unreferenced, batch_size=batch_size)
