"""Sign-offs on the site: the request form on the initiative page, the reviewer queue at /reviews/."""

import pytest
from django.urls import reverse

from accounts.models import Role
from improvement.models import ReviewerRole, SignOffRequest, SignOffRule, SignOffStatus, Stage
from improvement.services import signoffs
from tests.factories import InitiativeFactory, UserFactory
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

REVIEWS = "/reviews/"


@pytest.fixture
def sponsor(db):
    return UserFactory(role=Role.EXECUTIVE, email="sponsor@example.com", full_name="Sam Sponsor")


@pytest.fixture
def initiative(team, lead, sponsor):
    return InitiativeFactory(team=team, lead=lead, sponsor=sponsor, title="Chat first response under 30 s")


@pytest.fixture
def rule(db):
    return SignOffRule.objects.create(to_stage=Stage.DO, reviewer_roles=[ReviewerRole.SPONSOR])


def detail(initiative):
    return reverse("improvement:initiative_detail", args=[initiative.pk])


def test_the_initiative_page_shows_the_condition_and_the_request_form(login, lead, initiative, rule):
    page = login(lead).get(detail(initiative)).content.decode()
    assert "Get the sign-off of the initiative&#x27;s sponsor (Sam Sponsor)." in page
    assert f'action="/initiatives/{initiative.pk}/sign-off/"' in page
    assert "Request review" in page


def test_without_a_rule_the_page_has_no_sign_off(login, lead, initiative):
    page = login(lead).get(detail(initiative)).content.decode()
    assert 'id="sign-off"' not in page


def test_the_lead_requests_review_and_sees_it_pending(login, lead, initiative, rule):
    client = login(lead)
    response = client.post(f"/initiatives/{initiative.pk}/sign-off/", {"to_stage": "do", "note": "Ready"})
    assert response.status_code == 302
    request = SignOffRequest.objects.get()
    assert (request.requested_by, request.note, request.status) == (lead, "Ready", SignOffStatus.PENDING)
    page = client.get(detail(initiative)).content.decode()
    assert "Waiting for review" in page
    assert "Withdraw the request" in page


def test_the_queue_shows_only_what_the_user_can_decide(login, lead, initiative, rule, sponsor, executive):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO, note="Ready")
    page = login(sponsor).get(REVIEWS).content.decode()
    assert f'id="review-{request.pk}"' in page
    assert "Ready" in page
    other = login(executive).get(REVIEWS).content.decode()
    assert f'id="review-{request.pk}"' not in other
    assert "Nothing waits for your sign-off." in other
    own = login(lead).get(REVIEWS).content.decode()
    assert f'id="review-{request.pk}"' not in own
    assert initiative.code in own  # among the lead's own requests


def test_the_sponsor_approves_from_the_queue(login, lead, initiative, rule, sponsor):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    response = login(sponsor).post(f"/reviews/{request.pk}/approve/", {"comment": "Go"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.comment) == (SignOffStatus.APPROVED, sponsor, "Go")


def test_sending_back_without_a_comment_is_refused_with_the_message(login, lead, initiative, rule, sponsor):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    client = login(sponsor)
    response = client.post(f"/reviews/{request.pk}/send-back/", {"comment": ""}, follow=True)
    assert "Say why you send it back." in response.content.decode()
    request.refresh_from_db()
    assert request.is_pending
    client.post(f"/reviews/{request.pk}/send-back/", {"comment": "Name the pilot area"})
    request.refresh_from_db()
    assert request.status == SignOffStatus.SENT_BACK
    page = login(lead).get(detail(initiative)).content.decode()
    assert "Name the pilot area" in page
    assert "Request again" in page


def test_someone_who_is_not_a_reviewer_gets_403(login, lead, initiative, rule, executive):
    request = signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)
    assert login(executive).post(f"/reviews/{request.pk}/approve/", {}).status_code == 403


def test_the_queue_runs_the_same_number_of_queries_for_3n_requests(login, team, lead, sponsor, rule):
    def add(n):
        for _ in range(n):
            initiative = InitiativeFactory(team=team, lead=lead, sponsor=sponsor)
            signoffs.sign_off_request(actor=lead, initiative=initiative, to_stage=Stage.DO)

    client = login(sponsor)
    add(2)
    few = queries_for(client, REVIEWS)
    add(4)
    assert queries_for(client, REVIEWS) == few
