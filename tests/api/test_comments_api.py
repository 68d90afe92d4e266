"""Comments and attachments in the API: /api/v1/comments/ and /api/v1/attachments/."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Notification
from improvement.api.comments import MSG_ONE_PARENT
from improvement.models import Attachment, Comment
from improvement.services import attachments, comments
from tests.api.conftest import queries_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

COMMENTS = "/api/v1/comments/"
ATTACHMENTS = "/api/v1/attachments/"
CSV = b"queue,minutes\nchat,3\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def test_a_token_with_comments_write_posts_once_per_idempotency_key(
    token_api, lead, contributor, initiative, conforms, django_capture_on_commit_callbacks
):
    client = token_api(lead, "progress:read", "comments:write")
    body = {"initiative": initiative.pk, "body": "Ask @contributor@example.com"}
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(COMMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="c1")
        again = client.post(COMMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="c1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"] == Comment.objects.get().pk
    assert first.json()["mentions"] == [
        {"id": contributor.pk, "email": contributor.email, "name": str(contributor)}
    ]
    conforms(first, "POST /api/v1/comments/")
    assert Notification.objects.filter(recipient=contributor).count() == 1


def test_writing_needs_the_comments_scope(token_api, lead, initiative):
    client = token_api(lead, "progress:read")
    response = client.post(COMMENTS, {"initiative": initiative.pk, "body": "x"}, format="json")
    assert response.status_code == 403


def test_a_viewer_reads_but_cannot_post(api, lead, viewer, initiative):
    comments.comment_create(actor=lead, parent=initiative, body="hello")
    client = api(viewer)
    assert client.get(f"{COMMENTS}?initiative={initiative.pk}").json()["count"] == 1
    response = client.post(COMMENTS, {"initiative": initiative.pk, "body": "x"}, format="json")
    assert response.status_code == 403


def test_bad_input_is_a_400_with_field_messages(api, lead, initiative, other_team):
    client = api(lead)
    both = client.post(COMMENTS, {"initiative": initiative.pk, "idea": 1, "body": "x"}, format="json")
    assert both.status_code == 400
    assert both.json()["non_field_errors"] == [MSG_ONE_PARENT]
    empty = client.post(COMMENTS, {"initiative": initiative.pk, "body": "   "}, format="json")
    assert empty.status_code == 400 and "body" in empty.json()["fields"]
    hidden = UserFactory(teams=[other_team])
    unseen = api(hidden).post(COMMENTS, {"initiative": initiative.pk, "body": "x"}, format="json")
    assert unseen.status_code == 400
    assert unseen.json()["fields"] == {"initiative": [comments.MSG_NOT_FOUND]}
    assert not Comment.objects.exists()


def test_list_is_scoped_through_the_parent_and_filtered_by_it(api, lead, other_lead, initiative):
    comments.comment_create(actor=lead, parent=initiative, body="mine")
    assert api(other_lead).get(COMMENTS).json()["count"] == 0
    assert api(lead).get(f"{COMMENTS}?initiative={initiative.pk}").json()["count"] == 1
    assert api(lead).get(f"{COMMENTS}?initiative={initiative.pk + 1000}").json()["count"] == 0
    assert api(lead).get(f"{COMMENTS}?initiative=abc").status_code == 400


def test_an_edit_with_a_stale_if_match_answers_412(api, lead, initiative):
    comment = comments.comment_create(actor=lead, parent=initiative, body="first")
    client = api(lead)
    etag = client.get(f"{COMMENTS}{comment.pk}/")["ETag"]
    ok = client.patch(f"{COMMENTS}{comment.pk}/", {"body": "second"}, format="json", HTTP_IF_MATCH=etag)
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(f"{COMMENTS}{comment.pk}/", {"body": "third"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Comment.objects.get().body == "second"


def test_delete_archives_and_sync_still_sees_it_without_its_words(api, lead, contributor, initiative):
    comment = comments.comment_create(actor=lead, parent=initiative, body="oops")
    assert api(contributor).delete(f"{COMMENTS}{comment.pk}/").status_code == 403
    assert api(lead).delete(f"{COMMENTS}{comment.pk}/").status_code == 204
    assert Comment.objects.get().is_archived
    assert api(lead).get(COMMENTS).json()["count"] == 0
    synced = api(lead).get(f"{COMMENTS}?updated_since=2000-01-01T00:00:00Z").json()["results"]
    assert [(c["id"], c["archived"], c["body"]) for c in synced] == [(comment.pk, True, "")]


def test_multipart_upload_list_and_download(api, lead, initiative, conforms):
    client = api(lead)
    response = client.post(
        ATTACHMENTS,
        {"initiative": initiative.pk, "file": SimpleUploadedFile("waits.csv", CSV)},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="a1",
    )
    assert response.status_code == 201, response.content
    conforms(response, "POST /api/v1/attachments/")
    pk = response.json()["id"]
    assert response.json()["content_type"] == "text/csv" and response.json()["size"] == len(CSV)
    listed = client.get(f"{ATTACHMENTS}?initiative={initiative.pk}")
    conforms(listed, "GET /api/v1/attachments/")
    download = client.get(f"{ATTACHMENTS}{pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == CSV
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith('attachment; filename="waits.csv"')
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"].startswith("sandbox")


def test_an_upload_over_the_limits_is_a_400_naming_the_limit(api, lead, initiative, settings, media):
    settings.ATTACHMENTS_MAX_BYTES = 10
    response = api(lead).post(
        ATTACHMENTS,
        {"initiative": initiative.pk, "file": SimpleUploadedFile("waits.csv", CSV)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["file"][0].startswith("A file can be at most 0 MB")
    bad = api(lead).post(
        ATTACHMENTS,
        {"initiative": initiative.pk, "file": SimpleUploadedFile("x.svg", b"<svg/>")},
        format="multipart",
    )
    assert bad.status_code == 400 and "cannot be attached" in bad.json()["fields"]["file"][0]
    assert not Attachment.objects.exists() and not [p for p in media.rglob("*") if p.is_file()]


def test_someone_who_cannot_see_the_record_gets_404_for_its_file(api, lead, other_lead, initiative):
    attachment = attachments.attachment_upload(
        actor=lead, parent=initiative, upload=SimpleUploadedFile("a.csv", CSV)
    )
    assert api(other_lead).get(f"{ATTACHMENTS}{attachment.pk}/").status_code == 404
    assert api(other_lead).get(f"{ATTACHMENTS}{attachment.pk}/download/").status_code == 404


def test_comment_list_queries_do_not_grow_with_rows(api, lead, team, initiative):
    people = [UserFactory(teams=[team], email=f"p{n}@example.com") for n in range(3)]

    def add(n):
        for i in range(n):
            comments.comment_create(
                actor=lead,
                parent=initiative,
                body=f"@p{i % 3}@example.com",
                files=[SimpleUploadedFile(f"{i}.csv", CSV)],
            )

    client = api(lead)
    add(2)
    few = queries_for(client, f"{COMMENTS}?initiative={initiative.pk}")
    add(4)
    assert queries_for(client, f"{COMMENTS}?initiative={initiative.pk}") == few
    assert people


def test_attachment_list_queries_do_not_grow_with_rows(api, lead, initiative):
    def add(n):
        for i in range(n):
            attachments.attachment_upload(
                actor=lead, parent=initiative, upload=SimpleUploadedFile(f"{i}.csv", CSV)
            )

    client = api(lead)
    add(2)
    few = queries_for(client, ATTACHMENTS)
    add(4)
    assert queries_for(client, ATTACHMENTS) == few


def test_a_file_is_uploaded_to_the_callers_own_comment(api, lead, contributor, initiative):
    mine = comments.comment_create(actor=lead, parent=initiative, body="Data follows")
    body = {"initiative": initiative.pk, "comment": mine.pk, "file": SimpleUploadedFile("w.csv", CSV)}
    made = api(lead).post(ATTACHMENTS, body, format="multipart")
    assert made.json()["comment"] == mine.pk, made.json()
    body["file"] = SimpleUploadedFile("w.csv", CSV)
    refused = api(contributor).post(ATTACHMENTS, body, format="multipart")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"comment": [attachments.MSG_NOT_YOUR_COMMENT]}
    listed = api(lead).get(f"{COMMENTS}{mine.pk}/").json()["attachments"]
    assert [a["name"] for a in listed] == ["w.csv"]


def test_an_upload_repeated_with_its_idempotency_key_is_stored_once(api, lead, initiative, media):
    client = api(lead)

    def send():
        body = {"initiative": initiative.pk, "file": SimpleUploadedFile("waits.csv", CSV)}
        return client.post(ATTACHMENTS, body, format="multipart", HTTP_IDEMPOTENCY_KEY="upload-1")

    first, again = send(), send()
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert Attachment.objects.count() == 1
    assert len([p for p in media.rglob("*") if p.is_file()]) == 1
