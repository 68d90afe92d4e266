import pytest
from django.urls import reverse

from accounts import notifications
from accounts.models import Notification, NotificationMute
from accounts.notifications import notification_kind_register, notification_kinds, notification_send
from accounts.views import MSG_MUTED
from improvement.models import NotificationKind
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

PAGE = "/notifications/"


def notify(user, n: int, start: int = 0):
    for i in range(start, start + n):
        notification_send(
            recipient=user,
            kind=NotificationKind.STAGE_CHANGED,
            title=f"IMP-{i:03d} moved",
            dedupe_key=f"k{i}",
        )


def test_every_page_shows_the_unread_count_in_the_header(login, lead):
    notify(lead, 3)
    body = login(lead).get(reverse("improvement:my_work")).content.decode()
    assert 'aria-label="Notifications, 3 unread"' in body


def test_the_list_shows_the_users_notifications_newest_first(login, lead, contributor):
    notify(lead, 2)
    notify(contributor, 1, start=50)
    response = login(lead).get(PAGE)
    titles = [n.title for n in response.context["page"].object_list]
    assert titles == ["IMP-001 moved", "IMP-000 moved"]


def test_marking_one_and_then_all_read(login, lead):
    notify(lead, 3)
    client = login(lead)
    first = Notification.objects.filter(recipient=lead).first()
    assert client.post(reverse("notifications:read"), {"id": first.pk}).status_code == 302
    assert Notification.objects.filter(recipient=lead, read_at__isnull=True).count() == 2
    client.post(reverse("notifications:read"))
    assert not Notification.objects.filter(recipient=lead, read_at__isnull=True).exists()
    assert 'aria-label="Notifications,' not in client.get(PAGE).content.decode()


def test_muting_and_unmuting_a_kind(login, lead):
    client = login(lead)
    client.post(reverse("notifications:mute"), {"kind": NotificationKind.DIGEST, "muted": "1"})
    assert list(NotificationMute.objects.values_list("user", "kind")) == [(lead.pk, "digest")]
    client.post(reverse("notifications:mute"), {"kind": NotificationKind.DIGEST, "muted": "0"})
    assert not NotificationMute.objects.exists()
    assert client.post(reverse("notifications:mute"), {"kind": "gossip", "muted": "1"}).status_code == 400


def test_the_page_needs_a_signed_in_user(client):
    assert client.get(PAGE).status_code == 302


def test_the_page_costs_the_same_queries_for_more_notifications(login, lead):
    client = login(lead)
    notify(lead, 5)
    few = queries_for(client, PAGE)
    notify(lead, 10, start=5)
    assert queries_for(client, PAGE) == few


def test_the_page_lists_every_registered_kind_by_label_and_labels_each_notification(login, lead, monkeypatch):
    monkeypatch.setattr(notifications, "_kinds", notification_kinds())
    notification_kind_register(key="survey_due", label="Survey due")
    notify(lead, 1)
    client = login(lead)
    client.post(reverse("notifications:mute"), {"kind": "survey_due", "muted": "1"})
    response = client.get(PAGE)
    kinds = {kind["value"]: (kind["label"], kind["muted"]) for kind in response.context["kinds"]}
    assert kinds["stage_changed"] == ("Stage changed", False)
    assert kinds["survey_due"] == ("Survey due", True)
    assert list(kinds)[: len(NotificationKind)] == list(NotificationKind.values)
    assert "Stage changed · <time" in response.content.decode()


def test_the_mute_settings_come_before_the_list_and_each_notification_offers_its_mute(login, lead):
    notify(lead, 2)
    body = login(lead).get(PAGE).content.decode()

    assert body.index('id="what-you-hear-about"') < body.index('class="notification-list"')
    item = body[body.index('class="notification-list"') :]
    assert item.count('name="kind" value="stage_changed"><input type="hidden" name="muted" value="1"') == 2
    assert "Mute “Stage changed”" in item


def test_muting_from_a_notification_stops_that_kind_and_says_so(login, lead):
    notify(lead, 2)
    client = login(lead)

    response = client.post(
        reverse("notifications:mute"), {"kind": NotificationKind.STAGE_CHANGED, "muted": "1"}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [MSG_MUTED.format(label="Stage changed")]
    assert response.context["muted_count"] == 1
    notify(lead, 1, start=10)
    assert not Notification.objects.filter(recipient=lead, title="IMP-010 moved").exists()
