"""Notifications to users: recorded once per event, shown in the site, sent by email unless muted.

Services (``notification_*`` writes) and selectors (reads) of this sub-domain live together here;
every higher layer sends through ``notification_send`` and never writes the models itself.

The kinds are not a list of choices here: each layer registers the kinds it sends (from its
``AppConfig.ready()``) with ``notification_kind_register``, so accounts does not know a higher layer's
vocabulary and a new kind needs no migration. Only registered kinds can be sent or muted.
"""

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Notification, NotificationMute, User

EMAIL_SUBJECT_PREFIX = "[PDCA Tracker] "
MAX_TITLE_LENGTH = 200

MSG_UNKNOWN_KIND = "Unknown kind of notification: {kind}."
KIND_MAX_LENGTH = Notification._meta.get_field("kind").max_length

# key → label, in registration order (the order the notifications page lists them in).
_kinds: dict[str, str] = {}


def notification_kind_register(*, key: str, label: str) -> None:
    """Make ``key`` a kind of notification that can be sent and muted, shown as ``label``.

    Registering the same kind again changes nothing (``ready()`` may run more than once); giving a
    key another label is a programming error, as two layers would then share one mute switch.
    """
    if not key or len(key) > KIND_MAX_LENGTH:
        raise ImproperlyConfigured(
            f"A notification kind needs a key of 1 to {KIND_MAX_LENGTH} characters: {key!r}."
        )
    if _kinds.get(key, label) != label:
        raise ImproperlyConfigured(f"Notification kind {key!r} is already registered as {_kinds[key]!r}.")
    _kinds[key] = label


def notification_kinds() -> dict[str, str]:
    """The registered kinds, key → label, in the order they were registered."""
    return dict(_kinds)


def notification_kind_label(kind: str) -> str:
    """How a kind reads in the site; a stored kind no longer registered shows its key."""
    return _kinds.get(kind, kind)


def _check_kind(kind: str) -> None:
    if kind not in _kinds:
        raise ValidationError({"kind": MSG_UNKNOWN_KIND.format(kind=kind)})


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.PDCA_SITE_URL.rstrip("/") + url


def notification_send(
    *,
    recipient: User,
    kind: str,
    title: str,
    dedupe_key: str,
    body: str = "",
    url: str = "",
    email: bool = True,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> Notification | None:
    """Record one notification per (recipient, dedupe_key) and email it.

    Returns the new notification, or None when nothing was sent: the recipient is inactive or muted
    this kind, or the key was already sent (calling it again is a no-op). The email goes out
    inside the transaction that records the row: when sending fails the row is rolled back and the
    job's retry tries both again. A crash between sending and commit can repeat an email, never lose
    one. Callers therefore send one notification per transaction, never a loop in one atomic block.
    ``attachments`` (file name, content, media type) go with the email.
    """
    _check_kind(kind)
    if not recipient.is_active or NotificationMute.objects.filter(user=recipient, kind=kind).exists():
        return None
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            recipient=recipient,
            dedupe_key=dedupe_key,
            defaults={"kind": kind, "title": title[:MAX_TITLE_LENGTH], "body": body, "url": url},
        )
        if created and email and recipient.email:
            link = _absolute(url)
            subject = EMAIL_SUBJECT_PREFIX + notification.title
            message = f"{body}\n\n{link}".strip() if link else body
            if attachments:
                EmailMessage(subject, message, to=[recipient.email], attachments=list(attachments)).send()
            else:
                send_mail(subject=subject, message=message, from_email=None, recipient_list=[recipient.email])
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
    return notification if created else None


def notification_mark_read(*, actor: User, notification_ids: list[int] | None = None) -> int:
    """Mark the actor's notifications read (all unread ones when no ids are given); returns how many."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    return unread.update(read_at=timezone.now())


def notification_mute_set(*, actor: User, kind: str, muted: bool) -> None:
    """Mute (or unmute) a kind of notification for the actor; repeating it changes nothing."""
    _check_kind(kind)
    if muted:
        NotificationMute.objects.get_or_create(user=actor, kind=kind)
    else:
        NotificationMute.objects.filter(user=actor, kind=kind).delete()


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_muted_kinds(*, user: User) -> set[str]:
    return set(NotificationMute.objects.filter(user=user).values_list("kind", flat=True))
