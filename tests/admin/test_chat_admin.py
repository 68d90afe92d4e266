"""Chat destinations in the admin: added through the service (which checks the address), the
address shown masked afterwards."""

import pytest
from django.urls import reverse

from improvement.models import ChatDestination

pytestmark = pytest.mark.django_db

HOOK = "https://hooks.slack.com/services/T000/B000/verySECRETpart1234"


def test_an_admin_adds_one_and_never_sees_the_address_again(admin_client, team, settings):
    settings.PDCA_CHAT_ANY_HOST = settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True
    add = reverse("admin:improvement_chatdestination_add")

    done = admin_client.post(
        add, {"team": team.pk, "kind": "slack", "name": "#care", "url": HOOK, "events": ["kpi.alert"]}
    )

    assert done.status_code == 302, done.content.decode()[:2000]
    made = ChatDestination.objects.get()
    assert (made.url, made.events) == (HOOK, ["kpi.alert"])
    page = admin_client.get(reverse("admin:improvement_chatdestination_change", args=[made.pk]))
    listing = admin_client.get(reverse("admin:improvement_chatdestination_changelist"))
    for answer in (page, listing):
        assert answer.status_code == 200
        assert "SECRET" not in answer.content.decode()
        assert "https://hooks.slack.com/…1234" in answer.content.decode()


def test_a_refused_address_is_an_error_on_the_field_and_saves_nothing(admin_client, team, settings):
    settings.PDCA_CHAT_ANY_HOST = False

    answer = admin_client.post(
        reverse("admin:improvement_chatdestination_add"),
        {
            "team": team.pk,
            "kind": "teams",
            "name": "x",
            "url": "https://example.com/hook",
            "events": ["kpi.alert"],
        },
    )

    assert answer.status_code == 200
    assert "webhook.office.com" in answer.content.decode()
    assert not ChatDestination.objects.exists()
