"""Attachments: the limits, the type told by extension and content, no orphan file, the storage chosen."""

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from storages.backends.s3 import S3Storage

from common.errors import PermissionDenied
from config.settings_attachments import LOCAL_BACKEND, S3_BACKEND, attachments_storage
from improvement import attachment_types
from improvement.models import Attachment, Comment
from improvement.services import attachments, comments
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


def office(extension: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if extension in ("odt", "ods"):
            kind = "text" if extension == "odt" else "spreadsheet"
            archive.writestr("mimetype", f"application/vnd.oasis.opendocument.{kind}")
            archive.writestr("content.xml", "<office:document-content/>")
        else:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr(
                {"xlsx": "xl", "docx": "word", "pptx": "ppt"}[extension] + "/workbook.xml", "<x/>"
            )
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def initiative(team, lead):
    return InitiativeFactory(team=team, lead=lead)


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.png", PNG),
        ("report.pdf", PDF),
        ("data.csv", b"queue,minutes\nchat,3\nphone,9\n"),
        ("notes.txt", "Wartezeit über 5 Minuten".encode()),
        ("shot.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
        ("anim.gif", b"GIF89a" + b"\x00" * 20),
        ("pic.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 "),
        ("sheet.xlsx", office("xlsx")),
        ("memo.docx", office("docx")),
        ("deck.pptx", office("pptx")),
        ("memo.odt", office("odt")),
        ("sheet.ods", office("ods")),
    ],
)
def test_common_evidence_types_are_accepted(initiative, lead, media, name, content):
    attachment = attachments.attachment_upload(actor=lead, parent=initiative, upload=upload(name, content))
    assert (attachment.name, attachment.size) == (name, len(content))
    assert attachment.file.name.startswith("attachments/")
    assert name not in attachment.file.name
    assert len(stored_files(media)) == 1


@pytest.mark.parametrize("name", ["page.html", "logo.svg", "app.js", "setup.exe", "noextension"])
def test_refused_types_name_the_allowed_ones(initiative, lead, media, name):
    with pytest.raises(ValidationError) as refused:
        attachments.attachment_upload(actor=lead, parent=initiative, upload=upload(name, b"<html></html>"))
    allowed = ", ".join(f".{e}" for e in attachment_types.ALLOWED_EXTENSIONS)
    assert refused.value.message_dict == {"file": [attachments.MSG_TYPE_NOT_ALLOWED % {"types": allowed}]}
    assert not Attachment.objects.exists() and not stored_files(media)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>"),
        ("data.csv", b"<!DOCTYPE html><html><body>hi</body></html>"),
        ("notes.txt", b"<svg onload=alert(1)>"),
        ("photo.png", b"MZ\x90\x00 an executable"),
        ("sheet.xlsx", b"PK\x03\x04 not really a zip"),
        ("sheet.xlsx", office("docx")),
        ("data.csv", b"a,b\x00\x01\x02"),
    ],
)
def test_content_that_does_not_match_its_extension_is_refused(initiative, lead, media, name, content):
    with pytest.raises(ValidationError) as refused:
        attachments.attachment_upload(actor=lead, parent=initiative, upload=upload(name, content))
    assert "is not a valid ." in refused.value.message_dict["file"][0]
    assert not stored_files(media)


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(initiative, lead, media, settings):
    settings.ATTACHMENTS_MAX_BYTES = 1024 * 1024
    content = b"a,b\n" + b"1,2\n" * (300 * 1024)
    with pytest.raises(ValidationError) as refused:
        attachments.attachment_upload(actor=lead, parent=initiative, upload=upload("big.csv", content))
    assert refused.value.message_dict == {"file": [attachments.MSG_TOO_LARGE % {"limit": "1", "size": "1.2"}]}
    assert not stored_files(media)


def test_a_record_holds_at_most_the_set_number_of_files(initiative, lead, media, settings):
    settings.ATTACHMENTS_MAX_PER_PARENT = 2
    for n in range(2):
        attachments.attachment_upload(actor=lead, parent=initiative, upload=upload(f"{n}.png", PNG))
    with pytest.raises(ValidationError) as refused:
        attachments.attachment_upload(actor=lead, parent=initiative, upload=upload("3.png", PNG))
    assert refused.value.message_dict == {"file": [attachments.MSG_TOO_MANY % {"limit": 2}]}
    assert len(stored_files(media)) == 2


def test_the_stored_name_is_generated_and_the_shown_name_is_sanitised(initiative, lead, media):
    attachment = attachments.attachment_upload(
        actor=lead, parent=initiative, upload=upload('../../etc/"evil"\x07name.png', PNG)
    )
    assert attachment.name == "evilname.png"
    assert ".." not in attachment.file.name and "evil" not in attachment.file.name
    assert attachment.sha256 == hashlib.sha256(PNG).hexdigest()


def test_a_refused_second_file_leaves_neither_the_comment_nor_the_first_file(initiative, lead, media):
    files = [upload("ok.png", PNG), upload("bad.html", b"<html></html>")]
    with pytest.raises(ValidationError):
        comments.comment_create(actor=lead, parent=initiative, body="Evidence attached", files=files)
    assert not Comment.objects.exists() and not Attachment.objects.exists()
    assert not stored_files(media)


def test_a_failed_row_write_deletes_the_stored_file(initiative, lead, media, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Attachment.objects, "create", broken)
    with pytest.raises(RuntimeError):
        attachments.attachment_upload(actor=lead, parent=initiative, upload=upload("ok.png", PNG))
    assert not stored_files(media)


def test_a_viewer_cannot_attach(initiative, viewer, media):
    with pytest.raises(PermissionDenied, match=attachments.MSG_VIEWERS_CANNOT_ATTACH):
        attachments.attachment_upload(actor=viewer, parent=initiative, upload=upload("ok.png", PNG))


def test_the_uploader_or_an_admin_archives_a_file(initiative, lead, contributor, admin):
    attachment = attachments.attachment_upload(actor=lead, parent=initiative, upload=upload("ok.png", PNG))
    with pytest.raises(PermissionDenied):
        attachments.attachment_archive(actor=contributor, attachment=attachment)
    assert attachments.attachment_archive(actor=admin, attachment=attachment).archived_at is not None


def test_files_are_on_the_local_disk_by_default():
    assert attachments_storage("local") == {"BACKEND": LOCAL_BACKEND}


def test_s3_is_chosen_and_configured_from_the_environment(monkeypatch):
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "evidence")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "https://minio.internal:9000")
    monkeypatch.setenv("AWS_S3_REGION_NAME", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    config = attachments_storage("s3")
    assert config["BACKEND"] == S3_BACKEND
    assert config["OPTIONS"]["bucket_name"] == "evidence"
    assert config["OPTIONS"]["endpoint_url"] == "https://minio.internal:9000"
    assert config["OPTIONS"]["default_acl"] == "private"
    assert config["OPTIONS"]["file_overwrite"] is False


def test_the_s3_storage_class_is_what_the_site_uses_with_that_setting(settings, monkeypatch):
    """Built without reaching the network: the class and its options, no request."""
    monkeypatch.setenv("AWS_STORAGE_BUCKET_NAME", "evidence")
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", "https://minio.internal:9000")
    settings.STORAGES = {**settings.STORAGES, "attachments": attachments_storage("s3")}
    storage = storages["attachments"]
    assert isinstance(storage, S3Storage) and isinstance(attachments.attachment_storage(), S3Storage)
    assert (storage.bucket_name, storage.endpoint_url, storage.default_acl) == (
        "evidence",
        "https://minio.internal:9000",
        "private",
    )


def test_an_unknown_storage_setting_fails_loudly():
    with pytest.raises(ValueError, match="local or s3"):
        attachments_storage("ftp")


def test_a_file_joins_the_uploaders_own_comment_on_the_same_record(initiative, lead, contributor, team):
    mine = comments.comment_create(actor=lead, parent=initiative, body="Data follows")
    added = attachments.attachment_upload(
        actor=lead, parent=initiative, upload=upload("a.png", PNG), comment=mine
    )
    assert list(mine.attachments.all()) == [added]
    with pytest.raises(ValidationError) as refused:
        attachments.attachment_upload(
            actor=contributor, parent=initiative, upload=upload("b.png", PNG), comment=mine
        )
    assert refused.value.message_dict == {"comment": [attachments.MSG_NOT_YOUR_COMMENT]}
    elsewhere = InitiativeFactory(team=team, lead=lead)
    with pytest.raises(ValidationError):
        attachments.attachment_upload(actor=lead, parent=elsewhere, upload=upload("c.png", PNG), comment=mine)
