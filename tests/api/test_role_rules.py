"""Roles that never write stay read-only, whatever they own; an override needs a failed gate."""

import pytest

from improvement.models import Initiative, MilestoneStatus, StageTransition
from improvement.services import stages
from improvement.services.roadmap import MSG_OWNER_ROLE_READS
from tests.factories import KpiTargetFactory, MilestoneFactory

READ_ONLY_ROLES = ["viewer", "finance", "executive"]


def _milestone_url(milestone, action: str = "") -> str:
    return f"/api/v1/milestones/{milestone.pk}/{action}"


def _transition_url(initiative) -> str:
    return f"/api/v1/initiatives/{initiative.pk}/transition/"


@pytest.mark.parametrize("role_fixture", READ_ONLY_ROLES)
def test_owning_a_milestone_gives_a_read_only_role_no_write(request, api, initiative, role_fixture):
    owner = request.getfixturevalue(role_fixture)
    milestone = MilestoneFactory(initiative=initiative, owner=owner)
    client = api(owner)

    assert client.get(_milestone_url(milestone)).status_code == 200
    edit = client.patch(_milestone_url(milestone), {"status": "in_progress"}, format="json")
    complete = client.post(_milestone_url(milestone, "complete/"))

    for response in (edit, complete):
        assert response.status_code == 403
        assert response.json()["message"] == MSG_OWNER_ROLE_READS.format(role=owner.get_role_display())
    milestone.refresh_from_db()
    assert (milestone.status, milestone.version) == (MilestoneStatus.PLANNED, 1)


@pytest.mark.parametrize("role_fixture", ["contributor", "other_lead"])
def test_an_owner_whose_role_writes_completes_their_milestone(request, api, initiative, role_fixture):
    owner = request.getfixturevalue(role_fixture)
    milestone = MilestoneFactory(initiative=initiative, owner=owner)

    response = api(owner).post(_milestone_url(milestone, "complete/"))

    assert response.status_code == 200
    assert response.json()["status"] == MilestoneStatus.DONE


def _gate_met(initiative) -> None:
    KpiTargetFactory(initiative=initiative)
    MilestoneFactory(initiative=initiative)


def test_an_executive_cannot_override_a_gate_that_did_not_fail(api, executive, initiative):
    _gate_met(initiative)

    response = api(executive).post(
        _transition_url(initiative), {"to": "do", "override_reason": "Board mandate"}, format="json"
    )

    assert response.status_code == 403
    assert response.json()["message"] == stages.MSG_EXECUTIVE_ONLY_OVERRIDE
    assert Initiative.objects.get().stage == "plan"
    assert not StageTransition.objects.exists()


def test_an_executive_cannot_step_back_by_calling_it_an_override(api, executive, initiative):
    Initiative.objects.filter(pk=initiative.pk).update(stage="check")

    response = api(executive).post(
        _transition_url(initiative),
        {"to": "do", "reason": "Extend the pilot", "override_reason": "Board mandate"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["message"] == stages.MSG_EXECUTIVE_ONLY_OVERRIDE
    assert Initiative.objects.get().stage == "check"


def test_an_admins_override_reason_on_a_met_gate_is_not_recorded_as_an_override(api, admin, initiative):
    _gate_met(initiative)

    response = api(admin).post(
        _transition_url(initiative), {"to": "do", "override_reason": "Just in case"}, format="json"
    )

    assert response.status_code == 201
    assert (response.json()["gate_passed"], response.json()["override_reason"]) == (True, "")
    record = StageTransition.objects.get()
    assert (record.gate_passed, record.override_reason) == (True, "")
