"""Comments and attachments in the admin: listed, searched and archived through the services."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from improvement.models import Attachment, Comment
from improvement.services import comments
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread(team, lead, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    initiative = InitiativeFactory(team=team, lead=lead, code="IMP-777")
    comment = comments.comment_create(
        actor=lead,
        parent=initiative,
        body="Queue times attached",
        files=[SimpleUploadedFile("waits.csv", b"queue,minutes\nchat,3\n")],
    )
    comments.comment_create(actor=lead, parent=initiative, body="Another note")
    return comment


def test_comments_are_listed_searched_and_viewed(admin_client, thread):
    listing = admin_client.get(reverse("admin:improvement_comment_changelist"), {"q": "Queue times"})
    page = listing.content.decode()
    assert listing.status_code == 200 and "Queue times attached" in page and "Another note" not in page
    assert admin_client.get(reverse("admin:improvement_comment_change", args=[thread.pk])).status_code == 200
    assert admin_client.get(reverse("admin:improvement_comment_add")).status_code == 403


def test_an_admin_archives_comments_through_the_service(admin_client, thread):
    response = admin_client.post(
        reverse("admin:improvement_comment_changelist"),
        {"action": "archive_selected", "_selected_action": [thread.pk]},
    )
    assert response.status_code == 302
    comment = Comment.objects.get(pk=thread.pk)
    assert comment.is_archived and comment.version == 2
    # The service removes the comment's files with it.
    assert Attachment.objects.get().archived_at is not None


def test_attachments_are_listed_and_archived(admin_client, thread):
    attachment = Attachment.objects.get()
    listing = admin_client.get(reverse("admin:improvement_attachment_changelist"), {"q": "waits"})
    assert "waits.csv" in listing.content.decode()
    admin_client.post(
        reverse("admin:improvement_attachment_changelist"),
        {"action": "archive_selected", "_selected_action": [attachment.pk]},
    )
    assert Attachment.objects.get().archived_at is not None
