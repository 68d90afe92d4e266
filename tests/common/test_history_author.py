"""History rows name the person who acted, through the site and through the API.

There is no thread-local "current request user": the services hand the actor to
django-simple-history themselves, so a change is attributed to whoever the view or the API
authenticated — a session on the site, a session or a bearer token on the API.
"""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.services import token_create
from tests.factories import InitiativeFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and idempotency answers live in the cache; no test sees another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def initiative(team, lead):
    return InitiativeFactory(team=team, lead=lead)


@pytest.fixture
def milestone(initiative, contributor):
    # Owned by the contributor, so the lead (who created the initiative) is not the one acting.
    return MilestoneFactory(initiative=initiative, owner=contributor)


def _signed_in(client, user):
    client.force_login(user)
    return client


def _bearer(user, scope: str) -> APIClient:
    _, secret = token_create(actor=user, name="integration", scopes=[scope])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_no_middleware_keeps_a_current_user_for_the_history():
    assert not [name for name in settings.MIDDLEWARE if name.startswith("simple_history.")]


def test_completing_a_milestone_on_the_site_records_its_owner(milestone, contributor):
    url = reverse("improvement:milestone_complete", args=[milestone.pk])

    response = _signed_in(Client(), contributor).post(url, {"version": milestone.version})

    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == "done"
    assert milestone.history.latest().history_user == contributor


def test_editing_an_initiative_on_the_site_records_the_editor(initiative, admin):
    client = _signed_in(Client(), admin)
    url = reverse("improvement:initiative_edit", args=[initiative.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(team=initiative.team_id, lead=initiative.lead_id, title="Callback instead of queueing")

    response = client.post(url, data)

    assert response.status_code == 302
    latest = initiative.history.latest()
    assert (latest.title, latest.history_user) == ("Callback instead of queueing", admin)


def test_a_change_through_the_api_with_a_session_records_the_user(milestone, contributor):
    client = _signed_in(APIClient(), contributor)

    response = client.patch(f"/api/v1/milestones/{milestone.pk}/", {"status": "in_progress"}, format="json")

    assert response.status_code == 200
    latest = milestone.history.latest()
    assert (latest.status, latest.history_user) == ("in_progress", contributor)


def test_a_change_through_the_api_with_a_token_records_the_token_owner(initiative, lead):
    client = _bearer(lead, "initiatives:write")

    response = client.post(
        "/api/v1/costs/",
        {
            "initiative": initiative.pk,
            "kind": "one_time",
            "description": "Chatbot licence",
            "amount": "1200.00",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    cost = initiative.costs.get()
    assert cost.history.latest().history_user == lead
