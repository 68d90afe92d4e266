"""How an attachment is served, the same from the site and the API: always as a download, never as a
page. The stored file is streamed from its storage (never read into memory)."""

from urllib.parse import quote

from django.http import FileResponse

from improvement.attachment_types import OCTET_STREAM, TYPES, ascii_fallback, extension_of, safe_download_name
from improvement.models import Attachment
from improvement.services.attachments import attachment_storage

CHUNK = 64 * 1024


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the exact name as RFC 5987 ``filename*``."""
    name = safe_download_name(name)
    return f"attachment; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def safe_content_type(attachment: Attachment) -> str:
    """The stored type for images a browser shows harmlessly; application/octet-stream for anything else."""
    file_type = TYPES.get(extension_of(attachment.name))
    if file_type is not None and file_type.inline_safe and attachment.content_type == file_type.content_type:
        return file_type.content_type
    return OCTET_STREAM


def attachment_response(attachment: Attachment) -> FileResponse:
    handle = attachment_storage().open(attachment.file.name, "rb")
    response = FileResponse(handle, content_type=safe_content_type(attachment))
    response.block_size = CHUNK
    response["Content-Disposition"] = content_disposition(attachment.name)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    # Even opened directly, the file runs nothing: no script, no same-origin access, no plugins.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
