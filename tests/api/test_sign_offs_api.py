"""Sign-offs in the API: /api/v1/sign-off-rules/ and /api/v1/sign-off-requests/ with their decisions."""

import pytest

from accounts.models import Role
from improvement.models import ReviewerRole, SignOffRequest, SignOffRule, SignOffStatus, Stage
from improvement.services import signoffs
from tests.api.conftest import queries_for
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

RULES = "/api/v1/sign-off-rules/"
REQUESTS = "/api/v1/sign-off-requests/"


@pytest.fixture
def sponsor(db):
    return UserFactory(role=Role.EXECUTIVE, email="sponsor@example.com")


@pytest.fixture
def initiative(team, lead, sponsor):
    return InitiativeFactory(team=team, lead=lead, sponsor=sponsor, title="Chat first response under 30 s")


@pytest.fixture
def rule(db):
    return SignOffRule.objects.create(to_stage=Stage.DO, reviewer_roles=[ReviewerRole.SPONSOR])


def test_everyone_signed_in_reads_the_rules_and_only_admins_write_them(api, viewer, admin, rule):
    assert api(viewer).get(RULES).json()["results"][0]["reviewer_roles"] == ["sponsor"]
    body = {"to_stage": "act", "reviewer_roles": ["finance"], "only_when_money_claimed": True}
    assert api(viewer).post(RULES, body, format="json").status_code == 403
    response = api(admin).post(RULES, body, format="json")
    assert response.status_code == 201
    assert SignOffRule.objects.get(to_stage="act").only_when_money_claimed


def test_a_rule_needs_a_gated_stage_and_a_reviewer(api, admin):
    response = api(admin).post(RULES, {"to_stage": "plan", "reviewer_roles": []}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"to_stage"}
    response = api(admin).post(RULES, {"to_stage": "do", "reviewer_roles": []}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"reviewer_roles": ["Name at least one reviewer role."]}


def test_an_admin_switches_a_rule_off(api, admin, rule):
    response = api(admin).patch(f"{RULES}{rule.pk}/", {"active": False}, format="json")
    assert response.status_code == 200
    rule.refresh_from_db()
    assert not rule.active


def test_the_lead_requests_and_the_sponsor_approves(api, lead, sponsor, initiative, rule):
    response = api(lead).post(
        REQUESTS, {"initiative": initiative.pk, "to_stage": "do", "note": "Ready"}, format="json"
    )
    assert response.status_code == 201
    created = response.json()
    assert (created["status"], created["reviewer_roles"], created["note"]) == (
        "pending",
        ["sponsor"],
        "Ready",
    )

    response = api(sponsor).post(f"{REQUESTS}{created['id']}/approve/", {"comment": "Go"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["decided_by"]) == ("approved", sponsor.pk)


def test_a_decided_request_answers_409(api, lead, sponsor, initiative, rule):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    signoffs.sign_off_approve(actor=sponsor, request=request)
    response = api(sponsor).post(f"{REQUESTS}{request.pk}/send-back/", {"comment": "No"}, format="json")
    assert response.status_code == 409
    assert response.json()["message"] == "This request was already decided (approved)."


def test_a_decision_with_a_stale_if_match_answers_412_and_changes_nothing(
    api, lead, sponsor, initiative, rule
):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    url = f"{REQUESTS}{request.pk}/"
    seen = api(sponsor).get(url)["ETag"]
    # The lead adds nothing but withdraws and asks again: a new request; the old one changed.
    api(lead).post(f"{url}withdraw/", format="json")

    response = api(sponsor).post(f"{url}approve/", {"comment": "Go"}, format="json", HTTP_IF_MATCH=seen)
    assert response.status_code == 412
    request.refresh_from_db()
    assert request.status == SignOffStatus.WITHDRAWN


def test_a_decision_with_the_current_if_match_goes_through(api, lead, sponsor, initiative, rule):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    url = f"{REQUESTS}{request.pk}/"
    current = api(sponsor).get(url)["ETag"]
    response = api(sponsor).post(f"{url}approve/", {}, format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_a_request_nobody_else_could_approve_answers_400(api, lead, initiative, rule):
    initiative.sponsor = None
    initiative.save(update_fields=["sponsor"])
    response = api(lead).post(REQUESTS, {"initiative": initiative.pk, "to_stage": "do"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["to_stage"][0].startswith("Nobody but you can approve this move")
    assert not SignOffRequest.objects.exists()


def test_sending_back_without_a_comment_answers_400_on_comment(api, lead, sponsor, initiative, rule):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    response = api(sponsor).post(f"{REQUESTS}{request.pk}/send-back/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"comment": ["Say why you send it back."]}
    assert SignOffRequest.objects.get().is_pending


def test_the_requester_cannot_approve_and_a_contributor_cannot_request(
    api, lead, contributor, initiative, rule
):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    assert api(lead).post(f"{REQUESTS}{request.pk}/approve/", {}, format="json").status_code == 403
    response = api(contributor).post(REQUESTS, {"initiative": initiative.pk, "to_stage": "do"}, format="json")
    assert response.status_code == 403


def test_a_request_for_a_stage_that_is_not_next_answers_400_on_to_stage(api, lead, initiative, rule):
    response = api(lead).post(REQUESTS, {"initiative": initiative.pk, "to_stage": "check"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "to_stage": ["A review is requested for the next stage only: from Plan that is Do."]
    }


def test_the_list_filters_by_status_and_hides_other_teams(api, lead, other_lead, sponsor, initiative, rule):
    first = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    signoffs.sign_off_withdraw(actor=lead, request=first)
    pending = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    rows = api(lead).get(REQUESTS, {"status": "pending"}).json()["results"]
    assert [r["id"] for r in rows] == [pending.pk]
    assert api(other_lead).get(REQUESTS).json()["results"] == []


def test_withdraw_and_token_scopes(api, token_api, lead, initiative, rule):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    read_only = token_api(lead, "progress:read")
    assert read_only.get(REQUESTS).status_code == 200
    assert read_only.post(f"{REQUESTS}{request.pk}/withdraw/", {}, format="json").status_code == 403
    writer = token_api(lead, "initiatives:write")
    response = writer.post(f"{REQUESTS}{request.pk}/withdraw/", {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == SignOffStatus.WITHDRAWN


def test_the_request_list_runs_the_same_number_of_queries_for_3n_rows(api, team, lead, sponsor, rule):
    def add(n):
        for _ in range(n):
            initiative = InitiativeFactory(team=team, lead=lead, sponsor=sponsor)
            signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)

    client = api(lead)
    add(2)
    few = queries_for(client, REQUESTS)
    add(4)
    assert queries_for(client, REQUESTS) == few
