"""Comments with @mentions on initiatives, ideas, milestones and experiments (docs/ideas.md).

Who may comment: whoever may read the parent, except viewers. The author edits (versioned) and
archives; an admin archives too. A mention names a person as ``@[Full Name]`` or ``@email``; it is
resolved only to an active person who can read the parent, and that person is told after commit
(never the author, and an edit tells only the newly mentioned).
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.notifications import notification_send
from common.errors import NotFound, PermissionDenied, StaleVersion
from improvement import events
from improvement.models import COMMENT_MAX_LENGTH, Comment, NotificationKind
from improvement.selectors.comments import can_post, parent_kind, parent_readable_by
from improvement.services import attachments

MSG_BODY_REQUIRED = gettext_noop("Write something to post.")
MSG_BODY_TOO_LONG = gettext_noop("A comment can be at most %(limit)s characters.")
MSG_VIEWERS_CANNOT_COMMENT = gettext_noop("Viewers can read the conversation but not post to it.")
MSG_NOT_FOUND = gettext_noop("No such record, or you cannot see it.")
MSG_ONLY_AUTHOR_EDITS = gettext_noop("Only the author can edit a comment.")
MSG_ONLY_AUTHOR_ARCHIVES = gettext_noop("Only the author or an admin can remove a comment.")
MSG_COMMENT_REMOVED = gettext_noop("This comment was removed and cannot be edited.")
MSG_MENTION_TITLE = gettext_noop("{name} mentioned you on {record}")

# ``@[Full Name]`` (any characters but brackets and line breaks) or ``@someone@example.com``; an
# ``@`` glued to a word (an email address written plainly) starts no mention.
MENTION = re.compile(r"@\[(?P<name>[^\[\]\n]{1,150})\]|(?<![\w.@+-])@(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")
# Further mentions in one comment are left as text: nobody is told about them.
MAX_MENTIONS = 20


def _check_can_comment(actor: User, parent: Model) -> str:
    kind = parent_kind(parent)
    if not parent_readable_by(user=actor, kind=kind, pk=parent.pk):
        raise NotFound(_(MSG_NOT_FOUND))
    if not can_post(actor):
        raise PermissionDenied(_(MSG_VIEWERS_CANNOT_COMMENT))
    return kind


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _(MSG_BODY_REQUIRED)})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError({"body": _(MSG_BODY_TOO_LONG) % {"limit": COMMENT_MAX_LENGTH}})
    return body


def mentioned_tokens(body: str) -> tuple[list[str], list[str]]:
    """The names and the emails ``body`` mentions, in order, each once, at most MAX_MENTIONS in all."""
    names: list[str] = []
    emails: list[str] = []
    for match in MENTION.finditer(body):
        if len(names) + len(emails) >= MAX_MENTIONS:
            break
        if match["name"] and match["name"].strip().lower() not in names:
            names.append(match["name"].strip().lower())
        elif match["email"] and match["email"].lower() not in emails:
            emails.append(match["email"].lower())
    return names, emails


def mentions_resolve(*, body: str, kind: str, parent: Model, author: User) -> list[User]:
    """The people ``body`` mentions who are active and can read ``parent``; unknown or ambiguous
    names, and people who cannot read the parent, stay text. The author may mention themselves (it
    tells nobody)."""
    names, emails = mentioned_tokens(body)
    if not names and not emails:
        return []
    wanted = Q(pk__in=[])
    for name in names:
        wanted |= Q(full_name__iexact=name)
    for email in emails:
        wanted |= Q(email__iexact=email)
    candidates = list(User.objects.filter(wanted, is_active=True).order_by("id"))
    by_name: dict[str, list[User]] = {}
    for user in candidates:
        by_name.setdefault(user.full_name.strip().lower(), []).append(user)
    chosen: dict[int, User] = {}
    for user in candidates:
        if user.email.lower() in emails:
            chosen[user.pk] = user
    for name in names:
        # Two people with the same name: neither is guessed, the writer uses an email instead.
        if len(by_name.get(name, [])) == 1:
            chosen[by_name[name][0].pk] = by_name[name][0]
    return [user for user in chosen.values() if parent_readable_by(user=user, kind=kind, pk=parent.pk)]


def _announce_mentions(comment: Comment, people: list[User], *, already: set[int]) -> None:
    new = sorted(u.pk for u in people if u.pk not in already and u.pk != comment.author_id)
    if new:
        events.comment_mentioned(comment_id=comment.pk, user_ids=new)


def comment_create(*, actor: User, parent: Model, body: str, files=()) -> Comment:
    """Post ``body`` (and ``files``, each checked like ``attachment_upload``) on ``parent``: all or
    nothing, the files included (a refused second file leaves neither the comment nor the first)."""
    kind = _check_can_comment(actor, parent)
    body = _clean_body(body)
    with attachments.files_removed_on_error() as written, transaction.atomic():
        comment = Comment.objects.create(author=actor, body=body, **{kind: parent})
        people = mentions_resolve(body=body, kind=kind, parent=parent, author=actor)
        comment.mentions.set(people)
        for upload in files:
            attachments.attachment_store(
                actor=actor, kind=kind, parent=parent, upload=upload, written=written, comment=comment
            )
        _announce_mentions(comment, people, already=set())
    return comment


@transaction.atomic
def comment_update(*, actor: User, comment: Comment, body: str, version: int | None = None) -> Comment:
    """The author rewrites their comment; ``version`` (the one they read) refuses a lost update."""
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.author_id != actor.pk:
        raise PermissionDenied(_(MSG_ONLY_AUTHOR_EDITS))
    kind = _check_can_comment(actor, locked.parent)
    if locked.is_archived:
        raise ValidationError(_(MSG_COMMENT_REMOVED))
    expected = locked.version if version is None else version
    if expected != locked.version:
        raise StaleVersion()
    locked.body = _clean_body(body)
    locked.edited_at = timezone.now()
    before = set(locked.mentions.values_list("id", flat=True))
    locked.version += 1
    locked.save(update_fields=["body", "edited_at", "version", "updated_at"])
    people = mentions_resolve(body=locked.body, kind=kind, parent=locked.parent, author=actor)
    locked.mentions.set(people)
    _announce_mentions(locked, people, already=before)
    return locked


@transaction.atomic
def comment_archive(*, actor: User, comment: Comment) -> Comment:
    """Remove a comment from the conversation (kept, shown as removed); its files go with it."""
    locked = Comment.objects.select_for_update().get(pk=comment.pk)
    if locked.author_id != actor.pk and not actor.is_admin:
        raise PermissionDenied(_(MSG_ONLY_AUTHOR_ARCHIVES))
    if locked.is_archived:
        return locked
    now = timezone.now()
    locked.archived_at = now
    locked.version += 1
    locked.save(update_fields=["archived_at", "version", "updated_at"])
    for attachment in locked.attachments.filter(archived_at__isnull=True):
        attachment.archived_at = now
        attachment.save(update_fields=["archived_at", "updated_at"])
    return locked


# --- after commit ---------------------------------------------------------------------------------


def record_label(parent: Model) -> str:
    kind = parent_kind(parent)
    if kind == "initiative":
        return f"{parent.code} {parent.title}"
    if kind == "idea":
        return str(parent)
    return f"{parent.initiative.code} {parent}"


def parent_url(kind: str, parent: Model) -> str:
    if kind == "initiative":
        return reverse("improvement:initiative_detail", args=[parent.pk])
    if kind == "idea":
        return reverse("improvement:idea_detail", args=[parent.pk])
    if kind == "experiment":
        return reverse("improvement:experiment_detail", args=[parent.pk])
    return reverse("improvement:conversation", args=[kind, parent.pk])


def comment_mentions_notify(*, comment_id: int, user_ids: list[int]) -> int:
    """Tell each person of ``user_ids`` still mentioned by the comment, and still able to read its
    parent, once (the dedupe key is per comment and person). Mutes are respected by ``notification_send``."""
    comment = Comment.objects.select_related("author").filter(pk=comment_id, archived_at__isnull=True).first()
    if comment is None:
        return 0
    kind, parent = comment.parent_kind, comment.parent
    sent = 0
    for person in comment.mentions.filter(pk__in=user_ids, is_active=True).exclude(pk=comment.author_id):
        if not parent_readable_by(user=person, kind=kind, pk=parent.pk):
            continue
        with translation.override(getattr(person, "language", "") or settings.LANGUAGE_CODE):
            title = _(MSG_MENTION_TITLE).format(name=str(comment.author or "—"), record=record_label(parent))
        sent += bool(
            notification_send(
                recipient=person,
                kind=NotificationKind.MENTION,
                title=title,
                body=comment.body,
                url=f"{parent_url(kind, parent)}#comment-{comment.pk}",
                dedupe_key=f"mention:{comment.pk}:{person.pk}",
            )
        )
    return sent
