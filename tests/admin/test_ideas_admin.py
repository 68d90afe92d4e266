"""Ideas in the admin: added and changed through the idea services; the decision fields are read only."""

import pytest
from django.urls import reverse

from improvement.models import Idea, IdeaStatus
from improvement.services import ideas

pytestmark = pytest.mark.django_db

FORM = {
    "title": "",
    "problem": "",
    "segment": "",
    "breakpoint_type": "process",
    "value": "3",
    "difficulty": "3",
}


def test_an_admin_adds_an_idea_through_the_service(admin_client):
    done = admin_client.post(
        reverse("admin:improvement_idea_add"), {**FORM, "title": "Answer in Chinese too"}
    )

    assert done.status_code == 302, done.content.decode()[:2000]
    idea = Idea.objects.get()
    assert idea.status == IdeaStatus.SUBMITTED and idea.submitted_at is not None


def test_the_services_message_lands_on_the_field(admin_client):
    page = admin_client.post(reverse("admin:improvement_idea_add"), {**FORM, "title": "   "})

    assert page.status_code == 200
    assert (
        str(ideas.MSG_TITLE_REQUIRED) in page.content.decode()
        or "This field is required." in page.content.decode()
    )
    assert not Idea.objects.exists()


def test_a_decided_idea_cannot_be_edited_in_the_admin(admin_client, admin, contributor, team):
    idea = ideas.idea_create(actor=contributor, title="Route billing chats", team=team)
    ideas.idea_decline(actor=admin, idea=idea, reason="Not now.")

    change = reverse("admin:improvement_idea_change", args=[idea.pk])
    assert admin_client.get(change).status_code == 200
    done = admin_client.post(change, {**FORM, "title": "Renamed", "team": team.pk}, follow=True)

    assert "already decided" in done.content.decode()
    assert Idea.objects.get(pk=idea.pk).title == "Route billing chats"
