"""Single sign-on end to end against a real OpenID Connect provider started on loopback."""

import jwt
import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client

from accounts.models import ApiToken, Role, SsoGroupMapping, User
from accounts.services import token_create
from accounts.sso import SsoBackend
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def sign_in(idp, username: str) -> tuple[Client, object]:
    client = Client()
    start = client.get("/accounts/sso/login/")
    assert start.status_code == 302 and start["Location"].startswith(idp.base)
    return client, client.get(idp.sign_in(start["Location"], username))


@pytest.fixture
def mapping(db):
    care = TeamFactory(name="Customer Care", slug="customer-care")
    claims = TeamFactory(name="Claims", slug="claims")
    SsoGroupMapping.objects.create(group="pdca-leads", role=Role.LEAD)
    SsoGroupMapping.objects.create(group="pdca-admins", role=Role.ADMIN)
    SsoGroupMapping.objects.create(group="care", team=care)
    SsoGroupMapping.objects.create(group="claims", team=claims)
    return {"care": care, "claims": claims}


def test_sign_in_creates_the_user_with_the_mapped_role_and_teams(idp, mapping):
    idp.user("ada", email="Ada@Example.com", groups=["pdca-leads", "care", "unrelated"])

    client, done = sign_in(idp, "ada")

    assert done.status_code == 302 and "sso=refused" not in done["Location"]
    user = User.objects.get(email="ada@example.com")
    assert user.role == Role.LEAD and user.full_name == "Ada Lovelace"
    assert set(user.teams.all()) == {mapping["care"]}
    assert not user.has_usable_password()
    assert client.get("/my-work/").status_code == 200


def test_the_next_sign_in_follows_the_groups_and_removal_ends_access(idp, mapping):
    idp.user("bob", email="bob@example.com", groups=["pdca-admins", "claims"])
    sign_in(idp, "bob")
    bob = User.objects.get(email="bob@example.com")
    assert bob.role == Role.ADMIN and set(bob.teams.all()) == {mapping["claims"]}
    _, secret = token_create(actor=bob, name="sync", scopes=["progress:read"])

    idp.user("bob", email="bob@example.com", groups=["pdca-leads", "care"])
    sign_in(idp, "bob")
    bob.refresh_from_db()
    assert bob.role == Role.LEAD and set(bob.teams.all()) == {mapping["care"]}

    idp.user("bob", email="bob@example.com", groups=["unrelated"])
    client, refused = sign_in(idp, "bob")
    assert refused.status_code == 302 and "sso=refused" in refused["Location"]
    bob.refresh_from_db()
    assert bob.is_active is False
    assert ApiToken.objects.get(user=bob).revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/initiatives/").status_code == 401
    assert client.get("/my-work/").status_code == 302  # Not signed in.
    assert "in none of the groups" in client.get(refused["Location"]).content.decode()


def test_sign_out_ends_the_session_here_and_at_the_provider(idp, mapping):
    idp.user("cy", email="cy@example.com", groups=["pdca-leads"])
    client, _ = sign_in(idp, "cy")

    out = client.post("/accounts/sso/logout/")

    assert out.status_code == 302 and out["Location"].startswith(f"{idp.base}/end-session?")
    assert "id_token_hint=" in out["Location"]
    assert client.get("/my-work/").status_code == 302


def test_a_tampered_or_foreign_token_is_refused(idp, mapping):
    idp.user("dee", email="dee@example.com", groups=["pdca-leads"])
    client, _ = sign_in(idp, "dee")
    token = client.session["oidc_id_token"]
    header, payload, signature = token.split(".")
    backend = SsoBackend()
    nonce = jwt.decode(token, options={"verify_signature": False}).get("nonce")
    assert backend.verify_token(token, nonce=nonce)["email"] == "dee@example.com"

    tampered = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(tampered, nonce=nonce)
    backend.OIDC_RP_CLIENT_ID = "another-application"  # A token the provider issued to someone else.
    with pytest.raises(SuspiciousOperation):
        backend.verify_token(token, nonce=nonce)


def test_an_expired_token_is_a_refused_sign_in_not_an_error(idp, mapping):
    idp.user("eve", email="eve@example.com", groups=["pdca-leads"])
    idp.token_lifetime(-120)  # The provider issues tokens that expired two minutes ago.
    try:
        client, refused = sign_in(idp, "eve")
    finally:
        idp.token_lifetime(600)

    assert refused.status_code == 302 and "sso=refused" in refused["Location"]
    assert not User.objects.filter(email="eve@example.com").exists()
    assert client.get("/my-work/").status_code == 302


def test_without_configuration_single_sign_on_is_not_offered(client):
    assert client.get("/accounts/sso/login/").status_code == 404
    assert "single sign-on" not in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize(
    ("groups", "own_expected", "other_expected"),
    [
        (["pdca-leads", "care"], 200, 404),  # A lead edits its own team's initiative only.
        (["care"], 403, 404),  # No role group: IDP_DEFAULT_ROLE (viewer) reads its team's, edits nothing.
        (["pdca-admins"], 200, 200),
    ],
)
def test_a_user_signed_in_through_sso_has_exactly_its_mapped_rights(
    idp, mapping, groups, own_expected, other_expected
):
    from tests.factories import InitiativeFactory

    own = InitiativeFactory(team=mapping["care"], title="Care initiative")
    other = InitiativeFactory(team=mapping["claims"], title="Claims initiative")
    idp.user("fay", email="fay@example.com", groups=groups)
    client, _ = sign_in(idp, "fay")

    for initiative, expected in ((own, own_expected), (other, other_expected)):
        response = client.patch(
            f"/api/v1/initiatives/{initiative.pk}/", {"title": "Renamed"}, content_type="application/json"
        )
        assert response.status_code == expected, (initiative.title, response.content[:300])
