"""The conversation on the site: post, edit and remove comments, attach and download files.

Every record is reached through its parent's user-scoped selector: a record the user cannot read,
and every comment and file on it, answer 404. A thread's first page shows on its record's own page
(``{% conversation %}``); ``/conversation/<kind>/<pk>/`` shows any page of it, and is the milestones'
conversation page (they have no page of their own).
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from common.web import act, object_or_404, redirect_back, site_view, submit
from improvement.attachment_response import attachment_response
from improvement.forms.comments import CommentEditForm, CommentForm
from improvement.models import PARENT_FIELDS
from improvement.selectors.comments import attachment_list, can_post, comment_list, comment_thread, parent_get
from improvement.services import attachments, comments

MSG_NOT_FOUND = gettext_noop("No such record, or you cannot see it.")
MSG_POSTED = gettext_noop("Comment posted.")
MSG_EDITED = gettext_noop("Comment updated.")
MSG_REMOVED = gettext_noop("Comment removed.")
MSG_FILE_REMOVED = gettext_noop("File removed.")


def _parent_or_404(request, kind: str, pk: int):
    if kind not in PARENT_FIELDS:
        raise Http404(_(MSG_NOT_FOUND))
    return object_or_404(parent_get, message=_(MSG_NOT_FOUND), user=request.user, kind=kind, pk=pk)


def _comment_or_404(request, pk: int):
    return object_or_404(
        lambda **kw: comment_list(user=request.user).get(**kw), message=_(MSG_NOT_FOUND), pk=pk
    )


def _attachment_or_404(request, pk: int):
    return object_or_404(
        lambda **kw: attachment_list(user=request.user).get(**kw), message=_(MSG_NOT_FOUND), pk=pk
    )


def _thread_url(kind: str, parent, comment_id: int | None = None) -> str:
    anchor = f"#comment-{comment_id}" if comment_id else "#conversation"
    return comments.parent_url(kind, parent) + anchor


def _before(request) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


@site_view
def conversation(request, kind: str, pk: int):
    """A record's thread on a page of its own: paging back through older comments, milestones' thread."""
    parent = _parent_or_404(request, kind, pk)
    return _conversation_page(request, kind, parent, form=CommentForm(), status=200)


def _conversation_page(request, kind, parent, *, form, status):
    thread = comment_thread(kind=kind, parent=parent, before=_before(request))
    context = {"thread": thread, "form": form, "record": comments.record_label(parent)}
    context["can_post"] = can_post(request.user)
    context["record_url"] = comments.parent_url(kind, parent)
    return render(request, "improvement/conversation.html", context, status=status)


@site_view
@require_POST
def comment_post(request, kind: str, pk: int):
    parent = _parent_or_404(request, kind, pk)
    form = CommentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("file")
        ok, comment = submit(
            form,
            comments.comment_create,
            actor=request.user,
            parent=parent,
            body=form.cleaned_data["body"],
            files=[upload] if upload else [],
        )
        if ok:
            messages.success(request, _(MSG_POSTED))
            return redirect(_thread_url(kind, parent, comment.pk))
    # The refused post comes back with its text and the reason next to the field.
    return _conversation_page(request, kind, parent, form=form, status=400)


@site_view
def comment_edit(request, pk: int):
    comment = _comment_or_404(request, pk)
    kind, parent = comment.parent_kind, comment.parent
    if request.method == "POST":
        form = CommentEditForm(request.POST)
        if form.is_valid():
            ok, _result = submit(
                form,
                comments.comment_update,
                actor=request.user,
                comment=comment,
                body=form.cleaned_data["body"],
                version=form.cleaned_data["version"],
            )
            if ok:
                messages.success(request, _(MSG_EDITED))
                return redirect(_thread_url(kind, parent, comment.pk))
    else:
        form = CommentEditForm(initial={"body": comment.body, "version": comment.version})
    context = {"form": form, "comment": comment, "record": comments.record_label(parent)}
    context["record_url"] = comments.parent_url(kind, parent)
    return render(request, "improvement/comment_edit.html", context, status=400 if form.errors else 200)


@site_view
@require_POST
def comment_archive_view(request, pk: int):
    comment = _comment_or_404(request, pk)
    act(request, comments.comment_archive, success=_(MSG_REMOVED), actor=request.user, comment=comment)
    return redirect_back(request, _thread_url(comment.parent_kind, comment.parent, comment.pk))


@site_view
def attachment_download(request, pk: int):
    return attachment_response(_attachment_or_404(request, pk))


@site_view
@require_POST
def attachment_archive_view(request, pk: int):
    attachment = _attachment_or_404(request, pk)
    act(
        request,
        attachments.attachment_archive,
        success=_(MSG_FILE_REMOVED),
        actor=request.user,
        attachment=attachment,
    )
    return redirect_back(request, _thread_url(attachment.parent_kind, attachment.parent))
