"""Which files may be attached, told by their name's extension AND by their first bytes (no Django).

An upload is accepted only when its extension is on the allow-list and its content looks like that
type: a renamed ``.html`` called ``report.pdf`` has no ``%PDF-`` header and is refused; a ``.csv`` that
holds markup is refused too. Office documents are ZIP files: the archive must hold the part that
names its kind (``[Content_Types].xml`` for Office Open XML, ``mimetype`` for OpenDocument).
"""

import zipfile
from dataclasses import dataclass

# How much of the start of a file the checks read (the text checks look at this much, too).
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    # Browsers may show it inline (an image); anything else is served as application/octet-stream.
    inline_safe: bool = False


TYPES = {
    t.extension: t
    for t in (
        FileType("pdf", "application/pdf"),
        FileType("png", "image/png", inline_safe=True),
        FileType("jpg", "image/jpeg", inline_safe=True),
        FileType("jpeg", "image/jpeg", inline_safe=True),
        FileType("gif", "image/gif", inline_safe=True),
        FileType("webp", "image/webp", inline_safe=True),
        FileType("csv", "text/csv"),
        FileType("txt", "text/plain"),
        FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        FileType("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        FileType("odt", "application/vnd.oasis.opendocument.text"),
        FileType("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    )
}
ALLOWED_EXTENSIONS = tuple(sorted(TYPES))
OCTET_STREAM = "application/octet-stream"

_OOXML = {"xlsx": "xl/", "docx": "word/", "pptx": "ppt/"}
_ODF = {
    "odt": b"application/vnd.oasis.opendocument.text",
    "ods": b"application/vnd.oasis.opendocument.spreadsheet",
}
# Markup a browser or a spreadsheet could run, refused in text files whatever their extension.
_MARKUP = (b"<html", b"<!doctype", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe", b"<head")


def extension_of(name: str) -> str:
    """The lower-case extension of ``name`` ("" when it has none)."""
    base = name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        # A cut at SNIFF_BYTES can split a UTF-8 sequence: ignore an incomplete last character.
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return False
    lowered = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return not any(tag in lowered for tag in _MARKUP)


def _zip_holds(stream, extension: str) -> bool:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if extension in _OOXML:
                return "[Content_Types].xml" in names and any(n.startswith(_OOXML[extension]) for n in names)
            return "mimetype" in names and archive.read("mimetype").strip() == _ODF[extension]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return False


def content_matches(extension: str, head: bytes, stream=None) -> bool:
    """Whether a file whose first bytes are ``head`` is what ``extension`` says.

    ``stream`` (seekable, the whole file) is needed for the ZIP-based office types.
    """
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == "gif":
        return head.startswith((b"GIF87a", b"GIF89a"))
    if extension == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if extension in ("csv", "txt"):
        return _is_text(head)
    if extension in _OOXML or extension in _ODF:
        if not head.startswith(b"PK\x03\x04") or stream is None:
            return False
        return _zip_holds(stream, extension)
    return False


def sniff(name: str, stream) -> FileType | None:
    """The allowed type of the file ``name`` with content ``stream`` (seekable), or None to refuse it."""
    file_type = TYPES.get(extension_of(name))
    if file_type is None:
        return None
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    matches = content_matches(file_type.extension, head, stream)
    stream.seek(0)
    return file_type if matches else None


def safe_download_name(name: str, *, fallback: str = "attachment") -> str:
    """The uploader's file name without any path, control characters or quotes, at most 150 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"<>:|?*;').strip(" .")
    if not cleaned:
        return fallback
    if len(cleaned) > 150:
        ext = extension_of(cleaned)
        cleaned = cleaned[: 150 - len(ext) - 1] + "." + ext if ext else cleaned[:150]
    return cleaned


def ascii_fallback(name: str) -> str:
    """An ASCII-only version of ``name`` for the plain ``filename=`` of a Content-Disposition header."""
    text = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%' else "_" for c in name)
    return text or "attachment"
