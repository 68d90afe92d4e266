"""The conversation of a record, as one line on its page: ``{% load conversation %}{% conversation idea %}``.

It renders templates/improvement/includes/conversation.html with the thread's newest page (four
queries, whatever its length) and the post form if the reader may post.
"""

import re
from dataclasses import dataclass

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from common.templatetags.dates import local_date_format
from improvement.forms.comments import CommentForm
from improvement.models import Attachment, Comment
from improvement.selectors.comments import RECORD_PAGE_COMMENTS, Thread, can_post, comment_thread, parent_kind
from improvement.services.comments import MENTION

register = template.Library()


@register.inclusion_tag("improvement/includes/conversation.html", takes_context=True)
def conversation(context, parent):
    request = context["request"]
    kind = parent_kind(parent)
    return {
        "request": request,
        "user": request.user,
        "thread": comment_thread(kind=kind, parent=parent, limit=RECORD_PAGE_COMMENTS),
        "form": CommentForm(),
        "can_post": can_post(request.user),
        "csrf_token": context.get("csrf_token"),
    }


# A thread's rows are built here, not in the template: reversing three URLs, formatting dates and
# walking the prefetched relations per comment in template code cost ~80 ms for 50 comments; built
# in Python they cost a few. A route is reversed once with this stand-in id, then filled per row.
_ID = 987654321


@dataclass(frozen=True)
class FileRow:
    pk: int
    name: str
    size: str
    download_url: str
    remove_url: str
    can_remove: bool


@dataclass(frozen=True)
class CommentRow:
    pk: int
    author: str
    created_iso: str
    created_text: str
    edited: bool
    removed: bool
    body: SafeString
    files: list[FileRow]
    can_edit: bool
    can_remove: bool
    edit_url: str
    remove_url: str


def _route(name: str):
    pattern = reverse(name, args=[_ID])
    return lambda pk: pattern.replace(str(_ID), str(pk))


def _file_rows(files: list[Attachment], user, download, remove) -> list[FileRow]:
    return [
        FileRow(
            pk=f.pk,
            name=f.name,
            size=filesizeformat(f.size),
            download_url=download(f.pk),
            remove_url=remove(f.pk),
            can_remove=f.uploaded_by_id == user.pk or user.is_admin,
        )
        for f in files
    ]


@register.simple_tag
def thread_rows(thread: Thread, user) -> dict:
    """The comments and the record's own files of ``thread``, ready to print."""
    edit, remove = _route("improvement:comment_edit"), _route("improvement:comment_archive")
    download, remove_file = (
        _route("improvement:attachment_download"),
        _route("improvement:attachment_archive"),
    )
    rows = []
    for comment in thread.comments:
        created = timezone.localtime(comment.created_at)
        mine = comment.author_id == user.pk
        removed = comment.archived_at is not None
        rows.append(
            CommentRow(
                pk=comment.pk,
                author=str(comment.author) if comment.author_id else "—",
                created_iso=created.isoformat(),
                created_text=local_date_format(created, "j M Y, H:i"),
                edited=comment.edited_at is not None,
                removed=removed,
                body=SafeString("") if removed else comment_body(comment),
                files=[] if removed else _file_rows(comment.attachments.all(), user, download, remove_file),
                can_edit=mine and not removed,
                can_remove=(mine or user.is_admin) and not removed,
                edit_url=edit(comment.pk),
                remove_url=remove(comment.pk),
            )
        )
    return {"comments": rows, "files": _file_rows(thread.files, user, download, remove_file)}


def _mentioned(comment: Comment) -> tuple[dict[str, str], dict[str, str]]:
    people = list(comment.mentions.all())
    by_email = {u.email.lower(): str(u) for u in people}
    by_name = {u.full_name.strip().lower(): str(u) for u in people if u.full_name}
    return by_email, by_name


@register.filter
def comment_body(comment: Comment) -> SafeString:
    """The body escaped, its line breaks kept and its resolved mentions highlighted (others stay text)."""
    by_email, by_name = _mentioned(comment)
    parts: list[str] = []
    last = 0
    for match in MENTION.finditer(comment.body):
        who = by_name.get((match["name"] or "").strip().lower()) or by_email.get(
            (match["email"] or "").lower()
        )
        if who is None:
            continue
        parts.append(conditional_escape(comment.body[last : match.start()]))
        parts.append(format_html('<strong class="mention" title="{}">@{}</strong>', match.group(0)[1:], who))
        last = match.end()
    parts.append(conditional_escape(comment.body[last:]))
    # The parts are escaped already: only paragraphs and line breaks are added.
    html = "".join(str(p) for p in parts)
    paragraphs = re.split(r"\n{2,}", html.replace("\r\n", "\n"))
    return mark_safe("".join(f"<p>{p.replace(chr(10), '<br>')}</p>" for p in paragraphs))
