"""Comments with @mentions: who may post, edit and remove, whom a mention tells, and when."""

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Notification, Role
from accounts.notifications import notification_mute_set
from common.errors import NotFound, PermissionDenied, StaleVersion
from improvement.models import COMMENT_MAX_LENGTH, Comment, Idea, IdeaStatus, NotificationKind
from improvement.services import comments
from tests.factories import InitiativeFactory, MilestoneFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative(team, lead):
    return InitiativeFactory(team=team, lead=lead, code="IMP-101", title="Callbacks instead of queueing")


@pytest.fixture
def colleague(team):
    return UserFactory(role=Role.CONTRIBUTOR, teams=[team], email="cara@example.com", full_name="Cara Chen")


def post(actor, parent, body, **kwargs):
    return comments.comment_create(actor=actor, parent=parent, body=body, **kwargs)


def test_a_mention_by_email_or_by_name_is_resolved_and_tells_the_person_after_commit(
    initiative, lead, colleague, contributor, django_capture_on_commit_callbacks
):
    contributor.full_name = "Dan Diaz"
    contributor.save()
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(lead, initiative, "Hi @cara@example.com and @[Dan Diaz], see the data.")
    assert set(comment.mentions.all()) == {colleague, contributor}
    notes = Notification.objects.filter(kind=NotificationKind.MENTION).order_by("recipient__email")
    assert [n.recipient for n in notes] == [colleague, contributor]
    assert notes[0].title.endswith("mentioned you on IMP-101 Callbacks instead of queueing")
    assert notes[0].url == f"/initiatives/{initiative.pk}/#comment-{comment.pk}"


def test_nothing_is_sent_before_the_comment_commits(
    initiative, lead, colleague, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post(lead, initiative, "@cara@example.com look")
    assert not Notification.objects.exists()
    assert callbacks


def test_the_author_is_never_told_of_their_own_mention(initiative, lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(lead, initiative, "Note to self @lead@example.com")
    assert list(comment.mentions.all()) == [lead]
    assert not Notification.objects.exists()


def test_someone_who_cannot_read_the_record_is_neither_resolved_nor_told(
    initiative, lead, other_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(lead, initiative, "@other.lead@example.com what do you think?")
    assert not comment.mentions.exists()
    assert not Notification.objects.exists()


def test_unknown_and_ambiguous_names_stay_text(initiative, lead, team):
    UserFactory(teams=[team], full_name="Sam Lee", email="sam1@example.com")
    UserFactory(teams=[team], full_name="Sam Lee", email="sam2@example.com")
    comment = post(lead, initiative, "@[Sam Lee] and @[Nobody Here] and @ghost@example.com")
    assert not comment.mentions.exists()


def test_a_muted_kind_tells_nobody(initiative, lead, colleague, django_capture_on_commit_callbacks):
    notification_mute_set(actor=colleague, kind=NotificationKind.MENTION, muted=True)
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(lead, initiative, "@cara@example.com")
    assert list(comment.mentions.all()) == [colleague]
    assert not Notification.objects.exists()


def test_an_edit_tells_only_the_newly_mentioned(
    initiative, lead, colleague, contributor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(lead, initiative, "@cara@example.com first")
    with django_capture_on_commit_callbacks(execute=True):
        edited = comments.comment_update(
            actor=lead, comment=comment, body="@cara@example.com and @contributor@example.com", version=1
        )
    assert edited.version == 2 and edited.edited_at is not None
    assert Notification.objects.filter(recipient=colleague).count() == 1
    assert Notification.objects.filter(recipient=contributor).count() == 1


def test_an_edit_from_a_stale_version_is_refused(initiative, lead):
    comment = post(lead, initiative, "first")
    comments.comment_update(actor=lead, comment=comment, body="second", version=1)
    with pytest.raises(StaleVersion):
        comments.comment_update(actor=lead, comment=comment, body="third", version=1)
    assert Comment.objects.get().body == "second"


def test_only_the_author_edits(initiative, lead, colleague):
    comment = post(lead, initiative, "mine")
    with pytest.raises(PermissionDenied, match=comments.MSG_ONLY_AUTHOR_EDITS):
        comments.comment_update(actor=colleague, comment=comment, body="yours")


def test_the_author_or_an_admin_archives_and_the_row_stays(initiative, lead, colleague, admin):
    comment = post(lead, initiative, "mine")
    with pytest.raises(PermissionDenied, match=comments.MSG_ONLY_AUTHOR_ARCHIVES):
        comments.comment_archive(actor=colleague, comment=comment)
    comments.comment_archive(actor=admin, comment=comment)
    assert Comment.objects.get().is_archived
    with pytest.raises(ValidationError, match="removed"):
        comments.comment_update(actor=lead, comment=comment, body="back")


def test_a_viewer_reads_but_cannot_post(initiative, viewer):
    with pytest.raises(PermissionDenied, match=comments.MSG_VIEWERS_CANNOT_COMMENT):
        post(viewer, initiative, "hello")


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.FINANCE, Role.ADMIN])
def test_organisation_wide_readers_may_comment(initiative, role):
    assert post(UserFactory(role=role), initiative, "Looks good").pk


def test_someone_who_cannot_read_the_parent_cannot_post(initiative, other_lead):
    with pytest.raises(NotFound):
        post(other_lead, initiative, "hello")


def test_an_empty_or_too_long_body_is_refused_with_nothing_written(initiative, lead):
    with pytest.raises(ValidationError) as empty:
        post(lead, initiative, "   ")
    assert empty.value.message_dict == {"body": [comments.MSG_BODY_REQUIRED]}
    with pytest.raises(ValidationError) as long:
        post(lead, initiative, "x" * (COMMENT_MAX_LENGTH + 1))
    assert long.value.message_dict == {"body": [comments.MSG_BODY_TOO_LONG % {"limit": COMMENT_MAX_LENGTH}]}
    assert not Comment.objects.exists()


def test_a_milestone_comment_is_scoped_through_its_initiative(
    initiative, lead, colleague, other_lead, django_capture_on_commit_callbacks
):
    milestone = MilestoneFactory(initiative=initiative, owner=lead, title="Pilot in two queues")
    with django_capture_on_commit_callbacks(execute=True):
        comment = post(lead, milestone, "@cara@example.com pilot starts Monday")
    assert comment.milestone == milestone
    note = Notification.objects.get(recipient=colleague)
    assert note.url == f"/conversation/milestone/{milestone.pk}/#comment-{comment.pk}"
    with pytest.raises(NotFound):
        post(other_lead, milestone, "hello")


def test_an_idea_draft_is_only_its_authors_to_comment_on(lead, colleague):
    draft = Idea.objects.create(title="Fewer transfers", status=IdeaStatus.DRAFT, submitted_by=lead)
    assert post(lead, draft, "Still drafting").idea == draft
    with pytest.raises(NotFound):
        post(colleague, draft, "hello")
    draft.status = IdeaStatus.SUBMITTED
    draft.save()
    assert post(colleague, draft, "Good one").idea == draft
