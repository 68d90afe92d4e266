"""On the site too: owning a milestone gives a read-only role no write; an override needs a failed
gate; finance validates the benefit line the page showed."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from common.errors import Conflict
from improvement.models import MilestoneStatus, Stage, StageTransition
from improvement.services.money import benefit_update
from improvement.services.roadmap import MSG_OWNER_ROLE_READS
from improvement.services.stages import MSG_EXECUTIVE_ONLY_OVERRIDE
from tests.factories import BenefitFactory, KpiTargetFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


def url(name, obj) -> str:
    return reverse(f"improvement:{name}", args=[obj.pk])


@pytest.mark.parametrize("role_fixture", ["viewer", "finance", "executive"])
def test_a_read_only_owner_can_neither_edit_nor_complete_their_milestone(
    request, login, initiative, role_fixture
):
    owner = request.getfixturevalue(role_fixture)
    milestone = MilestoneFactory(initiative=initiative, owner=owner)
    client = login(owner)

    page = client.get(url("milestone_edit", milestone))
    edit = client.post(
        url("milestone_edit", milestone),
        {"status": "in_progress", "description": "", "version": milestone.version},
    )
    complete = client.post(url("milestone_complete", milestone), {"version": milestone.version})

    for response in (page, edit, complete):
        assert response.status_code == 403
        assert escape(MSG_OWNER_ROLE_READS.format(role=owner.get_role_display())) in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.PLANNED


def test_my_work_lists_a_read_only_owners_milestones_without_action_buttons(login, viewer, initiative):
    milestone = MilestoneFactory(initiative=initiative, owner=viewer, title="Read the pilot report")

    body = login(viewer).get(reverse("improvement:my_work")).content.decode()

    assert "Read the pilot report" in body
    assert url("milestone_complete", milestone) not in body
    assert url("milestone_edit", milestone) not in body


def test_my_work_offers_the_owner_who_writes_their_buttons(login, contributor, initiative):
    milestone = MilestoneFactory(initiative=initiative, owner=contributor)

    body = login(contributor).get(reverse("improvement:my_work")).content.decode()

    assert url("milestone_complete", milestone) in body


def test_an_executive_override_of_a_met_gate_is_refused(login, executive, initiative):
    KpiTargetFactory(initiative=initiative)
    MilestoneFactory(initiative=initiative)

    response = login(executive).post(
        url("initiative_move", initiative),
        {"to": "do", "version": initiative.version, "override_reason": "Board decision"},
    )

    assert response.status_code == 403
    assert escape(MSG_EXECUTIVE_ONLY_OVERRIDE) in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN
    assert not StageTransition.objects.exists()


def test_finance_cannot_validate_a_benefit_changed_since_the_page_showed_it(login, finance, lead, initiative):
    benefit = BenefitFactory(initiative=initiative)
    shown = benefit.version
    benefit_update(actor=lead, benefit=benefit, monthly_amount=Decimal("90000"))
    client = login(finance)

    response = client.post(
        url("benefit_validate", benefit), {"validated": "1", "version": shown}, follow=True
    )

    assert Conflict.default_message in [str(m) for m in response.context["messages"]]
    benefit.refresh_from_db()
    assert not benefit.validated
    fresh = client.post(url("benefit_validate", benefit), {"validated": "1", "version": benefit.version})
    assert fresh.status_code == 302
    benefit.refresh_from_db()
    assert benefit.validated and benefit.monthly_amount == Decimal("90000")
