"""Experiments: the design, its validation, and the draft → running → stopped → concluded machine."""

import math

import pytest
from django.core.exceptions import ValidationError

from common.errors import Conflict, PermissionDenied
from improvement.models import Experiment, ExperimentStatus, WebhookEvent, WebhookEventType
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from improvement.services.experiment_design import (
    MSG_DUPLICATE_KEY,
    MSG_GUARDRAIL_IS_PRIMARY,
    MSG_KEY,
    MSG_ONE_CONTROL,
    MSG_TWO_VARIANTS,
    MSG_WEIGHT,
)
from tests.improvement.conftest import make

pytestmark = pytest.mark.django_db


# --- design -----------------------------------------------------------------------------------


def test_a_lead_creates_a_draft_with_its_variants_and_guardrails(initiative, lead, fcr, aht):
    experiment = make(initiative, lead, fcr, guardrail_kpis=[aht], hypothesis="Callbacks resolve more.")

    assert experiment.status == ExperimentStatus.DRAFT
    assert (experiment.alpha, experiment.power, experiment.mde_type) == (0.05, 0.8, "relative")
    assert [(v.key, v.is_control, v.weight) for v in experiment.variants.all()] == [
        ("control", True, 1.0),
        ("callback", False, 1.0),
    ]
    assert list(experiment.guardrail_kpis.all()) == [aht]
    assert experiment.history.latest().history_user == lead


@pytest.mark.parametrize(
    ("variants", "field", "message"),
    [
        ([{"key": "a", "is_control": True}], "variants", MSG_TWO_VARIANTS),
        ([{"key": "a"}, {"key": "b"}], "variants", MSG_ONE_CONTROL.format(count=0)),
        (
            [{"key": "a", "is_control": True}, {"key": "b", "is_control": True}],
            "variants",
            MSG_ONE_CONTROL.format(count=2),
        ),
        (
            [{"key": "a", "is_control": True}, {"key": "a"}],
            "variants[1].key",
            MSG_DUPLICATE_KEY.format(key="a"),
        ),
        ([{"key": "a", "is_control": True}, {"key": "b", "weight": 0}], "variants[1].weight", MSG_WEIGHT),
        (
            [{"key": "a", "is_control": True}, {"key": "b", "weight": math.nan}],
            "variants[1].weight",
            MSG_WEIGHT,
        ),
        ([{"key": "a b", "is_control": True}, {"key": "b"}], "variants[0].key", MSG_KEY),
    ],
)
def test_variants_need_unique_keys_positive_weights_and_exactly_one_control(
    initiative, lead, fcr, variants, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        make(initiative, lead, fcr, variants=variants)

    assert excinfo.value.message_dict[field] == [message]
    assert not Experiment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"alpha": 1.2}, "alpha"),
        ({"power": 0}, "power"),
        ({"mde": 0}, "mde"),
        ({"metric_type": "ratio"}, "metric_type"),
    ],
)
def test_a_design_the_statistics_cannot_use_is_refused(initiative, lead, fcr, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        make(initiative, lead, fcr, **fields)

    assert field in excinfo.value.message_dict
    assert not Experiment.objects.exists()


def test_the_primary_kpi_cannot_be_a_guardrail(initiative, lead, fcr):
    with pytest.raises(ValidationError) as excinfo:
        make(initiative, lead, fcr, guardrail_kpis=[fcr])

    assert excinfo.value.message_dict["guardrail_kpis"] == [MSG_GUARDRAIL_IS_PRIMARY]
    assert not Experiment.objects.exists()


def test_only_those_who_edit_the_initiative_create_experiments(initiative, contributor, other_lead, fcr):
    for actor in (contributor, other_lead):
        with pytest.raises(PermissionDenied):
            make(initiative, actor, fcr)


def test_the_design_changes_only_in_draft(initiative, lead, fcr):
    experiment = make(initiative, lead, fcr)
    ex.experiment_update(
        actor=lead,
        experiment=experiment,
        mde=0.05,
        variants=[{"key": "a", "is_control": True}, {"key": "b", "weight": 2}],
    )
    assert experiment.mde == 0.05 and experiment.version == 2
    assert [v.key for v in experiment.variants.all()] == ["a", "b"]

    ex.experiment_start(actor=lead, experiment=experiment)
    with pytest.raises(Conflict) as excinfo:
        ex.experiment_update(actor=lead, experiment=experiment, alpha=0.1)
    assert excinfo.value.message == ex.MSG_DESIGN_FROZEN.format(status="running")
    ex.experiment_update(actor=lead, experiment=experiment, name="Callback offer, chat")
    experiment.refresh_from_db()
    assert (experiment.name, experiment.alpha) == ("Callback offer, chat", 0.05)


def test_an_update_from_a_stale_version_is_a_conflict(initiative, lead, fcr):
    experiment = make(initiative, lead, fcr)
    ex.experiment_update(actor=lead, experiment=experiment, name="Renamed")

    with pytest.raises(Conflict):
        ex.experiment_update(actor=lead, experiment=experiment, expected_version=1, name="Again")


# --- the status machine -------------------------------------------------------------------------


def test_draft_runs_stops_and_concludes_with_a_decision(initiative, lead, fcr):
    experiment = make(initiative, lead, fcr)

    ex.experiment_start(actor=lead, experiment=experiment)
    ex.experiment_stop(actor=lead, experiment=experiment)
    ex.experiment_conclude(actor=lead, experiment=experiment, decision="ship", note="FCR up 4 points.")

    experiment.refresh_from_db()
    assert experiment.status == ExperimentStatus.CONCLUDED
    assert (experiment.decision, experiment.decision_note, experiment.concluded_by) == (
        "ship",
        "FCR up 4 points.",
        lead,
    )
    assert experiment.started_at <= experiment.stopped_at <= experiment.concluded_at
    assert [h.status for h in experiment.history.order_by("history_id")] == [
        "draft",
        "running",
        "stopped",
        "concluded",
    ]


def test_concluding_needs_a_decision_and_writes_nothing_without_one(running, lead):
    for decision in ("", "maybe"):
        with pytest.raises(ValidationError) as excinfo:
            ex.experiment_conclude(actor=lead, experiment=running, decision=decision)
        assert "decision" in excinfo.value.message_dict

    running.refresh_from_db()
    assert (running.status, running.decision) == (ExperimentStatus.RUNNING, "")


@pytest.mark.parametrize(
    ("move", "status"),
    [
        (lambda e, u: ex.experiment_stop(actor=u, experiment=e), "draft"),
        (lambda e, u: ex.experiment_conclude(actor=u, experiment=e, decision="ship"), "draft"),
    ],
)
def test_a_draft_can_only_start(initiative, lead, fcr, move, status):
    experiment = make(initiative, lead, fcr)

    with pytest.raises(Conflict):
        move(experiment, lead)
    experiment.refresh_from_db()
    assert experiment.status == status


def test_a_concluded_experiment_does_not_move_again(running, lead):
    ex.experiment_conclude(actor=lead, experiment=running, decision="abandon")

    with pytest.raises(Conflict):
        ex.experiment_start(actor=lead, experiment=running)
    with pytest.raises(Conflict):
        ex.experiment_conclude(actor=lead, experiment=running, decision="ship")


def test_concluding_emits_the_experiment_concluded_event_once(running, lead):
    data.experiment_data_replace(
        actor=lead,
        experiment=running,
        rows=[
            {"variant": "control", "users": 1000, "conversions": 100},
            {"variant": "callback", "users": 1000, "conversions": 130},
        ],
    )

    ex.experiment_conclude(actor=lead, experiment=running, decision="ship")

    event = WebhookEvent.objects.get(type=WebhookEventType.EXPERIMENT_CONCLUDED)
    assert event.dedupe_key == f"experiment.concluded:{running.pk}"
    assert event.data["decision"] == "ship"
    assert event.data["experiment"]["id"] == running.pk
    assert event.data["comparisons"][0]["variant"] == "callback"
