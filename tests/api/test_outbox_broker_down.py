"""With the broker unreachable, a stage move and a bulk write still answer 2xx (the change committed),
a retry with the same Idempotency-Key replays that answer, and the follow-up work runs once the
broker is back."""

import datetime as dt
import socket

import pytest
from celery import current_app

from accounts.models import Notification
from common.api.idempotency import REPLAY_HEADER
from common.models import OutboxMessage, OutboxState
from common.outbox import outbox_backlog, outbox_relay
from improvement.models import StageTransition
from kpis.models import KpiAlert
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory, MilestoneFactory

pytestmark = pytest.mark.django_db(transaction=True)

BULK = "/api/v1/measurements/bulk/"
DAY = dt.date(2026, 2, 1)


@pytest.fixture
def broker_down():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager, conf.broker_url = False, f"redis://127.0.0.1:{port}/0"
    yield
    conf.task_always_eager, conf.broker_url = saved


def broker_back() -> None:
    current_app.conf.task_always_eager, current_app.conf.broker_url = True, None


def test_a_stage_move_and_a_bulk_write_answer_2xx_and_their_jobs_run_when_the_broker_is_back(
    broker_down, api, lead, executive, team
):
    csat = KpiFactory(code="csat-watch", warning_threshold=80, critical_threshold=70)
    initiative = InitiativeFactory(team=team, lead=lead, sponsor=executive, code="IMP-900")
    KpiTargetFactory(initiative=initiative, kpi=csat, baseline_value=75, target_value=90)
    MilestoneFactory(initiative=initiative)
    client = api(lead)
    url = f"/api/v1/initiatives/{initiative.pk}/transition/"

    moved = client.post(url, {"to": "do"}, format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    replayed = client.post(url, {"to": "do"}, format="json", HTTP_IDEMPOTENCY_KEY="move-1")
    rows = [{"kpi": "csat-watch", "period": DAY.isoformat(), "value": 60}]
    written = client.post(BULK, {"rows": rows}, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")

    assert moved.status_code == 201, moved.content
    assert (replayed.status_code, replayed.json(), replayed.headers[REPLAY_HEADER]) == (
        201,
        moved.json(),
        "true",
    )
    assert written.status_code == 200, written.content
    assert StageTransition.objects.count() == 1
    # The bulk write's money summaries are a job too (their target has no unit value: nothing moves).
    assert sorted(OutboxMessage.objects.values_list("task", "state")) == [
        ("improvement.notify_stage_changed", OutboxState.PENDING),
        ("improvement.refresh_money_for_series", OutboxState.PENDING),
        ("kpis.evaluate_alerts_for_series", OutboxState.PENDING),
    ]
    assert outbox_backlog().count == 3
    assert not Notification.objects.exists()

    broker_back()
    assert outbox_relay() == 3

    assert KpiAlert.objects.filter(kpi=csat).count() == 1
    assert Notification.objects.filter(recipient=executive, kind="stage_changed").count() == 1
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {OutboxState.DONE}
    assert outbox_relay() == 0  # nothing runs twice
    assert KpiAlert.objects.filter(kpi=csat).count() == 1
