"""Sign-offs: a gate that needs a reviewer's approval, requested by the lead, used once by the move."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Notification, Role
from common.errors import Conflict, GateFailed, PermissionDenied, StaleVersion
from improvement.models import (
    BenefitKind,
    ReviewerRole,
    SignOffRequest,
    SignOffRule,
    SignOffStatus,
    Stage,
    WebhookEvent,
)
from improvement.selectors import signoffs as selectors_signoffs
from improvement.services import signoffs, stage_gates, stages
from improvement.services.initiatives import initiative_create
from improvement.services.money import benefit_create
from improvement.services.roadmap import milestone_create
from improvement.services.targets import kpi_target_create
from kpis.models import Kpi
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sponsor(db):
    return UserFactory(role=Role.EXECUTIVE, email="sponsor@example.com", full_name="Sam Sponsor")


@pytest.fixture
def initiative(lead, team, sponsor):
    initiative = initiative_create(
        actor=lead,
        title="Raise first-contact resolution",
        team=team,
        sponsor=sponsor,
        start_date=timezone.localdate() - dt.timedelta(days=40),
        smart_goal="Raise FCR from 70% to 85% in chat by end of Q2.",
    )
    fcr = Kpi.objects.get(code="fcr_rate")
    kpi_target_create(actor=lead, initiative=initiative, kpi=fcr, baseline_value=70, target_value=85)
    milestone_create(
        actor=lead, initiative=initiative, title="Diagnose", due_date=timezone.localdate(), owner=lead
    )
    return initiative


@pytest.fixture
def plan_rule(db):
    return SignOffRule.objects.create(to_stage=Stage.DO, reviewer_roles=[ReviewerRole.SPONSOR])


def codes(result):
    return [(c.code, c.passed) for c in result.conditions]


def test_without_an_active_rule_the_gate_is_as_before(initiative):
    SignOffRule.objects.create(to_stage=Stage.DO, reviewer_roles=["sponsor"], active=False)
    result = stage_gates.gate_check(initiative=initiative, to_stage=Stage.DO)
    assert "sign_off" not in [c.code for c in result.conditions]
    assert result.passed


def test_a_rule_adds_an_unmet_sign_off_condition_naming_the_reviewer(initiative, plan_rule):
    result = stage_gates.gate_check(initiative=initiative, to_stage=Stage.DO)
    condition = result.conditions[-1]
    assert (condition.code, condition.passed) == ("sign_off", False)
    assert "Sam Sponsor" in condition.message
    assert condition.detail.startswith("Request a review from the initiative's sponsor")


def test_lead_requests_sponsor_approves_and_the_move_records_the_approval(
    initiative, plan_rule, lead, sponsor
):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO, note="Ready")
    assert request.status == SignOffStatus.PENDING
    assert request.reviewer_roles == ["sponsor"]
    with pytest.raises(GateFailed):
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)

    signoffs.sign_off_approve(actor=sponsor, request=request, comment="Go")

    transition = stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    request.refresh_from_db()
    assert request.transition == transition
    assert transition.sign_off == request
    sign_off = next(c for c in transition.gate_result if c["code"] == "sign_off")
    assert sign_off["passed"]
    assert sign_off["detail"].startswith("Approved by Sam Sponsor on ")


def test_an_approval_is_used_once(initiative, plan_rule, lead, sponsor):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    signoffs.sign_off_approve(actor=sponsor, request=request)
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.PLAN, reason="Replan")

    with pytest.raises(GateFailed) as excinfo:
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    assert [c["code"] for c in excinfo.value.details if not c["passed"]] == ["sign_off"]


def test_the_requester_never_approves_their_own_request(initiative, lead, team):
    SignOffRule.objects.create(to_stage=Stage.DO, reviewer_roles=[ReviewerRole.ADMIN])
    admin = UserFactory(role=Role.ADMIN, teams=[team])
    UserFactory(role=Role.ADMIN, email="second-admin@example.com")
    request = signoffs.sign_off_request(actor=admin, initiative=initiative, to_stage=Stage.DO)
    with pytest.raises(PermissionDenied, match="you requested yourself"):
        signoffs.sign_off_approve(actor=admin, request=request)


def test_a_request_nobody_else_could_approve_is_refused(initiative, plan_rule, lead, sponsor):
    """A sponsor-only gate on an initiative without a sponsor would wait for ever: refused with a
    way out, and nothing is written."""
    initiative.sponsor = None
    initiative.save(update_fields=["sponsor"])
    with pytest.raises(ValidationError) as excinfo:
        signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    assert excinfo.value.message_dict["to_stage"] == [
        str(signoffs.MSG_NOBODY_CAN_APPROVE % {"reviewers": "the initiative's sponsor"})
    ]
    assert not SignOffRequest.objects.exists()


def test_a_lead_who_is_also_the_sponsor_cannot_ask_for_their_own_approval(initiative, plan_rule, lead):
    initiative.sponsor = lead
    initiative.save(update_fields=["sponsor"])
    with pytest.raises(ValidationError, match="Nobody but you can approve this move"):
        signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)


def test_a_decision_on_a_request_changed_since_it_was_read_is_stale(initiative, plan_rule, lead, sponsor):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    read_version = request.version
    signoffs.sign_off_withdraw(actor=lead, request=request)
    with pytest.raises(StaleVersion):
        signoffs.sign_off_approve(actor=sponsor, request=request, expected_version=read_version)
    request.refresh_from_db()
    assert request.status == SignOffStatus.WITHDRAWN


def test_only_a_reviewer_of_the_rule_decides(initiative, plan_rule, lead, finance, executive):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    for outsider in (finance, executive):  # an executive who is not the sponsor
        with pytest.raises(PermissionDenied, match="Only the initiative's sponsor"):
            signoffs.sign_off_approve(actor=outsider, request=request)


def test_finance_reviews_check_to_act_only_when_money_is_claimed(initiative, lead, finance, sponsor):
    SignOffRule.objects.create(
        to_stage=Stage.DO, reviewer_roles=[ReviewerRole.FINANCE], only_when_money_claimed=True
    )
    assert signoffs.sign_off_condition(initiative=initiative, to_stage=Stage.DO) is None
    with pytest.raises(ValidationError) as excinfo:
        signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    assert excinfo.value.message_dict == {"to_stage": ["The gate into Do needs no sign-off."]}

    benefit_create(
        actor=lead,
        initiative=initiative,
        kind=BenefitKind.COST_SAVING,
        description="Fewer calls",
        monthly_amount=100,
    )
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    with pytest.raises(PermissionDenied):
        signoffs.sign_off_approve(actor=sponsor, request=request)
    signoffs.sign_off_approve(actor=finance, request=request)
    assert stage_gates.gate_check(initiative=initiative, to_stage=Stage.DO).passed


def test_a_decided_request_answers_conflict(initiative, plan_rule, lead, sponsor):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    signoffs.sign_off_send_back(actor=sponsor, request=request, comment="Name the pilot area")
    with pytest.raises(Conflict, match="already decided"):
        signoffs.sign_off_approve(actor=sponsor, request=request)


def test_sending_back_needs_a_comment_and_shows_in_the_gate(initiative, plan_rule, lead, sponsor):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    with pytest.raises(ValidationError) as excinfo:
        signoffs.sign_off_send_back(actor=sponsor, request=request, comment="  ")
    assert excinfo.value.message_dict == {"comment": ["Say why you send it back."]}

    signoffs.sign_off_send_back(actor=sponsor, request=request, comment="Name the pilot area")
    condition = stage_gates.gate_check(initiative=initiative, to_stage=Stage.DO).conditions[-1]
    assert not condition.passed
    assert condition.detail.startswith("Sent back by Sam Sponsor on ")
    assert condition.detail.endswith(": Name the pilot area")
    # The lead may ask again.
    again = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    assert again.is_pending


def test_request_rules(initiative, plan_rule, lead, contributor, sponsor):
    with pytest.raises(PermissionDenied):
        signoffs.sign_off_request(actor=contributor, initiative=initiative, to_stage=Stage.DO)
    with pytest.raises(ValidationError) as excinfo:
        signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.CHECK)
    assert excinfo.value.message_dict == {
        "to_stage": ["A review is requested for the next stage only: from Plan that is Do."]
    }
    signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    with pytest.raises(Conflict, match="already waiting"):
        signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)


def test_withdraw_then_request_again(initiative, plan_rule, lead, sponsor, contributor):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    with pytest.raises(PermissionDenied):
        signoffs.sign_off_withdraw(actor=contributor, request=request)
    signoffs.sign_off_withdraw(actor=lead, request=request)
    request.refresh_from_db()
    assert request.status == SignOffStatus.WITHDRAWN
    with pytest.raises(Conflict):
        signoffs.sign_off_approve(actor=sponsor, request=request)
    assert signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO).is_pending


def test_an_executive_overrides_a_gate_with_a_pending_request(
    initiative, plan_rule, lead, executive, sponsor
):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    transition = stages.initiative_transition(
        actor=executive, initiative=initiative, to=Stage.DO, override_reason="Board decision"
    )
    assert transition.overridden
    request.refresh_from_db()
    # Moved on without it: the request is closed, and a later approval cannot open the gate again.
    assert request.status == SignOffStatus.WITHDRAWN
    assert request.transition is None


def test_the_queue_shows_only_what_the_user_can_decide(initiative, plan_rule, lead, sponsor, executive):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    assert list(selectors_signoffs.sign_off_reviewable(user=sponsor)) == [request]
    assert list(selectors_signoffs.sign_off_reviewable(user=executive)) == []
    assert list(selectors_signoffs.sign_off_reviewable(user=lead)) == []


def test_a_request_tells_the_reviewers_and_a_decision_the_requester(
    initiative, plan_rule, lead, sponsor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    notice = Notification.objects.get(recipient=sponsor)
    assert notice.title == f"{initiative.code}: review requested for the move to Do"
    assert notice.url == "/reviews/"
    assert [m.to for m in mail.outbox] == [[sponsor.email]]

    with django_capture_on_commit_callbacks(execute=True):
        signoffs.sign_off_approve(actor=sponsor, request=request, comment="Go")
    assert Notification.objects.get(recipient=lead).title == f"{initiative.code}: the move to Do is approved"


def test_requests_and_decisions_are_chat_events(initiative, plan_rule, lead, sponsor):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO, note="Ready")
    signoffs.sign_off_send_back(actor=sponsor, request=request, comment="Not yet")
    events = {e.type: e.data for e in WebhookEvent.objects.all()}
    assert events["sign_off.requested"]["note"] == "Ready"
    assert events["sign_off.requested"]["requested_by"] == lead.email
    assert events["sign_off.decided"]["status"] == "sent_back"
    assert events["sign_off.decided"]["comment"] == "Not yet"
    assert SignOffRequest.objects.get().status == SignOffStatus.SENT_BACK
