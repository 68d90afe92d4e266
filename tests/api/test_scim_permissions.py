"""Users created through SCIM have exactly their role's rights, and the teams SCIM gives them."""

import json

import pytest
from django.test import Client

from accounts.models import Role, User
from accounts.services import token_create
from tests.factories import InitiativeFactory

SCIM = "application/scim+json"


@pytest.fixture
def provision(admin):
    _, secret = token_create(actor=admin, name="idp", scopes=["scim:provision"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def make(email: str, role: str, team=None) -> User:
        body = {"userName": email, "name": {"formatted": email}, "roles": [{"value": role, "primary": True}]}
        created = client.post("/scim/v2/Users", json.dumps(body), content_type=SCIM)
        assert created.status_code == 201, created.content
        user_id = json.loads(created.content)["id"]
        if team is not None:
            ops = {"Operations": [{"op": "add", "path": "members", "value": [{"value": user_id}]}]}
            added = client.patch(f"/scim/v2/Groups/{team.pk}", json.dumps(ops), content_type=SCIM)
            assert added.status_code == 200, added.content
        return User.objects.get(pk=user_id)

    return make


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "own_team", "expected"),
    [
        (Role.LEAD, True, 200),
        (Role.LEAD, False, 404),  # Another team's initiative is not even visible.
        (Role.CONTRIBUTOR, True, 403),
        (Role.VIEWER, True, 403),
        (Role.EXECUTIVE, False, 403),
        (Role.ADMIN, False, 200),
    ],
)
def test_a_provisioned_user_edits_an_initiative_as_its_role_and_team_allow(
    provision, token_api, team, other_team, role, own_team, expected
):
    initiative = InitiativeFactory(team=team, title="Chat first response under 30 s")
    user = provision(f"{role}@idp.example.com", role, team if own_team else other_team)
    client = token_api(user, *(["initiatives:write"] if role != Role.VIEWER else ["progress:read"]))

    response = client.patch(f"/api/v1/initiatives/{initiative.pk}/", {"title": "Renamed"}, format="json")

    assert response.status_code == expected, response.content
    initiative.refresh_from_db()
    assert (initiative.title == "Renamed") == (expected == 200)
