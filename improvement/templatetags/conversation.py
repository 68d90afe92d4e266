"""The conversation of a record, as one line on its page: ``{% load conversation %}{% conversation idea %}``.

It renders templates/improvement/includes/conversation.html with the thread's newest page (four
queries, whatever its length) and the post form if the reader may post.
"""

import re

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from improvement.forms.comments import CommentForm
from improvement.models import Comment
from improvement.selectors.comments import can_post, comment_thread, parent_kind
from improvement.services.comments import MENTION

register = template.Library()


@register.inclusion_tag("improvement/includes/conversation.html", takes_context=True)
def conversation(context, parent):
    request = context["request"]
    kind = parent_kind(parent)
    return {
        "request": request,
        "user": request.user,
        "thread": comment_thread(kind=kind, parent=parent),
        "form": CommentForm(),
        "can_post": can_post(request.user),
        "csrf_token": context.get("csrf_token"),
    }


def _mentioned(comment: Comment) -> tuple[dict[str, str], dict[str, str]]:
    by_email = {u.email.lower(): str(u) for u in comment.mentions.all()}
    by_name = {u.full_name.strip().lower(): str(u) for u in comment.mentions.all() if u.full_name}
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
