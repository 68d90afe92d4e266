"""The team settings page: add a Slack or Teams destination, send a test message, switch it on,
remove it; only admins and the team's leads."""

import json
import socket
import time

import kombu.pools
import pytest
from celery import current_app
from django.urls import reverse

from common import outbox
from common.models import OutboxMessage, OutboxState
from improvement.models import ChatDestination, DeliveryStatus, WebhookDelivery
from improvement.services.chat import chat_destination_create

pytestmark = pytest.mark.django_db

PAGE = reverse("improvement:team_settings", args=["customer-care"])
SECRET_HOOK = "https://hooks.slack.com/services/T000/B000/topSECRETabcd"


@pytest.fixture(autouse=True)
def local_receivers(settings):
    settings.PDCA_CHAT_ANY_HOST = True
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True


def test_a_lead_adds_a_destination_and_sees_it_masked(login, lead, team):
    client = login(lead)

    added = client.post(
        PAGE,
        {"kind": "slack", "name": "#care", "url": SECRET_HOOK, "events": ["stage.changed", "digest.weekly"]},
    )
    page = client.get(PAGE)

    assert added.status_code == 302
    made = ChatDestination.objects.get()
    assert (made.team, made.url, made.events) == (team, SECRET_HOOK, ["digest.weekly", "stage.changed"])
    html = page.content.decode()
    assert "#care" in html and "https://hooks.slack.com/…abcd" in html
    assert "SECRET" not in html
    assert "Send test message" in html


def test_a_refused_address_shows_on_the_field_and_saves_nothing(login, lead, settings):
    settings.PDCA_CHAT_ANY_HOST = False

    answer = login(lead).post(
        PAGE, {"kind": "teams", "url": "https://example.com/x", "events": ["kpi.alert"]}
    )

    assert answer.status_code == 400
    assert "A Teams incoming-webhook address is on a *.webhook.office.com host." in answer.content.decode()
    assert not ChatDestination.objects.exists()


def test_send_test_message_posts_a_card_and_says_it_was_delivered(
    login, lead, team, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/teams").respond_with_data("1")
    made = chat_destination_create(
        actor=lead,
        team=team,
        kind="teams",
        url=httpserver.url_for("/teams"),
        events=["kpi.alert"],
        name="Ops",
    )
    client = login(lead)

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("improvement:chat_destination_test", args=[made.pk]))
    page = client.get(PAGE)

    assert sent.status_code == 302
    envelope = json.loads(httpserver.log[0][0].get_data())
    assert envelope["attachments"][0]["content"]["body"][0]["text"] == "Test message for Customer Care"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert "Test message to “Ops”" in page.content.decode()
    assert "Succeeded" in page.content.decode()


def test_remove_and_switch_on(login, lead, team):
    made = chat_destination_create(actor=lead, team=team, kind="slack", url=SECRET_HOOK, events=["kpi.alert"])
    ChatDestination.objects.filter(pk=made.pk).update(is_active=False, disabled_reason="Disabled after 5.")
    client = login(lead)

    assert "Switch on" in client.get(PAGE).content.decode()
    client.post(reverse("improvement:chat_destination_enable", args=[made.pk]))
    made.refresh_from_db()
    assert made.is_active and made.disabled_reason == ""
    client.post(reverse("improvement:chat_destination_remove", args=[made.pk]))
    assert not ChatDestination.objects.exists()


@pytest.mark.parametrize("who", ["contributor", "viewer", "executive", "other_lead"])
def test_others_cannot_open_or_change_a_teams_chat_settings(login, request, lead, team, who):
    made = chat_destination_create(actor=lead, team=team, kind="slack", url=SECRET_HOOK, events=["kpi.alert"])
    client = login(request.getfixturevalue(who))

    assert client.get(PAGE).status_code == 404
    assert client.post(reverse("improvement:chat_destination_remove", args=[made.pk])).status_code == 404
    assert (
        client.post(PAGE, {"kind": "slack", "url": SECRET_HOOK, "events": ["kpi.alert"]}).status_code == 404
    )
    assert ChatDestination.objects.count() == 1


def test_the_teams_link_shows_for_leads_and_admins_only(login, lead, contributor, admin, team):
    link = f'href="{reverse("improvement:team_settings_index")}"'
    for user, shown in ((lead, True), (admin, True), (contributor, False)):
        page = login(user).get(reverse("improvement:my_work")).content.decode()
        assert (link in page) is shown, user
    index = login(lead).get(reverse("improvement:team_settings_index"))
    assert PAGE in index.content.decode()


@pytest.fixture
def broker_down(settings):
    """Tasks go to a broker (not in-process), and nothing listens on its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, url
    settings.CELERY_BROKER_URL = url
    outbox._Breaker.reset()  # this request pays the publish attempt, not an earlier one
    kombu.pools.reset()
    yield
    conf.task_always_eager, conf.broker_url = saved
    outbox._Breaker.reset()
    kombu.pools.reset()


@pytest.mark.django_db(transaction=True)  # the test message is handed on when the request's write commits
def test_send_test_message_answers_within_seconds_and_says_it_is_queued_when_the_broker_is_down(
    login, lead, team, broker_down, settings
):
    made = chat_destination_create(
        actor=lead, team=team, kind="teams", name="Care", url="http://127.0.0.1:9/teams", events=["kpi.alert"]
    )
    client = login(lead)

    started = time.monotonic()
    sent = client.post(reverse("improvement:chat_destination_test", args=[made.pk]), follow=True)
    elapsed = time.monotonic() - started

    assert elapsed < settings.PDCA_OUTBOX_PUBLISH_TIMEOUT_SECONDS + 2
    assert sent.status_code == 200
    assert "Test message to “Care”: queued" in sent.content.decode()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    assert OutboxMessage.objects.get().state == OutboxState.PENDING  # the relay sends it later
