"""Experiment results, the experiment as evidence at the PDCA gates, and the experiment admin."""

import pytest
from django.urls import reverse

from common.errors import GateFailed
from improvement import selectors
from improvement.models import Stage
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from improvement.services import stage_gates, stages

pytestmark = pytest.mark.django_db


# --- results ------------------------------------------------------------------------------------


def test_results_compare_each_treatment_with_the_control(running, lead):
    data.experiment_data_replace(
        actor=lead,
        experiment=running,
        rows=[
            {"variant": "control", "users": 5000, "conversions": 500},
            {"variant": "callback", "users": 5000, "conversions": 600},
        ],
    )

    results = selectors.experiment_results(experiment=running)

    assert [(v["key"], v["users"], v["mean"], v["is_control"]) for v in results["variants"]] == [
        ("control", 5000, 0.1, True),
        ("callback", 5000, 0.12, False),
    ]
    (comparison,) = results["comparisons"]
    assert comparison["absolute_effect"] == pytest.approx(0.02)
    assert comparison["relative_effect"] == pytest.approx(0.2)
    assert comparison["significant"] is True
    assert results["srm"]["detected"] is False


def test_results_without_data_say_why_numbers_are_missing(running):
    results = selectors.experiment_results(experiment=running)

    assert results["comparisons"][0]["p_value"] is None
    assert results["srm"]["p_value"] is None
    assert results["warnings"]


# --- the gates of Do → Check and Check → Act ------------------------------------------------------


def test_an_experiment_with_data_is_evidence_for_do_to_check(initiative, lead, running):
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    with pytest.raises(GateFailed):
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)

    data.experiment_data_replace(
        actor=lead, experiment=running, rows=[{"variant": "control", "users": 10, "conversions": 1}]
    )
    transition = stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)

    assert transition.gate_result[0]["detail"] == stage_gates.DETAIL_EXPERIMENT_DATA


def test_a_concluded_experiment_whose_data_decide_opens_check_to_act(initiative, lead, running):
    data.experiment_data_replace(
        actor=lead,
        experiment=running,
        rows=[
            {"variant": "control", "users": 20_000, "conversions": 2_000},
            {"variant": "callback", "users": 20_000, "conversions": 2_600},
        ],
    )
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)
    with pytest.raises(GateFailed):
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.ACT)

    ex.experiment_conclude(actor=lead, experiment=running, decision="ship")
    transition = stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.ACT)

    assert transition.gate_passed
    assert transition.gate_result[0]["detail"] == stage_gates.DETAIL_EXPERIMENT_CONCLUDED
    assert transition.gate_result[1]["code"] == "experiment_decided"
    assert "Ship Offer a callback." in transition.gate_result[1]["detail"]


def test_an_experiment_concluded_on_too_little_data_fails_check_to_act_unless_overridden(
    initiative, lead, executive, running
):
    data.experiment_data_replace(
        actor=lead, experiment=running, rows=[{"variant": "control", "users": 10, "conversions": 1}]
    )
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)
    ex.experiment_conclude(actor=lead, experiment=running, decision="ship")

    gate = stage_gates.gate_check(initiative=initiative, to_stage=Stage.ACT)
    assert [c.code for c in gate.unmet] == ["experiment_decided"]
    assert "Inconclusive" in gate.unmet[0].detail
    with pytest.raises(GateFailed):
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.ACT)
    transition = stages.initiative_transition(
        actor=executive, initiative=initiative, to=Stage.ACT, override_reason="Pilot ends with the quarter."
    )
    assert transition.to_stage == Stage.ACT


def test_an_archived_experiment_is_no_evidence(initiative, lead, running):
    data.experiment_data_replace(
        actor=lead, experiment=running, rows=[{"variant": "control", "users": 10, "conversions": 1}]
    )
    ex.experiment_archive(actor=lead, experiment=running)
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)

    with pytest.raises(GateFailed):
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)


# --- admin ----------------------------------------------------------------------------------------


def test_the_admin_renames_through_the_service_and_keeps_the_workflow_read_only(client, admin, running):
    client.force_login(admin)
    url = reverse("admin:improvement_experiment_change", args=[running.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {"name", "hypothesis"}

    response = client.post(
        url,
        {
            "name": "Callback offer, chat only",
            "hypothesis": "Callbacks resolve more.",
            "variants-TOTAL_FORMS": 2,
            "variants-INITIAL_FORMS": 2,
            "status": "concluded",
        },
    )

    assert response.status_code == 302
    running.refresh_from_db()
    assert (running.name, running.status, running.version) == ("Callback offer, chat only", "running", 3)
    assert running.history.latest().history_user == admin
    for name in ("variant", "variantdata"):
        assert client.get(reverse(f"admin:improvement_{name}_changelist")).status_code == 200
