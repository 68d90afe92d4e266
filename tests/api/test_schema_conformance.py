"""Answers are what the OpenAPI schema documents — found by .ci/fuzz_api (schemathesis), kept here."""

import pytest

from common.api.errors import MSG_NOT_FOUND
from common.api.errors import error_body as error
from tests.factories import KpiTargetFactory, MilestoneFactory, StageTransitionFactory


def test_a_milestone_outside_the_plans_phases_answers_a_documented_blank_phase(
    api, lead, initiative, conforms
):
    milestone = MilestoneFactory(initiative=initiative, phase="")
    client = api(lead)

    detail = client.get(f"/api/v1/milestones/{milestone.pk}/")
    listed = client.get("/api/v1/milestones/")

    assert detail.status_code == listed.status_code == 200
    assert detail.json()["phase"] == ""
    conforms(detail, "GET /api/v1/milestones/{id}/")
    conforms(listed, "GET /api/v1/milestones/")


def test_an_unevaluated_target_answers_a_documented_blank_evaluation(api, lead, initiative, conforms):
    target = KpiTargetFactory(initiative=initiative)
    client = api(lead)

    detail = client.get(f"/api/v1/targets/{target.pk}/")
    listed = client.get("/api/v1/targets/")

    assert detail.status_code == listed.status_code == 200
    assert detail.json()["evaluation"] == ""
    conforms(detail, "GET /api/v1/targets/{id}/")
    conforms(listed, "GET /api/v1/targets/")


def test_a_stage_move_that_is_no_decision_answers_a_documented_blank_decision(
    api, lead, initiative, conforms
):
    transition = StageTransitionFactory(initiative=initiative, actor=lead)
    client = api(lead)

    detail = client.get(f"/api/v1/transitions/{transition.pk}/")
    listed = client.get("/api/v1/transitions/")

    assert detail.status_code == listed.status_code == 200
    assert detail.json()["decision"] == ""
    conforms(detail, "GET /api/v1/transitions/{id}/")
    conforms(listed, "GET /api/v1/transitions/")


@pytest.mark.parametrize(
    ("method", "url", "operation"),
    [
        ("get", "/api/v1/milestones/abc/", "GET /api/v1/milestones/{id}/"),
        ("get", "/api/v1/initiatives/-1/progress/", "GET /api/v1/initiatives/{id}/progress/"),
        ("post", "/api/v1/milestones/1e-300/complete/", "POST /api/v1/milestones/{id}/complete/"),
        ("get", "/api/v1/kpis/%C2%84/control-chart/", "GET /api/v1/kpis/{code}/control-chart/"),
    ],
)
def test_an_id_the_route_does_not_accept_answers_the_documented_json_404(
    api, lead, conforms, method, url, operation
):
    response = getattr(api(lead), method)(url)

    assert response.status_code == 404
    assert response.json() == error(code="not_found", message=MSG_NOT_FOUND)
    conforms(response, operation)
