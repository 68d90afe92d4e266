"""The Django admin and secrets: API token and webhook secrets are shown once, never stored in clear;
a user added there gets the flags of their role.
"""

import pytest
from django.contrib.messages import get_messages

from accounts.models import ApiToken, Role, Scope, User
from accounts.services import token_authenticate
from improvement.models import WebhookSubscription
from tests.admin.conftest import admin_url
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


# API tokens -------------------------------------------------------------------------------------


def test_a_token_made_in_the_admin_shows_its_secret_once_and_stores_only_its_digest(admin_client, lead):
    response = admin_client.post(
        admin_url(ApiToken, "add"),
        {"user": lead.pk, "name": "BI sync", "scopes": [Scope.PROGRESS_READ]},
        follow=True,
    )

    token = ApiToken.objects.get(name="BI sync")
    (secret,) = [
        word
        for m in get_messages(response.wsgi_request)
        for word in str(m).split()
        if word.startswith("pdca_")
    ]
    assert token_authenticate(secret=secret) == token
    assert token.user == lead
    assert secret not in token.key_hash


def test_the_token_forms_never_show_the_digest(admin_client, lead):
    token = ApiTokenFactory(user=lead)

    add = admin_client.get(admin_url(ApiToken, "add"))
    change = admin_client.get(admin_url(ApiToken, "change", token.pk))

    assert "key_hash" not in add.context["adminform"].form.fields
    assert list(change.context["adminform"].form.fields) == ["name"]
    assert token.key_hash not in change.content.decode()


def test_a_webhook_subscription_never_shows_its_secret_after_creation(admin_client, records):
    subscription = WebhookSubscription.objects.get()

    response = admin_client.get(admin_url(WebhookSubscription, "change", subscription.pk))

    assert list(response.context["adminform"].form.fields) == ["name"]
    assert subscription.secret not in response.content.decode()


def test_a_webhook_subscription_made_in_the_admin_shows_its_secret_once(admin_client, admin, settings):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True

    response = admin_client.post(
        admin_url(WebhookSubscription, "add"),
        {
            "owner": admin.pk,
            "name": "BI",
            "url": "https://hooks.example.com/pdca",
            "events": ["stage.changed"],
        },
        follow=True,
    )

    subscription = WebhookSubscription.objects.get(name="BI")
    assert subscription.events == ["stage.changed"]
    assert any(subscription.secret in str(m) for m in get_messages(response.wsgi_request))


def test_a_user_added_in_the_admin_gets_the_flags_of_their_role(admin_client):
    response = admin_client.post(
        admin_url(User, "add"),
        {
            "email": "New.Admin@Example.com",
            "full_name": "New Admin",
            "role": Role.ADMIN,
            "usable_password": "true",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="new.admin@example.com")
    assert (user.is_staff, user.is_superuser) == (True, True)
    assert user.check_password("a-long-and-unusual-passphrase")
