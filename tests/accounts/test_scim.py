"""SCIM 2.0 provisioning with the requests Okta and Entra ID send (their published SCIM guides)."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import ApiToken, Membership, Role, Team, User
from accounts.services import token_create
from tests.factories import DEFAULT_PASSWORD, TeamFactory, UserFactory

SCIM = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class Scim:
    def __init__(self, secret: str | None):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}

    def _send(self, method, path, body=None, **query):
        data = json.dumps(body) if body is not None else (query or None)
        kwargs = {"content_type": SCIM} if body is not None else {}
        response = getattr(self.client, method)(f"/scim/v2/{path}", data, **kwargs, **self.headers)
        response.body = (
            json.loads(response.content)
            if "json" in response.get("Content-Type", "") and response.content
            else None
        )
        return response

    def get(self, path, **query):
        return self._send("get", path, **query)

    def post(self, path, body):
        return self._send("post", path, body)

    def put(self, path, body):
        return self._send("put", path, body)

    def patch(self, path, *operations):
        return self._send("patch", path, {"schemas": [PATCH_SCHEMA], "Operations": list(operations)})

    def delete(self, path):
        return self._send("delete", path)


@pytest.fixture
def scim(admin):
    _, secret = token_create(actor=admin, name="okta", scopes=["scim:provision"])
    return Scim(secret)


def okta_user(email="ada@example.com", **extra):
    return {
        "schemas": [USER_SCHEMA],
        "userName": email,
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": "Ada Lovelace",
        "locale": "en-US",
        "externalId": "00u1abcd",
        "groups": [],
        "password": "not-kept-1A!",
        "active": True,
        **extra,
    }


def entra_user(upn="grace@example.com"):
    return {
        "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "grace",
        "userName": upn,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": upn}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Grace Hopper", "familyName": "Hopper", "givenName": "Grace"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Service"},
    }


# --- who may call ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_token_is_401_and_a_signed_in_admin_session_is_not_enough(admin):
    anonymous = Scim(None)
    assert anonymous.get("Users").status_code == 401
    anonymous.client.force_login(admin)
    response = anonymous.post("Users", okta_user())
    assert response.status_code == 401
    assert not User.objects.filter(email="ada@example.com").exists()


@pytest.mark.django_db
def test_a_token_without_the_scope_or_of_a_non_admin_is_403(admin, lead):
    _, work_secret = token_create(actor=admin, name="work", scopes=["progress:read"])
    assert Scim(work_secret).get("Users").status_code == 403
    _, secret = token_create(actor=admin, name="scim", scopes=["scim:provision"])
    admin.role = Role.LEAD  # An admin demoted since: the token keeps no provisioning power.
    admin.is_superuser = admin.is_staff = False
    admin.save()
    assert Scim(secret).get("Users").status_code == 403
    with pytest.raises(ValidationError):  # A lead cannot be given the scope at all.
        token_create(actor=lead, name="scim", scopes=["scim:provision"])


@pytest.mark.django_db
def test_service_provider_config_says_filter_and_patch_are_supported(scim):
    config = scim.get("ServiceProviderConfig").body
    assert config["patch"]["supported"] and config["filter"]["supported"]
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    types = {t["id"] for t in scim.get("ResourceTypes").body["Resources"]}
    assert types == {"User", "Group"}


# --- users -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_okta_checks_then_creates_a_user_without_a_local_password(scim, client):
    found = scim.get("Users", filter='userName eq "ada@example.com"', startIndex=1, count=100)
    assert found.status_code == 200 and found.body["totalResults"] == 0 and found.body["Resources"] == []

    created = scim.post("Users", okta_user())
    assert created.status_code == 201, created.body
    user = User.objects.get(email="ada@example.com")
    assert created.body["id"] == str(user.pk)
    assert created["Location"].endswith(f"/scim/v2/Users/{user.pk}")
    assert created.body["userName"] == "ada@example.com" and created.body["active"] is True
    assert user.full_name == "Ada Lovelace" and user.scim_external_id == "00u1abcd"
    assert user.role == Role.VIEWER and not user.has_usable_password()
    refused = client.post("/accounts/login/", {"username": "ada@example.com", "password": "not-kept-1A!"})
    assert refused.status_code == 200  # The form again, with its error: no local password.

    found = scim.get("Users", filter='userName eq "ADA@example.com"')
    assert [r["id"] for r in found.body["Resources"]] == [str(user.pk)]


@pytest.mark.django_db
def test_a_taken_user_name_is_409_uniqueness_and_a_bad_one_400(scim):
    assert scim.post("Users", okta_user()).status_code == 201
    again = scim.post("Users", okta_user(externalId="other"))
    assert again.status_code == 409 and again.body["scimType"] == "uniqueness"
    assert again.body["schemas"] == [ERROR_SCHEMA]
    bad = scim.post("Users", okta_user(email="not-an-address", emails=[]))
    assert bad.status_code == 400 and "userName" in bad.body["detail"]
    assert User.objects.filter(email__icontains="ada").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("make", [okta_user, entra_user], ids=["okta", "entra"])
def test_a_taken_external_id_is_409_uniqueness_on_create_and_nothing_is_written(scim, make):
    first = make()
    assert scim.post("Users", first).status_code == 201
    second = make("someone.else@example.com")  # another person, the same id at the identity provider

    again = scim.post("Users", second)

    assert again.status_code == 409, again.body
    assert again.body["scimType"] == "uniqueness" and again.body["schemas"] == [ERROR_SCHEMA]
    assert "externalId" in again.body["detail"]
    assert not User.objects.filter(email="someone.else@example.com").exists()


@pytest.mark.django_db
def test_a_create_racing_another_for_the_same_external_id_is_409_not_500(scim, monkeypatch):
    """Both pass the service's check; the database's unique constraint refuses the later save."""
    set_unusable = User.set_unusable_password

    def meanwhile(user):
        # The other request commits between this one's check and its save.
        User.objects.create(email="first@example.com", scim_external_id=user.scim_external_id)
        set_unusable(user)

    monkeypatch.setattr(User, "set_unusable_password", meanwhile)

    answer = scim.post("Users", okta_user())

    assert answer.status_code == 409, answer.body
    assert answer.body["scimType"] == "uniqueness"
    assert not User.objects.filter(email="ada@example.com").exists()


@pytest.mark.django_db
def test_changing_an_external_id_to_a_taken_one_is_409_by_patch_and_by_put(scim):
    scim.post("Users", okta_user())
    other = scim.post("Users", okta_user(email="grace@example.com", externalId="00u2efgh")).body["id"]

    patched = scim.patch(f"Users/{other}", {"op": "replace", "path": "externalId", "value": "00u1abcd"})
    put = scim.put(f"Users/{other}", okta_user(email="grace@example.com", externalId="00u1abcd"))
    kept = scim.put(f"Users/{other}", okta_user(email="grace@example.com", externalId="00u2efgh"))

    assert (patched.status_code, patched.body["scimType"]) == (409, "uniqueness")
    assert (put.status_code, put.body["scimType"]) == (409, "uniqueness")
    assert kept.status_code == 200  # a user keeps its own externalId
    assert User.objects.get(pk=other).scim_external_id == "00u2efgh"


@pytest.mark.django_db
def test_a_taken_group_external_id_is_409_and_an_archived_groups_is_free(scim):
    group = {"schemas": [GROUP_SCHEMA], "displayName": "Billing desk", "externalId": "grp-1", "members": []}
    first = scim.post("Groups", group).body["id"]
    other = scim.post("Groups", {**group, "displayName": "Claims desk", "externalId": "grp-2"}).body["id"]

    created = scim.post("Groups", {**group, "displayName": "Night shift"})
    patched = scim.patch(f"Groups/{other}", {"op": "replace", "path": "externalId", "value": "grp-1"})
    scim.delete(f"Groups/{first}")
    reused = scim.post("Groups", {**group, "displayName": "Day shift"})

    assert (created.status_code, created.body["scimType"]) == (409, "uniqueness")
    assert (patched.status_code, patched.body["scimType"]) == (409, "uniqueness")
    assert reused.status_code == 201, reused.body


@pytest.mark.django_db
def test_entra_creates_with_roles_and_patches_with_string_booleans(scim):
    body = entra_user()
    body["roles"] = [{"primary": True, "type": "WindowsAzureActiveDirectoryRole", "value": "lead"}]
    created = scim.post("Users", body)
    assert created.status_code == 201, created.body
    user = User.objects.get(email="grace@example.com")
    assert user.role == Role.LEAD and user.full_name == "Grace Hopper"

    changed = scim.patch(
        f"Users/{user.pk}",
        {"op": "Replace", "path": "name.givenName", "value": "Amazing"},
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "grace.hopper@example.com"},
        {
            "op": "Replace",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "value": "CX",
        },
        {"op": "Replace", "path": "active", "value": "False"},
    )
    assert changed.status_code == 200, changed.body
    user.refresh_from_db()
    assert user.full_name == "Amazing Hopper" and user.email == "grace.hopper@example.com"
    assert user.is_active is False and changed.body["active"] is False

    unknown_role = scim.patch(
        f"Users/{user.pk}", {"op": "replace", "path": "roles", "value": [{"value": "boss"}]}
    )
    assert unknown_role.status_code == 400 and "boss" in unknown_role.body["detail"]
    assert User.objects.get(pk=user.pk).role == Role.LEAD


@pytest.mark.django_db
def test_deactivation_ends_the_users_session_and_api_tokens_at_once(scim, lead):
    _, secret = token_create(actor=lead, name="sync", scopes=["progress:read"])
    browser = Client()
    browser.force_login(lead)
    assert browser.get("/my-work/").status_code == 200
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/initiatives/").status_code == 200

    response = scim.patch(f"Users/{lead.pk}", {"op": "replace", "value": {"active": False}})  # Okta's form
    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.is_active is False, response.body

    assert browser.get("/my-work/").status_code == 302  # Back to the sign-in page.
    assert api.get("/api/v1/initiatives/").status_code == 401
    assert ApiToken.objects.get(user=lead).revoked_at is not None
    # Reactivated, the user signs in again; the revoked token stays revoked.
    assert scim.patch(f"Users/{lead.pk}", {"op": "replace", "value": {"active": True}}).status_code == 200
    assert (
        Client().post("/accounts/login/", {"username": lead.email, "password": DEFAULT_PASSWORD}).status_code
        == 302
    )
    assert api.get("/api/v1/initiatives/").status_code == 401


@pytest.mark.django_db
def test_delete_deactivates_and_the_last_admin_is_kept(scim, admin, lead):
    assert scim.delete(f"Users/{lead.pk}").status_code == 204
    lead.refresh_from_db()
    assert User.objects.filter(pk=lead.pk).exists() and lead.is_active is False
    assert scim.get(f"Users/{lead.pk}").body["active"] is False
    refused = scim.patch(f"Users/{admin.pk}", {"op": "replace", "path": "active", "value": False})
    assert refused.status_code == 400 and "last active admin" in refused.body["detail"]
    assert User.objects.get(pk=admin.pk).is_active


@pytest.mark.django_db
def test_put_replaces_the_user_and_unknown_ids_are_404(scim):
    user_id = scim.post("Users", okta_user()).body["id"]
    replaced = scim.put(f"Users/{user_id}", okta_user(name={"givenName": "Augusta", "familyName": "King"}))
    assert replaced.status_code == 200 and replaced.body["name"]["formatted"] == "Augusta King"
    assert scim.get("Users/999999").status_code == 404
    assert scim.get("Users/not-a-number").status_code == 404


@pytest.mark.django_db
def test_lists_are_paged_with_start_index_and_count(scim):
    for n in range(5):
        scim.post("Users", okta_user(email=f"u{n}@example.com", externalId=f"x{n}"))
    page = scim.get("Users", filter='userName sw "u"', startIndex=3, count=2).body
    assert page["totalResults"] == 5 and page["startIndex"] == 3 and page["itemsPerPage"] == 2
    assert [r["userName"] for r in page["Resources"]] == ["u2@example.com", "u3@example.com"]
    by_external = scim.get("Users", filter='externalId eq "x4"').body
    assert [r["userName"] for r in by_external["Resources"]] == ["u4@example.com"]
    assert scim.get("Users", filter="userName eq").status_code == 400


# --- groups (teams) ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_okta_pushes_a_group_renames_it_and_manages_members(scim):
    ada = scim.post("Users", okta_user()).body["id"]
    grace = scim.post("Users", okta_user(email="grace@example.com", externalId="g")).body["id"]
    created = scim.post(
        "Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Billing desk", "members": [{"value": ada}]}
    )
    assert created.status_code == 201, created.body
    team = Team.objects.get(name="Billing desk")
    assert [m["value"] for m in created.body["members"]] == [ada]

    renamed = scim.patch(
        f"Groups/{team.pk}", {"op": "replace", "value": {"id": str(team.pk), "displayName": "Billing"}}
    )
    assert renamed.status_code == 200 and Team.objects.get(pk=team.pk).slug == "billing"
    scim.patch(
        f"Groups/{team.pk}", {"op": "add", "path": "members", "value": [{"value": grace, "display": "g"}]}
    )
    scim.patch(f"Groups/{team.pk}", {"op": "remove", "path": f'members[value eq "{ada}"]'})
    assert set(Membership.objects.filter(team=team).values_list("user_id", flat=True)) == {int(grace)}
    user = scim.get(f"Users/{grace}").body
    assert user["groups"] == [
        {"value": str(team.pk), "display": "Billing", "$ref": user["groups"][0]["$ref"]}
    ]


@pytest.mark.django_db
def test_entra_removes_members_by_value_list_and_an_unknown_member_changes_nothing(scim, lead, viewer):
    team = lead.teams.get()
    response = scim.patch(
        f"Groups/{team.pk}", {"op": "Remove", "path": "members", "value": [{"value": str(lead.pk)}]}
    )
    assert response.status_code == 200
    assert set(team.members.values_list("pk", flat=True)) == {viewer.pk}
    refused = scim.patch(
        f"Groups/{team.pk}",
        {"op": "Add", "path": "members", "value": [{"value": str(lead.pk)}]},
        {"op": "Add", "path": "members", "value": [{"value": "424242"}]},
    )
    assert refused.status_code == 400 and "424242" in refused.body["detail"]
    assert set(team.members.values_list("pk", flat=True)) == {viewer.pk}  # All or nothing.


@pytest.mark.django_db
def test_a_deleted_group_is_archived_and_gone_from_scim(scim):
    team = TeamFactory(name="Night shift")
    member = UserFactory(teams=[team])
    assert scim.get("Groups", filter='displayName eq "night shift"').body["totalResults"] == 1
    assert scim.delete(f"Groups/{team.pk}").status_code == 204
    team.refresh_from_db()
    assert team.archived_at is not None and team.members.filter(pk=member.pk).exists()
    assert scim.get(f"Groups/{team.pk}").status_code == 404
    assert scim.get("Groups", filter='displayName eq "Night shift"').body["totalResults"] == 0
    assert str(team.pk) not in {g["id"] for g in scim.get("Groups").body["Resources"]}


@pytest.mark.django_db
def test_a_taken_group_name_is_409(scim):
    TeamFactory(name="Billing", slug="billing")
    response = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "billing", "members": []})
    assert response.status_code == 409 and response.body["scimType"] == "uniqueness"


# --- odd input: always a SCIM 4xx, never a 500, nothing written -----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("Users", okta_user(email="u" * 250 + "@x.test"), "userName"),
        ("Users", okta_user(externalId="x" * 300), "externalId"),
        ("Users", okta_user(name={"formatted": "n" * 200}), "name"),
        ("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "g" * 200}, "displayName"),
        ("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Ok", "externalId": "e" * 300}, "externalId"),
    ],
)
def test_values_longer_than_their_column_are_400_on_every_database(scim, path, body, field):
    users, teams = User.objects.count(), Team.objects.count()

    response = scim.post(path, body)

    assert response.status_code == 400 and field in response.body["detail"]
    assert (User.objects.count(), Team.objects.count()) == (users, teams)


@pytest.mark.django_db
def test_malformed_bodies_are_scim_errors(scim, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    too_big = scim.client.post("/scim/v2/Users", "{" + " " * 2000 + "}", content_type=SCIM, **scim.headers)
    assert too_big.status_code == 413
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
    not_utf8 = scim.client.post("/scim/v2/Users", b'\xff\xfe{"userName"', content_type=SCIM, **scim.headers)
    assert not_utf8.status_code == 400 and json.loads(not_utf8.content)["scimType"] == "invalidSyntax"
    deep = "[" * 5000 + "]" * 5000
    nested = scim.client.post("/scim/v2/Users", deep, content_type=SCIM, **scim.headers)
    assert nested.status_code == 400
    assert scim.get("Users", filter='nosuch eq "a"').status_code == 400
    missing = scim.get("Users/not-a-number")
    assert missing.status_code == 404 and missing.body["schemas"] == [ERROR_SCHEMA]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": 5, "value": "x"},
        {"op": "replace", "path": 'emails[type eq "work".value', "value": "a@b.test"},
        {"op": "replace", "path": "name.givenName", "value": {"a": 1}},
        {"op": "replace", "path": "name", "value": "Ada"},
        {"op": "replace", "path": "displayName", "value": "d" * 200},
    ],
)
def test_a_patch_with_a_bad_path_or_value_is_400_and_changes_nothing(scim, lead, operation):
    before = (lead.full_name, lead.email)

    response = scim.patch(f"Users/{lead.pk}", operation)

    assert response.status_code == 400, response.body
    lead.refresh_from_db()
    assert (lead.full_name, lead.email) == before


@pytest.mark.django_db
def test_a_reactivated_user_signs_in_again_but_old_sessions_stay_ended(scim, lead):
    browser = Client()
    browser.force_login(lead)
    assert (
        scim.patch(f"Users/{lead.pk}", {"op": "replace", "path": "active", "value": False}).status_code == 200
    )
    assert (
        scim.patch(f"Users/{lead.pk}", {"op": "replace", "path": "active", "value": True}).status_code == 200
    )

    assert browser.get("/my-work/").status_code == 302
    fresh = Client()
    fresh.force_login(User.objects.get(pk=lead.pk))
    assert fresh.get("/my-work/").status_code == 200


@pytest.mark.django_db
def test_a_group_created_again_after_its_delete_brings_the_archived_team_back(scim):
    first = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Okta Team"}).body["id"]
    assert scim.delete(f"Groups/{first}").status_code == 204

    again = scim.post("Groups", {"schemas": [GROUP_SCHEMA], "displayName": "Okta Team", "externalId": "g2"})

    assert again.status_code == 201 and again.body["id"] == first
    team = Team.objects.get(pk=first)
    assert team.archived_at is None and team.scim_external_id == "g2"


@pytest.mark.django_db
def test_demoting_the_last_admin_says_so(scim, admin):
    response = scim.patch(
        f"Users/{admin.pk}", {"op": "replace", "path": "roles", "value": [{"value": "viewer"}]}
    )
    assert response.status_code == 400 and response.body["detail"].startswith("roles:")


@pytest.mark.parametrize(
    ("given", "family", "formatted", "full"),
    [
        ("Mary Ann", "Smith", None, "Mary Ann Smith"),
        ("Ludwig", "van Beethoven", None, "Ludwig van Beethoven"),
        ("伟", "张", "张伟", "张伟"),
    ],
)
def test_a_name_s_parts_read_back_as_sent_and_a_patch_of_one_keeps_the_other(
    scim, given, family, formatted, full
):
    name = {"givenName": given, "familyName": family} | ({"formatted": formatted} if formatted else {})
    created = scim.post("Users", okta_user(name=name))
    assert created.status_code == 201, created.body
    assert (created.body["name"]["givenName"], created.body["name"]["familyName"]) == (given, family)
    user = User.objects.get(email="ada@example.com")
    assert user.full_name == full

    changed = scim.patch(f"Users/{user.pk}", {"op": "Replace", "path": "name.familyName", "value": "Jones"})
    assert changed.status_code == 200, changed.body
    assert (changed.body["name"]["givenName"], changed.body["name"]["familyName"]) == (given, "Jones")
    read = scim.get(f"Users/{user.pk}")
    assert read.body["name"]["givenName"] == given


def test_a_name_part_too_long_is_a_400_on_the_attribute(scim):
    answer = scim.post("Users", okta_user(name={"givenName": "x" * 151, "familyName": "Lovelace"}))
    assert answer.status_code == 400
    assert User.objects.filter(email="ada@example.com").exists() is False
