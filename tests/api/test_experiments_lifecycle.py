"""The experiments API: design, scoping and the status moves, with their errors and query counts."""

import pytest

from improvement.models import Experiment, ExperimentStatus
from improvement.services import experiments as ex
from improvement.services.experiment_design import MSG_ONE_CONTROL
from tests.api.conftest import AB, URL, create, queries_for, url
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


# --- design and status --------------------------------------------------------------------------


def test_a_lead_creates_an_experiment_with_variants_and_guardrails(api, lead, initiative):
    response = create(api(lead), initiative, guardrail_kpis=["average_handle_time"], mde=0.05)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["primary_kpi"]["code"] == "fcr_rate"
    assert body["guardrail_kpis"] == ["average_handle_time"]
    assert [(v["key"], v["is_control"]) for v in body["variants"]] == [("control", True), ("callback", False)]
    assert response["ETag"]


def test_two_controls_are_refused_with_a_field_error_and_nothing_is_written(api, lead, initiative):
    variants = [{"key": "a", "is_control": True}, {"key": "b", "is_control": True}]

    response = create(api(lead), initiative, variants=variants)

    assert response.status_code == 400
    assert response.json()["fields"] == {"variants": [MSG_ONE_CONTROL.format(count=2)]}
    assert not Experiment.objects.exists()


def test_an_experiment_of_another_team_is_not_found(api, other_lead, running):
    assert api(other_lead).get(url(running)).status_code == 404
    assert api(other_lead).post(url(running, "stop")).status_code == 404


def test_a_viewer_reads_but_cannot_move_an_experiment(api, viewer, running):
    client = api(viewer)

    assert client.get(url(running)).status_code == 200
    response = client.post(url(running, "stop"))
    assert response.status_code == 403
    assert response.json()["message"] == ex.MSG_CANNOT_EDIT


def test_start_stop_and_conclude_through_the_api(api, lead, initiative):
    client = api(lead)
    experiment = create(client, initiative).json()
    path = f"{URL}{experiment['id']}/"

    assert client.post(path + "start/").json()["status"] == "running"
    assert client.post(path + "stop/").json()["status"] == "stopped"
    refused = client.post(path + "conclude/", {}, format="json")
    assert refused.status_code == 400
    assert "decision" in refused.json()["fields"]
    concluded = client.post(path + "conclude/", {"decision": "iterate", "note": "Too small."}, format="json")

    assert concluded.status_code == 200
    assert (concluded.json()["status"], concluded.json()["decision"]) == ("concluded", "iterate")
    assert client.post(path + "start/").status_code == 409


def test_the_design_is_frozen_once_running(api, lead, running):
    response = api(lead).patch(url(running), {"alpha": 0.1}, format="json")

    assert response.status_code == 409
    assert response.json()["message"] == ex.MSG_DESIGN_FROZEN.format(status="running")


def test_a_move_against_a_stale_etag_answers_412(api, lead, running):
    client = api(lead)
    etag = client.get(url(running))["ETag"]
    client.patch(url(running), {"name": "Renamed"}, format="json")

    response = client.post(url(running, "stop"), HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    running.refresh_from_db()
    assert running.status == ExperimentStatus.RUNNING


def test_the_list_costs_the_same_queries_for_3n_experiments_as_for_n(api, lead, team, fcr, aht):
    def add(n):
        for _ in range(n):
            initiative = InitiativeFactory(team=team, lead=lead)
            ex.experiment_create(
                actor=lead,
                initiative=initiative,
                name="x",
                primary_kpi=fcr,
                variants=AB,
                guardrail_kpis=[aht],
            )

    client = api(lead)
    add(2)
    few = queries_for(client, URL)
    add(4)

    assert queries_for(client, URL) == few
    assert client.get(URL).json()["count"] == 6
