import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.forms import MSG_SCOPE_NOT_OFFERED
from accounts.models import ApiToken, Scope
from accounts.services import MSG_SCOPE_NOT_FOR_ROLE, token_authenticate, token_create
from tests.factories import ApiTokenFactory
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

PAGE = "/accounts/tokens/"


def test_the_url_and_the_header_link(login, lead):
    assert reverse("api_tokens") == PAGE
    body = login(lead).get(reverse("improvement:my_work")).content.decode()
    assert f'href="{PAGE}"' in body and "API tokens" in body


def test_the_page_needs_a_signed_in_user(client):
    assert client.get(PAGE).status_code == 302


def test_creating_shows_the_secret_once_and_it_authenticates(login, contributor):
    client = login(contributor)
    response = client.post(
        PAGE,
        {
            "name": "Power BI",
            "scopes": [Scope.PROGRESS_READ, Scope.MEASUREMENTS_WRITE],
            "expires_in_days": "30",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    body = response.content.decode()
    assert secret in body and "will not be shown again" in body
    token = token_authenticate(secret=secret)
    assert token is not None and token.user == contributor and token.name == "Power BI"
    assert sorted(token.scopes) == sorted([Scope.PROGRESS_READ, Scope.MEASUREMENTS_WRITE])
    assert timezone.timedelta(days=29) < token.expires_at - timezone.now() <= timezone.timedelta(days=30)
    # Not kept anywhere for a later page: neither the list nor the messages nor the session.
    later = client.get(PAGE)
    later_body = later.content.decode()
    assert secret not in later_body and token.prefix in later_body
    assert later.context["secret"] is None
    assert secret not in str(dict(client.session))
    assert not list(later.context["messages"])


def test_the_list_shows_only_the_users_tokens_with_their_status(login, lead, contributor):
    now = timezone.now()
    ApiTokenFactory(user=lead, name="live", scopes=[Scope.INITIATIVES_WRITE])
    ApiTokenFactory(user=lead, name="old", expires_at=now - timezone.timedelta(days=1))
    ApiTokenFactory(user=lead, name="gone", revoked_at=now)
    ApiTokenFactory(user=contributor, name="someone else's")
    response = login(lead).get(PAGE)
    rows = {row["token"].name: row["status"] for row in response.context["rows"]}
    assert rows == {"live": "active", "old": "expired", "gone": "revoked"}
    body = response.content.decode()
    assert str(Scope.INITIATIVES_WRITE.label) in body and "someone else" not in body
    assert body.count(">Revoke</button>") == 1


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "", "scopes": [Scope.PROGRESS_READ]}, "name"),
        ({"name": "x", "scopes": []}, "scopes"),
        ({"name": "x", "scopes": ["admin:everything"]}, "scopes"),
        ({"name": "x", "scopes": [Scope.PROGRESS_READ], "expires_in_days": "0"}, "expires_in_days"),
        ({"name": "x", "scopes": [Scope.PROGRESS_READ], "expires_in_days": "366"}, "expires_in_days"),
        ({"name": "   ", "scopes": [Scope.PROGRESS_READ]}, "name"),
    ],
)
def test_bad_input_shows_field_errors_and_writes_nothing(login, lead, data, field):
    response = login(lead).post(PAGE, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert response.context["secret"] is None
    assert 'class="errorlist' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_an_own_token(login, lead):
    token, secret = token_create(actor=lead, name="ci", scopes=[Scope.PROGRESS_READ])
    client = login(lead)
    response = client.post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 302 and response["Location"] == PAGE
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token_authenticate(secret=secret) is None
    assert "revoked" in client.get(PAGE).content.decode()


def test_revoking_needs_post(login, lead):
    token = ApiTokenFactory(user=lead)
    assert login(lead).get(reverse("api_token_revoke", args=[token.pk])).status_code == 405


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_revoking_another_users_token_is_a_404(login, contributor, who, request):
    token = ApiTokenFactory(user=contributor)
    response = login(request.getfixturevalue(who)).post(reverse("api_token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_query_count_does_not_grow_with_the_tokens(login, lead):
    client = login(lead)
    ApiTokenFactory(user=lead)
    ApiTokenFactory(user=lead, last_used_at=timezone.now())
    few = queries_for(client, PAGE)
    for _ in range(2):
        ApiTokenFactory(user=lead, last_used_at=timezone.now())
        ApiTokenFactory(user=lead, revoked_at=timezone.now())
    ApiTokenFactory(user=lead, expires_at=timezone.now() - timezone.timedelta(days=1))
    ApiTokenFactory(user=lead)
    assert ApiToken.objects.filter(user=lead).count() == 8
    assert queries_for(client, PAGE) == few


def test_creating_costs_a_bounded_number_of_queries(login, lead):
    client = login(lead)
    for _ in range(3):
        ApiTokenFactory(user=lead)
    with CaptureQueriesContext(connection) as captured:
        client.post(PAGE, {"name": "n", "scopes": [Scope.PROGRESS_READ]})
    assert len(captured.captured_queries) < 15


def test_a_viewer_is_offered_reading_and_submitting_ideas_only(login, viewer):
    form = login(viewer).get(PAGE).context["form"]

    # Anyone signed in submits ideas; nothing else a viewer's services would accept.
    assert [value for value, _ in form.fields["scopes"].choices] == [Scope.PROGRESS_READ, Scope.IDEAS_WRITE]


def test_a_contributor_is_offered_every_scope_they_can_use(login, contributor):
    form = login(contributor).get(PAGE).context["form"]

    # Every scope but provisioning users and teams, which only admins' tokens may carry.
    assert {value for value, _ in form.fields["scopes"].choices} == set(Scope.values) - {Scope.SCIM_PROVISION}


def test_a_viewer_posting_a_write_scope_gets_a_form_error_and_no_token(login, viewer):
    response = login(viewer).post(
        PAGE, {"name": "Sneaky", "scopes": [Scope.PROGRESS_READ, Scope.MEASUREMENTS_WRITE]}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["scopes"] == [
        MSG_SCOPE_NOT_OFFERED % {"value": Scope.MEASUREMENTS_WRITE}
    ]
    assert not ApiToken.objects.exists()


def test_the_service_refuses_a_scope_the_role_cannot_use(viewer, executive):
    with pytest.raises(ValidationError) as excinfo:
        token_create(actor=viewer, name="BI", scopes=[Scope.INITIATIVES_WRITE])

    assert excinfo.value.message_dict["scopes"] == [
        MSG_SCOPE_NOT_FOR_ROLE.format(
            role="Viewer",
            scope=Scope.INITIATIVES_WRITE,
            allowed=f"{Scope.PROGRESS_READ}, {Scope.IDEAS_WRITE}",
        )
    ]
    token, _ = token_create(actor=executive, name="Overrides", scopes=[Scope.INITIATIVES_WRITE])
    assert token.scopes == [Scope.INITIATIVES_WRITE]
    assert not ApiToken.objects.filter(user=viewer).exists()
