import pytest
from django.core.exceptions import ValidationError

from accounts.models import Notification, NotificationKind
from accounts.notifications import (
    notification_mark_read,
    notification_mute_set,
    notification_send,
    notification_unread_count,
)

pytestmark = pytest.mark.django_db


def send(user, key="k1", kind=NotificationKind.STAGE_CHANGED):
    return notification_send(recipient=user, kind=kind, title="IMP-042 moved", dedupe_key=key, url="/x/")


def test_a_notification_is_recorded_and_emailed_once_per_key(lead, mailoutbox, settings):
    settings.PDCA_SITE_URL = "https://pdca.example.com"
    first = send(lead)
    assert send(lead) is None
    assert Notification.objects.get() == first
    assert first.emailed_at is not None
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "[PDCA Tracker] IMP-042 moved"
    assert "https://pdca.example.com/x/" in mailoutbox[0].body


def test_a_muted_kind_is_neither_shown_nor_emailed_and_unmuting_restores_it(lead, mailoutbox):
    notification_mute_set(actor=lead, kind=NotificationKind.STAGE_CHANGED, muted=True)
    notification_mute_set(actor=lead, kind=NotificationKind.STAGE_CHANGED, muted=True)
    assert send(lead) is None
    assert send(lead, kind=NotificationKind.DIGEST, key="d") is not None
    notification_mute_set(actor=lead, kind=NotificationKind.STAGE_CHANGED, muted=False)
    assert send(lead, key="k2") is not None
    assert len(mailoutbox) == 2


def test_a_failing_email_leaves_no_notification_so_a_retry_sends_both(lead, monkeypatch):
    import smtplib

    def broken(**kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("accounts.notifications.send_mail", broken)
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(lead)
    assert not Notification.objects.exists()


def test_inactive_users_get_nothing(lead, mailoutbox):
    lead.is_active = False
    lead.save()
    assert send(lead) is None
    assert mailoutbox == []


def test_marking_read_touches_only_the_actors_notifications(lead, contributor):
    mine = [send(lead, key="a"), send(lead, key="b")]
    theirs = send(contributor, key="a")
    assert notification_mark_read(actor=lead, notification_ids=[mine[0].pk, theirs.pk]) == 1
    assert notification_unread_count(user=lead) == 1
    assert notification_unread_count(user=contributor) == 1
    assert notification_mark_read(actor=lead) == 1
    assert notification_unread_count(user=lead) == 0


def test_an_unknown_kind_is_refused(lead):
    with pytest.raises(ValidationError):
        notification_mute_set(actor=lead, kind="gossip", muted=True)
