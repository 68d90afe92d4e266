"""Chat destinations against a local receiver that checks every message's shape (``chat_shapes``)."""

import datetime as dt
import socket

import pytest
from celery.exceptions import Ignore
from django.core.exceptions import ValidationError
from django.utils import timezone
from werkzeug import Response

from accounts.models import Notification
from common.errors import PermissionDenied
from common.models import OutboxMessage, OutboxState
from improvement import tasks
from improvement.models import (
    ChatEventType,
    ChatKind,
    DeliveryStatus,
    NotificationKind,
    Stage,
    WebhookDelivery,
    WebhookEventType,
)
from improvement.services.chat import (
    chat_destination_create,
    chat_destination_update,
)
from improvement.services.stages import initiative_transition
from improvement.services.webhooks import MSG_CHAT_HOST, MSG_CHAT_HTTPS, webhook_event_emit
from tests.factories import InitiativeFactory
from tests.improvement.chat_receiver import ALL_EVENTS, SITE, destination, ready_for_do

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_chat_receivers")]


@pytest.fixture
def initiative(team, lead, executive):
    return InitiativeFactory(team=team, lead=lead, sponsor=executive, code="IMP-042", title="Faster replies")


def slack_texts(message) -> list[tuple[str, str]]:
    """(object type, text) of every text object in a Block Kit message."""
    found = []
    for block in message["blocks"]:
        for obj in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if obj and obj.get("type") in ("plain_text", "mrkdwn"):
                found.append((obj["type"], obj["text"]))
    return found


def test_a_stage_move_reaches_slack_and_teams_as_valid_messages_linking_back(
    initiative, lead, slack, teams, django_capture_on_commit_callbacks
):
    destination(lead, initiative.team, slack)
    destination(lead, initiative.team, teams)
    ready_for_do(initiative)

    with django_capture_on_commit_callbacks(execute=True):
        initiative_transition(actor=lead, initiative=initiative, to=Stage.DO, note="Pilot starts")

    link = f"{SITE}/initiatives/{initiative.pk}/"
    [block_kit] = slack.messages
    assert [b["type"] for b in block_kit["blocks"]] == ["header", "section", "section", "context", "actions"]
    assert block_kit["blocks"][0]["text"]["text"] == "IMP-042 Faster replies"
    assert block_kit["blocks"][1]["text"]["text"] == "Moved from Plan to Do in cycle 1."
    assert block_kit["blocks"][-1]["elements"][0]["url"] == link
    [envelope] = teams.messages
    card = envelope["attachments"][0]["content"]
    assert card["body"][0]["text"] == "IMP-042 Faster replies"
    assert card["body"][1]["text"] == "Moved from Plan to Do in cycle 1."
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open IMP-042", "url": link}]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert WebhookDelivery.objects.filter(attempts__status_code=200).count() == 2


def test_titles_are_shown_as_typed_never_as_markup(
    team, lead, slack, teams, django_capture_on_commit_callbacks
):
    sneaky = InitiativeFactory(
        team=team, lead=lead, code="IMP-7", title="<!channel> *now* & [win](https://x.test)"
    )
    destination(lead, team, slack)
    destination(lead, team, teams)
    ready_for_do(sneaky)

    with django_capture_on_commit_callbacks(execute=True):
        initiative_transition(actor=lead, initiative=sneaky, to=Stage.DO, note="<@U123> _see_ this")

    texts = slack_texts(slack.messages[0])
    assert ("plain_text", "IMP-7 <!channel> *now* & [win](https://x.test)") in texts
    assert ("plain_text", "<@U123> _see_ this") in texts
    assert all("<" not in text for kind, text in texts if kind == "mrkdwn")
    assert slack.messages[0]["text"].startswith("IMP-7 &lt;!channel&gt; *now* &amp; [win]")
    card = teams.messages[0]["attachments"][0]["content"]
    assert card["body"][0]["text"] == r"IMP-7 <!channel> \*now\* & \[win\](https://x.test)"
    assert card["body"][3]["text"] == r"<@U123> \_see\_ this"


def test_only_the_teams_listening_destinations_get_an_event(
    initiative, lead, other_lead, other_team, slack, teams, django_capture_on_commit_callbacks
):
    destination(other_lead, other_team, slack)  # another team's
    destination(lead, initiative.team, teams, events=[ChatEventType.DIGEST])  # not listening
    ready_for_do(initiative)

    with django_capture_on_commit_callbacks(execute=True):
        initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)

    assert not WebhookDelivery.objects.exists()
    assert slack.messages == teams.messages == []


def test_failures_are_retried_and_each_attempt_is_logged(
    initiative, lead, slack, django_capture_on_commit_callbacks
):
    slack.answers = [Response("oops", status=500), Response("busy", status=503)]
    destination(lead, initiative.team, slack)

    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(
            type=WebhookEventType.STAGE_CHANGED,
            dedupe_key="x:1",
            data={"initiative": {"id": initiative.pk, "code": "IMP-042", "title": "T"}, "cycle": 1},
            team_ids=[initiative.team_id],
        )

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert list(delivery.attempts.values_list("number", "status_code", "succeeded", "response_excerpt")) == [
        (1, 500, False, "oops"),
        (2, 503, False, "busy"),
        (3, 200, True, "ok"),
    ]


def test_a_429_with_retry_after_is_retried_after_that_long(
    initiative, lead, slack, monkeypatch, django_capture_on_commit_callbacks
):
    slack.answers = [Response("slow down", status=429, headers={"Retry-After": "7"})]
    destination(lead, initiative.team, slack)
    retries = []

    def retry(*, exc, countdown, **kwargs):
        retries.append((countdown, exc.retry_after))
        raise Ignore()

    monkeypatch.setattr(tasks.deliver_webhook, "retry", retry)
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(
            type=ChatEventType.DIGEST, dedupe_key="d", data={"team": "T"}, team_ids=[initiative.team_id]
        )

    assert retries == [(7.0, 7.0)]
    attempt = WebhookDelivery.objects.get().attempts.get()
    assert (attempt.status_code, attempt.error) == (429, "The receiver asked to wait 7 s (Retry-After).")


def test_a_retry_after_longer_than_the_backoff_ceiling_is_capped(
    initiative, lead, slack, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PDCA_WEBHOOK_BACKOFF_MAX_SECONDS = 60
    slack.answers = [Response("later", status=503, headers={"Retry-After": "86400"})]
    destination(lead, initiative.team, slack)
    retries = []
    monkeypatch.setattr(
        tasks.deliver_webhook,
        "retry",
        lambda *, exc, countdown, **kw: retries.append(countdown) or (_ for _ in ()).throw(Ignore()),
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(
            type=ChatEventType.DIGEST, dedupe_key="d", data={"team": "T"}, team_ids=[initiative.team_id]
        )

    assert retries == [60]


def test_the_address_guard_refuses_a_loopback_destination(team, lead, slack, settings):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = False

    with pytest.raises(ValidationError) as refused:
        destination(lead, team, slack)

    [message] = refused.value.message_dict["url"]
    assert message.startswith("The host localhost resolves to a loopback or private address")
    assert not team.chat_destinations.exists()


def test_the_guard_runs_again_before_every_attempt_and_a_refusal_is_logged(
    initiative, lead, slack, settings, django_capture_on_commit_callbacks
):
    destination(lead, initiative.team, slack)
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = False  # e.g. the name now resolves to a private address

    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(
            type=ChatEventType.DIGEST, dedupe_key="d", data={"team": "T"}, team_ids=[initiative.team_id]
        )

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "loopback or private" in delivery.attempts.get().error
    assert slack.messages == []


@pytest.fixture
def public_dns(monkeypatch):
    """Every host resolves to one public address (no network in tests)."""

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.mark.parametrize(
    ("kind", "url", "message"),
    [
        ("slack", "https://hooks.slack.com/services/T0/B0/x", None),
        ("slack", "http://hooks.slack.com/services/T0/B0/x", MSG_CHAT_HTTPS),
        ("slack", "https://hooks.slack.com.evil.test/services/x", MSG_CHAT_HOST[ChatKind.SLACK]),
        ("slack", "https://contoso.webhook.office.com/webhookb2/x", MSG_CHAT_HOST[ChatKind.SLACK]),
        ("teams", "https://contoso.webhook.office.com/webhookb2/x", None),
        ("teams", "https://webhook.office.com.evil.test/x", MSG_CHAT_HOST[ChatKind.TEAMS]),
        ("teams", "https://evil.test/.webhook.office.com/x", MSG_CHAT_HOST[ChatKind.TEAMS]),
    ],
)
def test_in_production_only_the_chat_apps_https_hosts_are_taken(
    team, lead, settings, public_dns, kind, url, message
):
    settings.PDCA_CHAT_ANY_HOST = False
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = False

    if message is None:
        made = chat_destination_create(actor=lead, team=team, kind=kind, url=url, events=ALL_EVENTS)
        assert made.url == url and made.url_masked.endswith("…" + url[-4:])
    else:
        with pytest.raises(ValidationError) as refused:
            chat_destination_create(actor=lead, team=team, kind=kind, url=url, events=ALL_EVENTS)
        assert refused.value.message_dict == {"url": [message]}


@pytest.mark.parametrize("who", ["contributor", "other_lead", "executive", "viewer"])
def test_only_admins_and_the_teams_leads_manage_its_destinations(request, team, who):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        chat_destination_create(
            actor=actor, team=team, kind="slack", url="https://x.test/h", events=ALL_EVENTS
        )


def test_bad_input_is_refused_and_saves_nothing(team, lead, slack):
    with pytest.raises(ValidationError) as refused:
        chat_destination_create(actor=lead, team=team, kind="slack", url=slack.url, events=["stage.moved"])
    assert refused.value.message_dict == {"events": ["Unknown event type: stage.moved."]}
    with pytest.raises(ValidationError):
        chat_destination_create(actor=lead, team=team, kind="slack", url=slack.url, events=[])
    with pytest.raises(ValidationError):
        chat_destination_create(actor=lead, team=team, kind="irc", url=slack.url, events=ALL_EVENTS)
    assert not team.chat_destinations.exists()


def test_a_destination_failing_every_time_is_switched_off_and_its_creator_told(
    initiative, lead, slack, settings, django_capture_on_commit_callbacks
):
    settings.PDCA_WEBHOOK_MAX_ATTEMPTS = 1
    settings.PDCA_WEBHOOK_DISABLE_AFTER = 2
    slack.answers = [Response("gone", status=404), Response("gone", status=404)]
    chosen = destination(lead, initiative.team, slack, events=[ChatEventType.DIGEST], name="#care")

    for key in ("a", "b"):
        with django_capture_on_commit_callbacks(execute=True):
            webhook_event_emit(
                type=ChatEventType.DIGEST, dedupe_key=key, data={"team": "T"}, team_ids=[initiative.team_id]
            )

    chosen.refresh_from_db()
    assert not chosen.is_active
    notice = Notification.objects.get(recipient=lead)
    assert notice.kind == NotificationKind.WEBHOOK_DISABLED
    assert notice.title == "Chat destination “#care (Slack)” was disabled"
    assert chosen.url not in notice.body

    chat_destination_update(actor=lead, destination=chosen, is_active=True)
    chosen.refresh_from_db()
    assert chosen.is_active and chosen.consecutive_failures == 0 and chosen.disabled_reason == ""


def test_the_sweeper_resumes_a_lost_chat_message_too(
    initiative, lead, slack, django_capture_on_commit_callbacks
):
    destination(lead, initiative.team, slack, events=[ChatEventType.DIGEST])
    with django_capture_on_commit_callbacks(execute=False):
        webhook_event_emit(
            type=ChatEventType.DIGEST, dedupe_key="d", data={"team": "T"}, team_ids=[initiative.team_id]
        )
    long_ago = timezone.now() - dt.timedelta(hours=2)
    WebhookDelivery.objects.update(created_at=long_ago)
    OutboxMessage.objects.update(state=OutboxState.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_stalled_webhooks.delay().get() == 1

    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert len(slack.messages) == 1
