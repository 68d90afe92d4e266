"""The conversation on the site: posting with a file, escaping, who may post, access through the
parent, the download's headers, and a fixed number of queries however long the thread."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from improvement.models import Attachment, Comment, Idea, IdeaStatus
from improvement.selectors.comments import THREAD_PAGE
from improvement.services import attachments, comments
from improvement.services.experiments import experiment_create
from kpis.models import Kpi
from tests.factories import MilestoneFactory, UserFactory
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

CSV = b"queue,minutes\nchat,3\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def detail(initiative) -> str:
    return f"/initiatives/{initiative.pk}/"


def test_a_lead_posts_a_comment_with_a_file_and_a_mention(login, lead, contributor, initiative):
    client = login(lead)
    response = client.post(
        f"/conversation/initiative/{initiative.pk}/comments/",
        {
            "body": "Numbers for @contributor@example.com\nsecond line",
            "file": SimpleUploadedFile("waits.csv", CSV),
        },
    )
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/initiatives/{initiative.pk}/#comment-{comment.pk}"
    assert list(comment.mentions.all()) == [contributor]
    assert comment.attachments.get().name == "waits.csv"
    page = client.get(detail(initiative)).content.decode()
    assert '<strong class="mention" title="contributor@example.com">@' in page
    assert "second line" in page and "<br>" in page
    assert f"/attachments/{comment.attachments.get().pk}/download/" in page


def test_html_in_a_body_is_escaped(login, lead, initiative):
    comments.comment_create(actor=lead, parent=initiative, body='<script>alert("x")</script><b>bold</b>')
    page = login(lead).get(detail(initiative)).content.decode()
    assert "<script>alert" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page


def test_a_refused_file_comes_back_as_a_400_with_the_text_kept(login, lead, initiative):
    response = login(lead).post(
        f"/conversation/initiative/{initiative.pk}/comments/",
        {"body": "Keep this text", "file": SimpleUploadedFile("page.html", b"<html></html>")},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Files of this type cannot be attached." in page and "Keep this text" in page
    assert not Comment.objects.exists()


def test_a_viewer_sees_the_conversation_but_cannot_post(login, lead, viewer, initiative):
    comments.comment_create(actor=lead, parent=initiative, body="Visible to the team")
    client = login(viewer)
    page = client.get(detail(initiative)).content.decode()
    assert "Visible to the team" in page
    assert "Post comment" not in page
    assert comments.MSG_VIEWERS_CANNOT_COMMENT in page
    response = client.post(f"/conversation/initiative/{initiative.pk}/comments/", {"body": "hi"})
    assert response.status_code == 403
    assert Comment.objects.count() == 1


def test_someone_who_cannot_see_the_initiative_gets_404_for_its_file_and_comment(
    login, lead, other_lead, initiative
):
    comment = comments.comment_create(
        actor=lead, parent=initiative, body="x", files=[SimpleUploadedFile("a.csv", CSV)]
    )
    client = login(other_lead)
    attachment = Attachment.objects.get()
    assert client.get(f"/attachments/{attachment.pk}/download/").status_code == 404
    assert client.get(f"/comments/{comment.pk}/edit/").status_code == 404
    assert client.post(f"/comments/{comment.pk}/remove/").status_code == 404
    assert client.get(f"/conversation/initiative/{initiative.pk}/").status_code == 404


def test_the_download_is_an_attachment_that_never_renders(login, lead, initiative):
    attachment = attachments.attachment_upload(
        actor=lead, parent=initiative, upload=SimpleUploadedFile("Wartezeiten März.csv", CSV)
    )
    response = login(lead).get(f"/attachments/{attachment.pk}/download/")
    assert response.status_code == 200 and response.streaming
    assert b"".join(response.streaming_content) == CSV
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Wartezeiten M_rz.csv\"; filename*=UTF-8''Wartezeiten%20M%C3%A4rz.csv"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")


def test_the_author_edits_with_the_version_read_and_a_stale_form_is_refused(login, lead, initiative):
    comment = comments.comment_create(actor=lead, parent=initiative, body="first")
    client = login(lead)
    assert client.post(f"/comments/{comment.pk}/edit/", {"body": "second", "version": 1}).status_code == 302
    stale = client.post(f"/comments/{comment.pk}/edit/", {"body": "third", "version": 1})
    assert stale.status_code == 400
    assert Comment.objects.get().body == "second"


def test_a_removed_comment_shows_as_removed(login, lead, initiative):
    comment = comments.comment_create(actor=lead, parent=initiative, body="Secret figure 42")
    client = login(lead)
    assert client.post(f"/comments/{comment.pk}/remove/").status_code == 302
    page = client.get(detail(initiative)).content.decode()
    assert "Secret figure 42" not in page and "Comment removed." in page


def test_older_comments_are_a_page_away(login, lead, initiative):
    for n in range(THREAD_PAGE + 2):
        Comment.objects.create(author=lead, initiative=initiative, body=f"note number {n:03d}")
    client = login(lead)
    page = client.get(detail(initiative)).content.decode()
    assert "note number 051" in page and "note number 001" not in page
    assert "Older comments" in page
    older = Comment.objects.get(body="note number 002").pk
    earlier = client.get(f"/conversation/initiative/{initiative.pk}/?before={older}").content.decode()
    assert "note number 001" in earlier and "note number 000" in earlier


def test_experiment_idea_and_milestone_threads(login, lead, initiative):
    experiment = experiment_create(
        actor=lead,
        initiative=initiative,
        name="Callback offer",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=[{"key": "control", "is_control": True}, {"key": "callback"}],
    )
    idea = Idea.objects.create(title="Fewer transfers", status=IdeaStatus.SUBMITTED, submitted_by=lead)
    milestone = MilestoneFactory(initiative=initiative, owner=lead)
    client = login(lead)
    for kind, parent, page in [
        ("experiment", experiment, f"/experiments/{experiment.pk}/"),
        ("idea", idea, f"/ideas/{idea.pk}/"),
        ("milestone", milestone, f"/conversation/milestone/{milestone.pk}/"),
    ]:
        comments.comment_create(actor=lead, parent=parent, body=f"On the {kind}")
        assert f"On the {kind}" in client.get(page).content.decode()
    assert f"/conversation/milestone/{milestone.pk}/" in client.get(detail(initiative)).content.decode()


def test_the_initiative_page_runs_the_same_queries_for_3n_comments(login, lead, team, initiative):
    people = [UserFactory(teams=[team], full_name=f"Person {n}", email=f"p{n}@example.com") for n in range(3)]

    def add(n):
        for i in range(n):
            author = people[i % 3]
            comment = comments.comment_create(
                actor=author,
                parent=initiative,
                body=f"@p{(i + 1) % 3}@example.com see this",
                files=[SimpleUploadedFile(f"{i}.csv", CSV)],
            )
            assert comment.mentions.exists()

    client = login(lead)
    add(2)
    few = queries_for(client, detail(initiative))
    add(4)
    assert queries_for(client, detail(initiative)) == few


def test_the_conversation_page_runs_the_same_queries_for_3n_comments(login, lead, initiative):
    def add(n):
        for _ in range(n):
            comments.comment_create(actor=lead, parent=initiative, body="@lead@example.com x")

    client = login(lead)
    url = f"/conversation/initiative/{initiative.pk}/"
    add(3)
    few = queries_for(client, url)
    add(6)
    assert queries_for(client, url) == few
