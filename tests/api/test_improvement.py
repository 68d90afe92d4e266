"""Initiatives and their parts through the API: create, edit, move through PDCA, progress, portfolio."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from common.api.errors import MSG_INVALID, error_body
from improvement.models import Benefit, Initiative, KpiTarget, StageTransition, StatusUpdate
from improvement.services import stage_gates, stages
from improvement.services.money import MSG_CANNOT_VALIDATE
from improvement.services.roadmap import MSG_OWNER_FIELDS
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
)


def transition_url(initiative) -> str:
    return f"/api/v1/initiatives/{initiative.pk}/transition/"


def test_a_lead_creates_an_initiative_with_the_standard_plan(api, lead, team):
    response = api(lead).post(
        "/api/v1/initiatives/",
        {
            "title": "Self-service returns",
            "team": team.pk,
            "start_date": "2026-01-05",
            "with_standard_plan": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    initiative = Initiative.objects.get(pk=body["id"])
    assert body["code"] == initiative.code
    assert body["lead"]["id"] == lead.pk
    assert body["stage"] == "plan"
    assert body["milestones"] == {
        "total": 15,
        "done": 0,
        "overdue": initiative.milestones.filter(due_date__lt=timezone.localdate()).count(),
    }


def test_a_lead_cannot_create_in_a_team_they_cannot_see(api, lead, other_team):
    response = api(lead).post(
        "/api/v1/initiatives/",
        {"title": "X", "team": other_team.pk, "start_date": "2026-01-05"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"team": [f'Invalid pk "{other_team.pk}" - object does not exist.']}
    assert not Initiative.objects.exists()


def test_a_failed_gate_answers_409_with_each_condition(api, lead, team):
    initiative = InitiativeFactory(team=team, lead=lead, smart_goal="")

    response = api(lead).post(transition_url(initiative), {"to": "do"}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "gate_failed"
    assert [(c["code"], c["message"], c["passed"]) for c in body["details"]] == [
        ("smart_goal", stage_gates.COND_SMART_GOAL, False),
        ("kpi_target", stage_gates.COND_TARGET, False),
        ("milestones", stage_gates.COND_MILESTONES, False),
        ("milestone_owners", stage_gates.COND_OWNERS, True),
    ]
    initiative.refresh_from_db()
    assert initiative.stage == "plan"
    assert not StageTransition.objects.exists()


def test_a_lead_moves_to_do_when_the_gate_is_met(api, lead, initiative):
    KpiTargetFactory(initiative=initiative)
    MilestoneFactory(initiative=initiative)

    response = api(lead).post(
        transition_url(initiative), {"to": "do", "note": "Plan signed off"}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["from_stage"] == "plan"
    assert response.json()["to_stage"] == "do"
    assert response.json()["gate_passed"] is True
    initiative.refresh_from_db()
    assert initiative.stage == "do"


def test_an_executive_overrides_a_failed_gate_with_a_reason(api, executive, initiative):
    response = api(executive).post(
        transition_url(initiative), {"to": "do", "override_reason": "Board mandate"}, format="json"
    )

    assert response.status_code == 201
    record = StageTransition.objects.get()
    assert (record.gate_passed, record.override_reason) == (False, "Board mandate")


def test_an_executive_cannot_move_a_stage_without_an_override(api, executive, initiative):
    response = api(executive).post(transition_url(initiative), {"to": "do"}, format="json")

    assert response.status_code == 403
    assert response.json()["message"] == stages.MSG_EXECUTIVE_ONLY_OVERRIDE


def test_stepping_back_needs_a_reason(api, lead, initiative):
    Initiative.objects.filter(pk=initiative.pk).update(stage="check")

    refused = api(lead).post(transition_url(initiative), {"to": "do"}, format="json")
    allowed = api(lead).post(
        transition_url(initiative), {"to": "do", "reason": "Extend the pilot"}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["fields"] == {"reason": [stages.MSG_BACK_NEEDS_REASON]}
    assert allowed.status_code == 201


def test_a_transition_against_a_stale_etag_answers_412(api, lead, initiative):
    client = api(lead)
    stale = client.get(f"/api/v1/initiatives/{initiative.pk}/")["ETag"]
    client.patch(f"/api/v1/initiatives/{initiative.pk}/", {"smart_goal": "Changed"}, format="json")

    response = client.post(
        transition_url(initiative), {"to": "do", "override_reason": ""}, format="json", HTTP_IF_MATCH=stale
    )

    assert response.status_code == 412


def test_progress_reports_stage_milestones_targets_and_money(api, viewer, initiative):
    kpi = KpiFactory(direction="higher")
    KpiTargetFactory(initiative=initiative, kpi=kpi, baseline_value=60, target_value=80)
    MeasurementFactory(kpi=kpi, period=timezone.localdate(), value=70)
    MilestoneFactory(initiative=initiative, status="done")
    MilestoneFactory(initiative=initiative, due_date=timezone.localdate() - dt.timedelta(days=2))
    CostFactory(initiative=initiative, amount=Decimal("1200"))

    response = api(viewer).get(f"/api/v1/initiatives/{initiative.pk}/progress/")

    assert response.status_code == 200
    body = response.json()
    assert (body["stage"], body["health"], body["cycle"]) == ("plan", "on_track", 1)
    assert body["milestones"] == {"total": 2, "done": 1, "overdue": 1}
    [target] = body["targets"]
    assert (target["kpi"]["code"], target["baseline"], target["current"], target["target"]) == (
        kpi.code,
        60,
        70,
        80,
    )
    assert target["progress"] == 0.5
    assert body["money"]["total_cost"] == 1200
    assert body["money"]["roi_percent"] == -100


def test_portfolio_summary_rolls_up_what_the_caller_reads(api, executive, lead, team, other_team, other_lead):
    InitiativeFactory(team=team, lead=lead, category="self_service", health="at_risk")
    hidden = InitiativeFactory(team=other_team, lead=other_lead, category="other")
    CostFactory(initiative=hidden, amount=Decimal("500"))

    everything = api(executive).get("/api/v1/portfolio/summary/").json()
    own = api(lead).get("/api/v1/portfolio/summary/").json()

    assert everything["initiatives"] == 2
    assert everything["by_stage"] == {"plan": 2, "do": 0, "check": 0, "act": 0}
    assert everything["money"]["total_cost"] == 500
    assert {g["label"] for g in everything["by_team"]} == {team.name, other_team.name}
    assert own["initiatives"] == 1
    assert own["by_health"] == {"on_track": 0, "at_risk": 1, "off_track": 0}
    assert own["money"]["total_cost"] == 0
    assert [g["key"] for g in own["by_category"]] == ["self_service"]


@pytest.mark.parametrize(
    ("team", "message"),
    [
        (-221033981899817268809826304, "Ensure this value is greater than or equal to 1."),
        (2**64, "Ensure this value is less than or equal to 9223372036854775807."),
    ],
)
def test_a_portfolio_team_beyond_any_key_is_refused_before_the_query(api, executive, team, message, conforms):
    # Found by .ci/fuzz_api: the number went unchecked into a foreign-key filter and SQLite overflowed.
    response = api(executive).get("/api/v1/portfolio/summary/", {"team": team})

    assert response.status_code == 400
    assert response.json() == error_body(code="invalid", message=MSG_INVALID, fields={"team": [message]})
    conforms(response, "GET /api/v1/portfolio/summary/")


def test_a_lead_adds_a_target_by_kpi_code(api, lead, initiative):
    kpi = KpiFactory(code="fcr_test")

    response = api(lead).post(
        "/api/v1/targets/",
        {"initiative": initiative.pk, "kpi": "fcr_test", "baseline_value": 60, "target_value": 75},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert KpiTarget.objects.get().kpi == kpi


def test_a_target_worse_than_the_baseline_is_refused(api, lead, initiative):
    KpiFactory(code="fcr_test", direction="higher")

    response = api(lead).post(
        "/api/v1/targets/",
        {"initiative": initiative.pk, "kpi": "fcr_test", "baseline_value": 60, "target_value": 50},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "target_value": ["The target must be better than the baseline: higher is better."]
    }
    assert not KpiTarget.objects.exists()


def test_a_status_update_sets_the_initiatives_health(api, lead, initiative):
    response = api(lead).post(
        "/api/v1/status-updates/",
        {"initiative": initiative.pk, "health": "at_risk", "narrative": "Vendor late"},
        format="json",
    )

    assert response.status_code == 201
    initiative.refresh_from_db()
    assert initiative.health == "at_risk"
    assert StatusUpdate.objects.get().narrative == "Vendor late"


def test_a_milestone_owner_changes_status_and_due_date_but_not_the_title(api, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative, owner=contributor)
    client = api(contributor)

    status = client.patch(
        f"/api/v1/milestones/{milestone.pk}/",
        {"status": "in_progress", "due_date": "2031-01-01", "acceptance_criteria": "Signed off"},
        format="json",
    )
    title = client.patch(f"/api/v1/milestones/{milestone.pk}/", {"title": "Renamed"}, format="json")

    assert status.status_code == 200
    assert title.status_code == 403
    assert title.json()["message"] == MSG_OWNER_FIELDS
    milestone.refresh_from_db()
    assert milestone.status == "in_progress"
    assert milestone.due_date == dt.date(2031, 1, 1)
    assert milestone.acceptance_criteria == "Signed off"
    assert milestone.title != "Renamed"


def test_a_milestone_owner_reopens_a_milestone_completed_by_mistake(api, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative, owner=contributor, status="in_progress")
    client = api(contributor)
    client.post(f"/api/v1/milestones/{milestone.pk}/complete/")

    reopened = client.post(f"/api/v1/milestones/{milestone.pk}/reopen/")
    again = client.post(f"/api/v1/milestones/{milestone.pk}/reopen/")

    assert reopened.status_code == 200
    assert reopened.json()["status"] == "in_progress"
    assert reopened.json()["completed_at"] is None
    assert again.status_code == 409


def test_completing_a_milestone(api, lead, initiative):
    milestone = MilestoneFactory(initiative=initiative)

    response = api(lead).post(f"/api/v1/milestones/{milestone.pk}/complete/")

    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["completed_at"] is not None


def test_finance_validates_a_benefit_and_a_lead_cannot(api, finance, lead, initiative):
    benefit = BenefitFactory(initiative=initiative)
    url = f"/api/v1/benefits/{benefit.pk}/validate/"

    refused = api(lead).post(url, {"validated": True}, format="json")
    validated = api(finance).post(url, {"validated": True}, format="json")

    assert refused.status_code == 403
    assert refused.json()["message"] == MSG_CANNOT_VALIDATE
    assert validated.status_code == 200
    assert Benefit.objects.get().validated_by == finance


def test_changing_a_validated_benefits_amount_voids_the_validation(api, finance, lead, initiative):
    benefit = BenefitFactory(initiative=initiative)
    api(finance).post(f"/api/v1/benefits/{benefit.pk}/validate/", {}, format="json")

    response = api(lead).patch(
        f"/api/v1/benefits/{benefit.pk}/", {"monthly_amount": "9999.00"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["validated"] is False
    assert response.json()["monthly_amount"] == "9999.00"


def test_transition_history_is_cursor_paginated(api, lead, initiative):
    for _ in range(3):
        StageTransition.objects.create(
            initiative=initiative, cycle=1, from_stage="plan", to_stage="do", actor=lead
        )

    first = api(lead).get("/api/v1/transitions/", {"page_size": 2}).json()
    second = api(lead).get(first["next"]).json()

    assert len(first["results"]) == 2
    assert len(second["results"]) == 1
    assert "count" not in first


def test_standardising_with_open_milestones_answers_400_until_confirmed(api, lead, team):
    initiative = InitiativeFactory(team=team, lead=lead, stage="act")
    MilestoneFactory(initiative=initiative, title="Roll out")
    url = f"/api/v1/initiatives/{initiative.pk}/decide/"

    refused = api(lead).post(url, {"decision": "standardise"}, format="json")

    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "confirm_open": [stages.MSG_STANDARDISE_OPEN.format(items="1 milestone is not done (“Roll out”)")]
    }
    initiative.refresh_from_db()
    assert initiative.status == "active"
    confirmed = api(lead).post(url, {"decision": "standardise", "confirm_open": True}, format="json")
    assert confirmed.status_code == 201
    initiative.refresh_from_db()
    assert initiative.status == "standardised"
