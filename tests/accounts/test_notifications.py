import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.urls import reverse

from accounts import notifications
from accounts.models import Notification
from accounts.notifications import (
    KIND_MAX_LENGTH,
    MSG_UNKNOWN_KIND,
    notification_kind_label,
    notification_kind_register,
    notification_kinds,
    notification_mark_read,
    notification_mute_set,
    notification_send,
    notification_unread_count,
)
from improvement.models import NotificationKind

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


@pytest.fixture
def kinds(monkeypatch):
    """The registry as the apps left it, restored after the test registers kinds of its own."""
    monkeypatch.setattr(notifications, "_kinds", notification_kinds())


def test_a_kind_registered_at_runtime_is_sent_and_muted_without_a_migration(lead, mailoutbox, kinds):
    notification_kind_register(key="survey_due", label="Survey due")
    first = send(lead, key="s1", kind="survey_due")
    assert Notification.objects.get(pk=first.pk).kind == "survey_due"
    notification_mute_set(actor=lead, kind="survey_due", muted=True)
    assert send(lead, key="s2", kind="survey_due") is None
    assert list(lead.notification_mutes.values_list("kind", flat=True)) == ["survey_due"]
    assert len(mailoutbox) == 1
    assert notification_kinds()["survey_due"] == "Survey due"
    assert notification_kind_label("survey_due") == "Survey due"


def test_an_unregistered_kind_is_neither_sent_nor_muted(lead, mailoutbox):
    with pytest.raises(ValidationError) as refused:
        send(lead, kind="gossip")
    assert refused.value.message_dict == {"kind": [MSG_UNKNOWN_KIND.format(kind="gossip")]}
    with pytest.raises(ValidationError) as refused:
        notification_mute_set(actor=lead, kind="gossip", muted=True)
    assert refused.value.message_dict == {"kind": [MSG_UNKNOWN_KIND.format(kind="gossip")]}
    assert not Notification.objects.exists()
    assert not lead.notification_mutes.exists()
    assert mailoutbox == []


def test_registering_a_kind_again_is_harmless_but_a_second_label_is_refused(kinds):
    notification_kind_register(key="survey_due", label="Survey due")
    notification_kind_register(key="survey_due", label="Survey due")
    assert list(notification_kinds()).count("survey_due") == 1
    with pytest.raises(ImproperlyConfigured):
        notification_kind_register(key="survey_due", label="Survey overdue")
    with pytest.raises(ImproperlyConfigured):
        notification_kind_register(key="x" * (KIND_MAX_LENGTH + 1), label="Too long for the column")


def test_improvement_registers_the_kinds_it_sends_with_their_stored_keys_and_labels():
    assert {kind.value: kind.label for kind in NotificationKind}.items() <= notification_kinds().items()


def test_a_kind_no_longer_registered_reads_as_its_key():
    assert notification_kind_label("retired_kind") == "retired_kind"


def test_the_admin_shows_and_filters_kinds_by_label(client, admin, lead):
    send(lead, key="a")
    send(lead, key="b", kind=NotificationKind.DIGEST)
    client.force_login(admin)
    url = reverse("admin:accounts_notification_changelist")
    page = client.get(url).content.decode()
    assert "Stage changed" in page and "Weekly digest" in page
    filtered = client.get(url, {"kind__exact": NotificationKind.DIGEST})
    assert [n.kind for n in filtered.context["cl"].result_list] == [NotificationKind.DIGEST]
    form = client.get(reverse("admin:accounts_notificationmute_add")).context["adminform"].form
    assert ("digest", "Weekly digest") in form.fields["kind"].choices
