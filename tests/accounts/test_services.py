import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import ApiToken, User
from common.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def test_users_log_in_with_their_email(client, lead):
    response = client.post(
        "/accounts/login/", {"username": "LEAD@example.com", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(lead.pk)


def test_token_secret_is_shown_once_and_stored_hashed(lead):
    token, secret = services.token_create(actor=lead, name="BI sync", scopes=["progress:read"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.key_hash, stored.prefix)
    assert secret.startswith(f"pdca_{stored.prefix}_")
    assert services.token_authenticate(secret=secret) == stored
    assert services.token_authenticate(secret=secret + "x") is None


def test_authenticating_records_the_last_use(lead):
    token, secret = services.token_create(actor=lead, name="BI", scopes=["progress:read"])
    services.token_authenticate(secret=secret)
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_revoked_and_expired_tokens_do_not_authenticate(lead):
    token, secret = services.token_create(actor=lead, name="BI", scopes=["progress:read"])
    services.token_revoke(actor=lead, token=token)
    assert services.token_authenticate(secret=secret) is None
    expiring, secret2 = services.token_create(
        actor=lead,
        name="short",
        scopes=["progress:read"],
        expires_at=timezone.now() + dt.timedelta(seconds=5),
    )
    ApiToken.objects.filter(pk=expiring.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert services.token_authenticate(secret=secret2) is None


def test_a_deactivated_owner_disables_the_token(lead):
    _, secret = services.token_create(actor=lead, name="BI", scopes=["progress:read"])
    User.objects.filter(pk=lead.pk).update(is_active=False)
    assert services.token_authenticate(secret=secret) is None


def test_token_scopes_are_validated(lead):
    with pytest.raises(ValidationError) as excinfo:
        services.token_create(actor=lead, name="x", scopes=["everything"])
    assert "Unknown scope: everything" in str(excinfo.value)
    with pytest.raises(ValidationError):
        services.token_create(actor=lead, name="x", scopes=[])
    assert not ApiToken.objects.exists()


def test_only_the_owner_or_an_admin_revokes_a_token(lead, contributor, admin):
    token, _ = services.token_create(actor=lead, name="x", scopes=["progress:read"])
    with pytest.raises(PermissionDenied):
        services.token_revoke(actor=contributor, token=token)
    services.token_revoke(actor=admin, token=token)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_only_admins_create_users_and_teams(lead, admin):
    with pytest.raises(PermissionDenied):
        services.user_create(actor=lead, email="x@example.com")
    with pytest.raises(PermissionDenied):
        services.team_create(actor=lead, name="Ops")
    user = services.user_create(actor=admin, email="new@example.com", role="executive")
    assert user.role == "executive" and not user.is_staff
    with pytest.raises(ValidationError):
        services.user_create(actor=admin, email="NEW@example.com")
