"""The weekly digest beyond initiatives: where a person was mentioned, and the ideas waiting for
their triage (docs/ideas.md)."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import Notification
from improvement.models import NotificationKind
from improvement.services import digest
from improvement.services.comments import comment_archive, comment_create
from improvement.services.ideas import idea_create
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative(team, lead):
    return InitiativeFactory(team=team, lead=lead, code="IMP-077", title="Call-backs within the hour")


def _digest_of(user) -> str:
    return Notification.objects.get(recipient=user, kind=NotificationKind.DIGEST).body


def test_a_contributor_mentioned_this_week_reads_where_in_their_digest(initiative, lead, contributor):
    contributor.full_name = "Casey Contributor"
    contributor.save(update_fields=["full_name"])
    comment_create(actor=lead, parent=initiative, body="@[Casey Contributor] please check the Monday spike.")

    assert digest.digest_send(today=timezone.localdate()) >= 1

    body = _digest_of(contributor)
    assert "Where you were mentioned:" in body
    assert f"- IMP-077, {lead}: @[Casey Contributor] please check the Monday spike." in body
    # A contributor reads no initiatives' part: that is for leads and executives.
    assert "Stage moves:" not in body


def test_a_removed_comment_and_an_old_mention_are_left_out(initiative, lead, contributor):
    contributor.full_name = "Casey Contributor"
    contributor.save(update_fields=["full_name"])
    removed = comment_create(actor=lead, parent=initiative, body="@[Casey Contributor] wrong thread")
    comment_archive(actor=lead, comment=removed)
    old = comment_create(actor=lead, parent=initiative, body="@[Casey Contributor] last month")
    old.created_at = timezone.now() - dt.timedelta(days=30)
    old.save(update_fields=["created_at"])

    digest.digest_send(today=timezone.localdate())

    assert not Notification.objects.filter(recipient=contributor, kind=NotificationKind.DIGEST).exists()


def test_a_lead_reads_how_many_ideas_wait_for_their_triage(team, other_team, lead, contributor, other_lead):
    idea_create(actor=contributor, title="Route billing chats to billing", team=team)
    idea_create(actor=contributor, title="A shared macro library", team=None)
    idea_create(actor=contributor, title="Claims forms in one page", team=other_team)
    draft = idea_create(actor=contributor, title="Half a thought", team=team, submit=False)

    digest.digest_send(today=timezone.localdate())

    body = _digest_of(lead)
    # Their team's idea and the one with no team; not another team's, never a draft.
    assert "Ideas waiting for your triage: 2 (2 new this week)" in body
    assert "Route billing chats to billing" in body
    assert "Claims forms in one page" not in body
    assert draft.title not in body
    assert "Ideas waiting for your triage: 2 (2 new this week)" in _digest_of(other_lead)


def test_nobody_gets_an_empty_digest(viewer, contributor):
    assert digest.digest_send(today=timezone.localdate()) == 0
