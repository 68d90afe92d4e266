"""Sign-off requests and decisions in chat, checked by the local receiver (``chat_receiver``,
``chat_shapes``): the same shapes, retries, delivery log and address guard as every chat event."""

import pytest

from improvement.models import ChatEventType, DeliveryStatus, SignOffRule, Stage, WebhookDelivery
from improvement.services.signoffs import sign_off_approve, sign_off_request, sign_off_send_back
from tests.factories import InitiativeFactory
from tests.improvement.chat_receiver import SITE, destination

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_chat_receivers")]


@pytest.fixture
def initiative(team, lead, executive):
    SignOffRule.objects.create(to_stage=Stage.DO, reviewer_roles=["sponsor"])
    return InitiativeFactory(team=team, lead=lead, sponsor=executive, code="IMP-042", title="Faster replies")


def test_a_sign_off_request_reaches_slack_and_teams_linking_to_the_reviews(
    initiative, lead, slack, teams, django_capture_on_commit_callbacks
):
    destination(lead, initiative.team, slack, events=[ChatEventType.SIGN_OFF_REQUESTED])
    destination(lead, initiative.team, teams, events=[ChatEventType.SIGN_OFF_REQUESTED])

    with django_capture_on_commit_callbacks(execute=True):
        sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO, note="Pilot plan is ready")

    [block_kit] = slack.messages
    assert [b["type"] for b in block_kit["blocks"]] == ["header", "section", "section", "context", "actions"]
    assert block_kit["blocks"][0]["text"]["text"] == "IMP-042 Faster replies"
    assert block_kit["blocks"][1]["text"]["text"] == "Review requested for the move Plan → Do."
    fields = [f["text"] for f in block_kit["blocks"][1]["fields"]]
    assert fields == [
        "Requested by\nlead@example.com",
        f"Reviewer\nthe initiative's sponsor ({initiative.sponsor})",
    ]
    assert block_kit["blocks"][2]["text"]["text"] == "Pilot plan is ready"
    assert block_kit["blocks"][-1]["elements"][0]["url"] == f"{SITE}/reviews/"
    [envelope] = teams.messages
    card = envelope["attachments"][0]["content"]
    assert card["body"][1]["text"] == "Review requested for the move Plan → Do."
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open the reviews", "url": f"{SITE}/reviews/"}
    ]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}


def test_decisions_are_posted_to_destinations_listening_to_them(
    initiative, lead, executive, slack, teams, django_capture_on_commit_callbacks
):
    destination(lead, initiative.team, teams, events=[ChatEventType.SIGN_OFF_DECIDED])

    with django_capture_on_commit_callbacks(execute=True):
        request = sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    assert teams.messages == []  # not listening to requests

    with django_capture_on_commit_callbacks(execute=True):
        sign_off_send_back(actor=executive, request=request, comment="Name the pilot area")
    with django_capture_on_commit_callbacks(execute=True):
        again = sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    with django_capture_on_commit_callbacks(execute=True):
        sign_off_approve(actor=executive, request=again)

    sent_back, approved = (m["attachments"][0]["content"]["body"] for m in teams.messages)
    assert sent_back[1]["text"] == "The move Plan → Do was sent back."
    assert {f["title"]: f["value"] for f in sent_back[2]["facts"]}["Decided by"] == "exec@example.com"
    assert sent_back[3]["text"] == "Name the pilot area"
    assert approved[1]["text"] == "The move Plan → Do is approved."
    link = f"{SITE}/initiatives/{initiative.pk}/"
    assert teams.messages[1]["attachments"][0]["content"]["actions"][0]["url"] == link


def test_the_address_guard_refuses_a_sign_off_delivery_to_a_loopback_destination(
    initiative, lead, slack, settings, django_capture_on_commit_callbacks
):
    destination(lead, initiative.team, slack, events=[ChatEventType.SIGN_OFF_REQUESTED])
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = False

    with django_capture_on_commit_callbacks(execute=True):
        sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "loopback or private" in delivery.attempts.get().error
    assert slack.messages == []
