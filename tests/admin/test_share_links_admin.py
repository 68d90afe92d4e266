"""Share links in the admin: read only, with their views; revoked through the service."""

import pytest
from django.test import Client
from django.urls import reverse

from improvement.services import shares
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


def share_url(token: str) -> str:
    return reverse("improvement:share", args=[token])


def test_an_admin_revokes_from_the_admin_site(admin_client, lead, team):
    initiative = InitiativeFactory(team=team, lead=lead)
    link, token = shares.share_link_create(actor=lead, initiative=initiative)
    Client().get(share_url(token))

    page = admin_client.get(reverse("admin:improvement_sharelink_changelist"))
    done = admin_client.post(
        reverse("admin:improvement_sharelink_changelist"),
        {"action": "revoke_selected", "_selected_action": [link.pk]},
    )

    assert page.status_code == 200 and link.prefix in page.content.decode()
    assert done.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert Client().get(share_url(token)).status_code == 410
