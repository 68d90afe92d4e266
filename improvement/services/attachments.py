"""Attachments (evidence files) on initiatives, ideas, milestones and experiments (docs/ideas.md).

Files are written through the "attachments" storage (local disk or an S3-compatible bucket, by
setting) under a generated name; the uploader's name is kept only as the download's name. Size, count
and type (extension AND content) are checked first. A file is written inside the transaction of its
row and deleted again if that transaction rolls back, so no file outlives a failed write.
"""

import hashlib
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage, storages
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.errors import NotFound, PermissionDenied
from improvement.attachment_types import ALLOWED_EXTENSIONS, extension_of, safe_download_name, sniff
from improvement.models import Attachment, Comment
from improvement.selectors.comments import can_post, parent_kind, parent_readable_by

STORAGE_ALIAS = "attachments"
CHUNK = 64 * 1024

MSG_FILE_REQUIRED = gettext_noop("Choose a file to attach.")
MSG_TOO_LARGE = gettext_noop("A file can be at most %(limit)s MB; this one is %(size)s MB.")
MSG_EMPTY = gettext_noop("The file is empty.")
MSG_TOO_MANY = gettext_noop("A record can have at most %(limit)s attachments; remove one first.")
MSG_TYPE_NOT_ALLOWED = gettext_noop("Files of this type cannot be attached. Allowed: %(types)s.")
MSG_CONTENT_MISMATCH = gettext_noop(
    "The file's content is not a valid .%(extension)s file; only %(types)s files are accepted."
)
MSG_VIEWERS_CANNOT_ATTACH = gettext_noop("Viewers can read the files but not attach any.")
MSG_NOT_FOUND = gettext_noop("No such record, or you cannot see it.")
MSG_NOT_YOUR_COMMENT = gettext_noop("Files can be added only to your own comment on the same record.")
MSG_ONLY_UPLOADER_ARCHIVES = gettext_noop("Only the person who attached a file or an admin can remove it.")


def attachment_storage() -> Storage:
    return storages[STORAGE_ALIAS]


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".")


def _types() -> str:
    return ", ".join(f".{e}" for e in ALLOWED_EXTENSIONS)


def _check(*, kind: str, parent: Model, upload) -> tuple[str, str]:
    """Refuse a file over the limits or of a refused type; return (its download name, its type)."""
    if upload is None:
        raise ValidationError({"file": _(MSG_FILE_REQUIRED)})
    name = safe_download_name(getattr(upload, "name", "") or "")
    if upload.size > settings.ATTACHMENTS_MAX_BYTES:
        raise ValidationError(
            {
                "file": _(MSG_TOO_LARGE)
                % {"limit": _mb(settings.ATTACHMENTS_MAX_BYTES), "size": _mb(upload.size)}
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": _(MSG_EMPTY)})
    extension = extension_of(name)
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError({"file": _(MSG_TYPE_NOT_ALLOWED) % {"types": _types()}})
    file_type = sniff(name, upload)
    if file_type is None:
        raise ValidationError({"file": _(MSG_CONTENT_MISMATCH) % {"extension": extension, "types": _types()}})
    count = Attachment.objects.active().filter(**{kind: parent}).count()
    if count >= settings.ATTACHMENTS_MAX_PER_PARENT:
        raise ValidationError({"file": _(MSG_TOO_MANY) % {"limit": settings.ATTACHMENTS_MAX_PER_PARENT}})
    return name, file_type.content_type


def _digest(upload) -> str:
    sha = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks(CHUNK) if hasattr(upload, "chunks") else iter(lambda: upload.read(CHUNK), b""):
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


def _stored_name(extension: str) -> str:
    """A fresh name: the month's folder and a random id (never anything the uploader chose)."""
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


@contextmanager
def files_removed_on_error():
    """Collect the files written inside the block; if the block raises (its transaction rolls back)
    they are deleted from the store, so no file outlives a failed write. Services open it around
    their atomic block: Django has no on-rollback hook."""
    written: list[tuple[Storage, str]] = []
    try:
        yield written
    except BaseException:
        for storage, stored in written:
            storage.delete(stored)
        raise


def attachment_store(
    *, actor: User, kind: str, parent: Model, upload, written: list, comment: Comment | None = None
) -> Attachment:
    """Check and store one file on ``parent`` inside the caller's transaction (the caller has checked
    the actor, and opened ``files_removed_on_error`` whose list is ``written``)."""
    name, content_type = _check(kind=kind, parent=parent, upload=upload)
    storage = attachment_storage()
    digest = _digest(upload)
    stored = storage.save(_stored_name(extension_of(name)), upload)
    written.append((storage, stored))
    return Attachment.objects.create(
        file=stored,
        name=name,
        content_type=content_type,
        size=upload.size,
        sha256=digest,
        uploaded_by=actor,
        comment=comment,
        **{kind: parent},
    )


def attachment_upload(*, actor: User, parent: Model, upload, comment: Comment | None = None) -> Attachment:
    """Attach ``upload`` to ``parent``, on its own or to the actor's own ``comment`` on it (files
    posted together with a comment: ``comment_create``)."""
    kind = parent_kind(parent)
    if not parent_readable_by(user=actor, kind=kind, pk=parent.pk):
        raise NotFound(_(MSG_NOT_FOUND))
    if not can_post(actor):
        raise PermissionDenied(_(MSG_VIEWERS_CANNOT_ATTACH))
    if comment is not None and (
        getattr(comment, f"{kind}_id") != parent.pk or comment.author_id != actor.pk or comment.is_archived
    ):
        raise ValidationError({"comment": _(MSG_NOT_YOUR_COMMENT)})
    with files_removed_on_error() as written, transaction.atomic():
        return attachment_store(
            actor=actor, kind=kind, parent=parent, upload=upload, written=written, comment=comment
        )


@transaction.atomic
def attachment_archive(*, actor: User, attachment: Attachment) -> Attachment:
    """Remove a file from the record (kept in the store and the database, no longer listed)."""
    locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if locked.uploaded_by_id != actor.pk and not actor.is_admin:
        raise PermissionDenied(_(MSG_ONLY_UPLOADER_ARCHIVES))
    if locked.archived_at is None:
        locked.archived_at = timezone.now()
        locked.save(update_fields=["archived_at", "updated_at"])
    return locked
