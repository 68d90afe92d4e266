"""What each chat event posts, checked by a local receiver (``chat_receiver``, ``chat_shapes``)."""

import datetime as dt

import pytest

from improvement.models import (
    ChatEventType,
    DeliveryStatus,
    Stage,
    WebhookEventType,
)
from improvement.services.chat import (
    chat_destination_test,
    chat_digest_post,
    kpi_alert_announce,
)
from improvement.services.stages import initiative_transition
from improvement.services.webhooks import webhook_event_emit
from kpis.models import AlertLevel, KpiAlert
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory
from tests.improvement.chat_receiver import SITE, destination, ready_for_do

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_chat_receivers")]


@pytest.fixture
def initiative(team, lead, executive):
    return InitiativeFactory(team=team, lead=lead, sponsor=executive, code="IMP-042", title="Faster replies")


def test_a_test_message_goes_to_that_destination_alone(
    team, lead, slack, teams, django_capture_on_commit_callbacks
):
    chosen = destination(lead, team, slack, events=[ChatEventType.DIGEST], name="#care")
    destination(lead, team, teams)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = chat_destination_test(actor=lead, destination=chosen)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    [message] = slack.messages
    assert message["blocks"][0]["text"]["text"] == "Test message for Customer Care"
    assert message["blocks"][-1]["elements"][0]["url"] == f"{SITE}/teams/customer-care/settings/"
    assert teams.messages == []


def test_an_executive_sign_off_of_a_failed_gate_is_posted(
    initiative, executive, lead, teams, django_capture_on_commit_callbacks
):
    destination(lead, initiative.team, teams, events=[ChatEventType.GATE_OVERRIDDEN])

    with django_capture_on_commit_callbacks(execute=True):
        initiative_transition(
            actor=executive, initiative=initiative, to=Stage.DO, override_reason="Board approved the pilot"
        )

    [envelope] = teams.messages
    body = envelope["attachments"][0]["content"]["body"]
    assert body[1]["text"] == "A failed gate was signed off by an executive (Plan → Do)."
    facts = {f["title"]: f["value"] for f in body[2]["facts"]}
    assert facts["Signed off by"] == "exec@example.com"
    assert "Plan at least one milestone." in facts["Unmet"]
    assert body[3]["text"] == "Reason: Board approved the pilot"


def test_a_kpi_alert_goes_to_the_teams_whose_initiatives_target_the_kpi(
    initiative, lead, other_lead, other_team, slack, teams, django_capture_on_commit_callbacks
):
    kpi = KpiFactory(code="frt", name="First response time")
    KpiTargetFactory(initiative=initiative, kpi=kpi)
    destination(lead, initiative.team, slack, events=[ChatEventType.KPI_ALERT])
    destination(other_lead, other_team, teams, events=[ChatEventType.KPI_ALERT])  # no initiative on it
    alert = KpiAlert.objects.create(
        kpi=kpi, period=dt.date(2026, 3, 2), level=AlertLevel.CRITICAL, value=95.0, threshold=60.0
    )

    with django_capture_on_commit_callbacks(execute=True):
        kpi_alert_announce(alert=alert)

    [message] = slack.messages
    assert message["blocks"][0]["text"]["text"] == "Critical alert: First response time"
    assert message["blocks"][1]["text"]["text"] == "95.0 on 2026-03-02, past the threshold 60.0."
    assert teams.messages == []


def test_the_weekly_digest_is_posted_once_a_week_per_team(
    initiative, lead, slack, django_capture_on_commit_callbacks
):
    destination(lead, initiative.team, slack, events=[ChatEventType.DIGEST])
    ready_for_do(initiative)
    initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    today = dt.date.today()

    with django_capture_on_commit_callbacks(execute=True):
        assert chat_digest_post(today=today) == 1
    with django_capture_on_commit_callbacks(execute=True):
        chat_digest_post(today=today)  # the job ran twice

    [message] = slack.messages
    assert message["blocks"][0]["text"]["text"] == "Weekly digest: Customer Care"
    assert "IMP-042: Plan → Do" in message["blocks"][2]["text"]["text"]
    assert message["blocks"][-1]["elements"][0]["url"] == f"{SITE}/dashboard/"


def test_an_experiment_decision_links_to_the_experiment(
    initiative, lead, slack, teams, django_capture_on_commit_callbacks
):
    destination(lead, initiative.team, slack, events=[ChatEventType.EXPERIMENT_CONCLUDED])
    destination(lead, initiative.team, teams, events=[ChatEventType.EXPERIMENT_CONCLUDED])

    with django_capture_on_commit_callbacks(execute=True):
        webhook_event_emit(
            type=WebhookEventType.EXPERIMENT_CONCLUDED,
            dedupe_key="experiment.concluded:9",
            data={
                "initiative": {"id": initiative.pk, "code": "IMP-042", "title": "Faster replies"},
                "experiment": {"id": 9, "name": "Bot_first *greeting*", "metric_type": "binary"},
                "decision": "ship",
                "note": "Clear win",
                "actor": "lead@example.com",
                "comparisons": [{"variant": "B", "relative_effect": 0.042, "significant": True}],
            },
            team_ids=[initiative.team_id],
        )

    blocks = slack.messages[0]["blocks"]
    assert blocks[1]["text"]["text"] == "Experiment concluded: Ship."
    assert blocks[1]["fields"][0] == {
        "type": "plain_text",
        "text": "Experiment\nBot_first *greeting*",
        "emoji": False,
    }
    assert blocks[2]["text"]["text"] == "Clear win\nB: +4.2% (significant)"
    assert blocks[-1]["elements"][0]["url"] == f"{SITE}/experiments/9/"
    card = teams.messages[0]["attachments"][0]["content"]
    assert card["body"][2]["facts"][0] == {"title": "Experiment", "value": r"Bot\_first \*greeting\*"}
