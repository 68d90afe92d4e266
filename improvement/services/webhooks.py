"""Webhooks: subscriptions, events stored once, signed deliveries with retries and an attempt log.

Chat destinations (a team's Slack or Teams incoming webhook) receive the same events through the
same delivery rows, retries and log; only the body (a Block Kit or Adaptive Card message, rendered
by ``chat_render``), the headers (no signature) and the address rule differ.

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
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.languages import language_of
from accounts.models import User
from accounts.notifications import notification_send
from common.errors import PermissionDenied
from common.services import queryset_delete_in_batches
from improvement import events
from improvement.models import (
    ChatDestination,
    ChatKind,
    DeliveryStatus,
    Initiative,
    NotificationKind,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from improvement.services.chat_render import chat_body
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

MSG_CANNOT_MANAGE = gettext_noop("Only an admin can manage webhook subscriptions.")
MSG_NO_EVENTS = gettext_noop("Choose at least one event.")
MSG_UNKNOWN_EVENT = gettext_noop("Unknown event type: {event}.")
MSG_REDIRECT = gettext_noop(
    "The receiver answered with a redirect ({status}); webhooks do not follow redirects."
)
MSG_DISABLED = gettext_noop("Disabled after {count} deliveries in a row failed.")
MSG_DISABLED_TITLE = gettext_noop("Webhook “{name}” was disabled")
MSG_DISABLED_BODY = gettext_noop(
    "The last {count} deliveries to {url} failed after every retry, so the subscription was disabled. "
    "Check the delivery log, fix the receiver and enable the subscription again."
)
MSG_CHAT_DISABLED_TITLE = gettext_noop("Chat destination “{name}” was disabled")
MSG_CHAT_DISABLED_BODY = gettext_noop(
    "The last {count} messages to {url} failed after every retry, so the destination was disabled. "
    "Check its delivery log, fix the address and switch it on again in the team's settings."
)
MSG_CHAT_HTTPS = gettext_noop("A chat address must start with https://.")
MSG_CHAT_HOST = {
    ChatKind.SLACK: gettext_noop("A Slack incoming-webhook address is on hooks.slack.com."),
    ChatKind.TEAMS: gettext_noop("A Teams incoming-webhook address is on a *.webhook.office.com host."),
}
MSG_RETRY_AFTER = gettext_noop("The receiver asked to wait {seconds:g} s (Retry-After).")


class WebhookAttemptFailed(Exception):
    """An attempt failed and attempts remain: the task retries the delivery with backoff, or after
    ``retry_after`` seconds when the receiver said how long to wait."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


# --- subscriptions -----------------------------------------------------------------------------


def webhook_url_check(url: str) -> WebhookTarget:
    """Refuse anything but http(s) URLs whose host resolves only to public addresses (NAT64, 6to4
    and IPv4-mapped forms of private ones included); the answer names the addresses checked.

    ``PDCA_WEBHOOKS_ALLOW_PRIVATE`` lifts the address check (tests, on-premise receivers). The check
    runs again before every attempt, since DNS answers change, and the attempt connects to an
    address it checked.
    """
    return webhook_target_resolve(url, check=not settings.PDCA_WEBHOOKS_ALLOW_PRIVATE)


def _chat_host_allowed(kind: str, host: str) -> bool:
    host = host.lower().rstrip(".")
    if kind == ChatKind.SLACK:
        return host == "hooks.slack.com"
    return host.endswith(".webhook.office.com")


def chat_url_check(url: str, *, kind: str) -> WebhookTarget:
    """A chat destination's address: https on Slack's or Teams' incoming-webhook hosts, then the
    address guard of ``webhook_url_check``. With ``PDCA_CHAT_ANY_HOST`` (development) any http(s)
    host the guard lets through is taken."""
    if not settings.PDCA_CHAT_ANY_HOST:
        parts = urlsplit(url)
        if parts.scheme != "https":
            raise ValidationError({"url": _(MSG_CHAT_HTTPS)})
        if not _chat_host_allowed(kind, parts.hostname or ""):
            raise ValidationError({"url": _(MSG_CHAT_HOST[kind])})
    return webhook_url_check(url)


def _clean_events(events: list[str]) -> list[str]:
    if not events:
        raise ValidationError({"events": _(MSG_NO_EVENTS)})
    unknown = [e for e in events if e not in WebhookEventType.values]
    if unknown:
        raise ValidationError({"events": _(MSG_UNKNOWN_EVENT).format(event=", ".join(unknown))})
    return sorted(set(events))


@transaction.atomic
def webhook_subscription_create(
    *, actor: User, url: str, events: list[str], name: str = "", owner: User | None = None
) -> WebhookSubscription:
    """Subscribe ``url`` to ``events``; the generated secret is on the returned subscription."""
    if not actor.is_admin:
        raise PermissionDenied(_(MSG_CANNOT_MANAGE))
    webhook_url_check(url)
    subscription = WebhookSubscription(owner=owner or actor, url=url, events=_clean_events(events), name=name)
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_enable(*, actor: User, subscription: WebhookSubscription) -> WebhookSubscription:
    """Switch a (disabled) subscription back on with a clean failure count."""
    if not actor.is_admin:
        raise PermissionDenied(_(MSG_CANNOT_MANAGE))
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
def webhook_event_emit(
    *,
    type: str,
    dedupe_key: str,
    data: dict,
    team_ids: list[int] | tuple = (),
    chat_destination_ids: list[int] | tuple = (),
) -> WebhookEvent:
    """Store the event once per ``dedupe_key`` and schedule a delivery to every listening subscription,
    and to the listening chat destinations of ``team_ids`` (the teams the event is about). Named
    ``chat_destination_ids`` get it whatever they listen to (a test message).

    Emitting the same key again returns the stored event and schedules nothing.
    """
    event, created = WebhookEvent.objects.get_or_create(
        dedupe_key=dedupe_key, defaults={"type": type, "data": data}
    )
    if not created:
        return event
    # Filtered in Python: JSON containment lookups are not portable to SQLite, and there are few rows.
    listening = [s for s in WebhookSubscription.objects.filter(is_active=True) if s.listens_to(type)]
    chats = [
        d
        for d in ChatDestination.objects.filter(
            Q(team_id__in=set(team_ids)) | Q(pk__in=set(chat_destination_ids)), is_active=True
        )
        if d.listens_to(type) or d.pk in chat_destination_ids
    ]
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=s, event=event) for s in listening]
        + [WebhookDelivery(destination=d, event=event) for d in chats]
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


def _request(delivery: WebhookDelivery) -> tuple[WebhookTarget, bytes, dict[str, str]]:
    """Where the attempt goes, its body and headers: a signed event for a subscription, a chat
    message for a destination. Raises ``ValidationError`` for an address the rules refuse."""
    event = delivery.event
    if delivery.destination_id:
        destination = delivery.destination
        target = chat_url_check(destination.url, kind=destination.kind)
        body = chat_body(kind=destination.kind, event=event)
        return target, body, {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    subscription = delivery.subscription
    target = webhook_url_check(subscription.url)
    body = webhook_body(event)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_TYPE_HEADER: event.type,
        EVENT_ID_HEADER: str(event.id),
        SIGNATURE_HEADER: webhook_signature(
            secret=subscription.secret, timestamp=int(time.time()), body=body
        ),
    }
    return target, body, headers


def webhook_deliver(*, delivery: WebhookDelivery) -> WebhookAttempt | None:
    """Make the next attempt of a pending delivery and log it; None when there is nothing to do.

    Success ends the delivery and resets the receiver's failure count. A failure with attempts
    left raises ``WebhookAttemptFailed`` so the task retries with backoff (or after the receiver's
    Retry-After); the last failure (or a refused URL) gives up, counts against the subscription or
    chat destination and disables it after ``PDCA_WEBHOOK_DISABLE_AFTER`` failed deliveries in a
    row, telling its owner. The HTTP request runs outside any transaction so no row stays locked
    while a receiver is slow.
    """
    receiver = delivery.receiver
    if delivery.status != DeliveryStatus.PENDING or not receiver.is_active:
        return None
    requested_at = timezone.now()
    started = time.monotonic()
    status_code, excerpt, error, refused, retry_after = None, "", "", False, None
    try:
        target, body, headers = _request(delivery)
        status_code, excerpt, retry_after = webhook_post(
            target, body=body, headers=headers, timeout=settings.PDCA_WEBHOOK_TIMEOUT_SECONDS
        )
    except ValidationError as exc:
        error, refused = "; ".join(exc.messages), True
    except (OSError, http.client.HTTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    if status_code is not None and 300 <= status_code < 400:
        error = _(MSG_REDIRECT).format(status=status_code)
    succeeded = status_code is not None and 200 <= status_code < 300
    if succeeded:
        retry_after = None
    elif retry_after is not None:
        retry_after = min(retry_after, settings.PDCA_WEBHOOK_BACKOFF_MAX_SECONDS)
        error = error or _(MSG_RETRY_AFTER).format(seconds=retry_after)
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
            type(receiver).objects.filter(pk=receiver.pk).update(consecutive_failures=0)
    if gave_up:
        _count_failed_delivery(receiver=receiver)
    elif not succeeded:
        raise WebhookAttemptFailed(error or f"HTTP {status_code}", retry_after=retry_after)
    return attempt


def _disabled_notice(receiver) -> dict | None:
    """Whom to tell that a receiver was disabled, and what (in their language); None when nobody is
    left to tell."""
    count = receiver.consecutive_failures
    if isinstance(receiver, ChatDestination):
        if receiver.created_by is None:
            return None
        with language_of(receiver.created_by):
            return {
                "recipient": receiver.created_by,
                "title": _(MSG_CHAT_DISABLED_TITLE).format(name=receiver),
                "body": _(MSG_CHAT_DISABLED_BODY).format(count=count, url=receiver.url_masked),
                "url": reverse("improvement:team_settings", args=[receiver.team.slug]),
                "dedupe_key": f"chat_disabled:{receiver.pk}:{receiver.disabled_at.isoformat()}",
            }
    with language_of(receiver.owner):
        return {
            "recipient": receiver.owner,
            "title": _(MSG_DISABLED_TITLE).format(name=receiver),
            "body": _(MSG_DISABLED_BODY).format(count=count, url=receiver.url),
            "url": reverse("admin:improvement_webhooksubscription_change", args=[receiver.pk]),
            "dedupe_key": f"webhook_disabled:{receiver.pk}:{receiver.disabled_at.isoformat()}",
        }


def _count_failed_delivery(*, receiver) -> None:
    with transaction.atomic():
        receiver = type(receiver).objects.select_for_update().get(pk=receiver.pk)
        receiver.consecutive_failures += 1
        disable = receiver.is_active and receiver.consecutive_failures >= settings.PDCA_WEBHOOK_DISABLE_AFTER
        if disable:
            receiver.is_active = False
            receiver.disabled_at = timezone.now()
            receiver.disabled_reason = _(MSG_DISABLED).format(count=receiver.consecutive_failures)
        receiver.save(
            update_fields=[
                "consecutive_failures",
                "is_active",
                "disabled_at",
                "disabled_reason",
                "updated_at",
            ]
        )
    notice = _disabled_notice(receiver) if disable else None
    if notice:
        notification_send(kind=NotificationKind.WEBHOOK_DISABLED, **notice)


def webhook_deliveries_stalled(*, older_than_seconds: int) -> list[int]:
    """Pending deliveries untouched for a while (their task was lost): their ids, to enqueue again."""
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    pending = WebhookDelivery.objects.filter(
        Q(subscription__is_active=True) | Q(destination__is_active=True), status=DeliveryStatus.PENDING
    )
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
