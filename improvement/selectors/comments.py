"""Reads of comments and attachments, always scoped through their parent's own user-scoped selector.

Initiatives are read through the initiative selectors, milestones and experiments through their
initiative, ideas through ``idea_list``: a comment or a file is visible exactly when its parent is.
"""

from dataclasses import dataclass

from django.db.models import Model, Prefetch, Q, QuerySet

from accounts.models import Role, User
from improvement.models import PARENT_FIELDS, Attachment, Comment, Experiment, Idea, Initiative, Milestone
from improvement.selectors.ideas import idea_list
from improvement.selectors.initiatives import initiative_readable

# The comments a page of a thread shows (on its own conversation page), and the newest a record's
# page shows at its foot: 20 keep the record page light (rendering costs ~1 ms a comment); older
# ones are a page away.
THREAD_PAGE = 50
RECORD_PAGE_COMMENTS = 20
PEOPLE_FIELDS = ("id", "email", "full_name", "is_active")


KIND_OF = {Initiative: "initiative", Idea: "idea", Milestone: "milestone", Experiment: "experiment"}


def parent_kind(parent: Model) -> str:
    """Which of PARENT_FIELDS ``parent`` is."""
    return KIND_OF[type(parent)]


def can_post(user: User) -> bool:
    """Whether ``user``'s role may comment and attach (reading the parent is checked on the parent)."""
    return user.is_active and (user.is_superuser or user.role != Role.VIEWER)


def parent_queryset(*, user: User, kind: str) -> QuerySet:
    """The records of ``kind`` (one of PARENT_FIELDS) that ``user`` may read, bare."""
    if kind == "initiative":
        return initiative_readable(user=user)
    if kind == "idea":
        return idea_list(user=user)
    readable = initiative_readable(user=user).values("pk")
    if kind == "milestone":
        return Milestone.objects.active().filter(initiative__in=readable).select_related("initiative")
    if kind == "experiment":
        return Experiment.objects.active().filter(initiative__in=readable).select_related("initiative")
    raise ValueError(kind)


def parent_get(*, user: User, kind: str, pk: int) -> Model:
    """The parent ``kind``/``pk`` if ``user`` may read it (``DoesNotExist`` otherwise)."""
    return parent_queryset(user=user, kind=kind).get(pk=pk)


def parent_readable_by(*, user: User, kind: str, pk: int) -> bool:
    return user.is_active and parent_queryset(user=user, kind=kind).filter(pk=pk).exists()


def _readable_parents(*, user: User) -> Q:
    """Rows (comments or attachments) whose parent ``user`` may read: one subquery per kind of parent."""
    readable = Q(pk__in=[])
    for kind in PARENT_FIELDS:
        readable |= Q(**{f"{kind}__in": parent_queryset(user=user, kind=kind).values("pk")})
    return readable


def comment_list(*, user: User, include_archived: bool = True) -> QuerySet[Comment]:
    """Comments on what ``user`` may read (archived ones too: they show as removed), with their people."""
    qs = Comment.objects.all() if include_archived else Comment.objects.active()
    return (
        qs.filter(_readable_parents(user=user))
        .select_related("author")
        .prefetch_related(
            Prefetch("mentions", queryset=User.objects.only("id", "email", "full_name")),
            Prefetch("attachments", queryset=Attachment.objects.active().order_by("id")),
        )
    )


def attachment_list(*, user: User, include_archived: bool = False) -> QuerySet[Attachment]:
    qs = Attachment.objects.all() if include_archived else Attachment.objects.active()
    return qs.filter(_readable_parents(user=user)).select_related("uploaded_by")


def _author_fields() -> list[str]:
    return [f"author__{name}" for name in PEOPLE_FIELDS]


@dataclass(frozen=True)
class Thread:
    kind: str
    parent: Model
    comments: list[Comment]
    # Files attached to the record itself, not to one comment.
    files: list[Attachment]
    # The id to ask ``before=`` for the previous page, None when this is the oldest.
    older_before: int | None


def comment_thread(
    *, kind: str, parent: Model, before: int | None = None, limit: int = THREAD_PAGE
) -> Thread:
    """A parent's newest ``limit`` comments (before comment ``before``), oldest first, with their
    authors, mentions and files, and the parent's own files: four queries whatever the thread's length.

    The caller has fetched ``parent`` through ``parent_get`` (its reader is checked).
    """
    qs = Comment.objects.filter(**{kind: parent})
    if before is not None:
        qs = qs.filter(pk__lt=before)
    page = list(
        qs.select_related("author")
        .only(
            "id", "body", "created_at", "edited_at", "archived_at", "author_id", "version", *_author_fields()
        )
        .prefetch_related(
            Prefetch("mentions", queryset=User.objects.only(*PEOPLE_FIELDS)),
            Prefetch("attachments", queryset=Attachment.objects.active().order_by("id")),
        )
        .order_by("-created_at", "-id")[: limit + 1]
    )
    older = page[limit - 1].pk if len(page) > limit else None
    comments = list(reversed(page[:limit]))
    files = list(
        Attachment.objects.active()
        .filter(**{kind: parent}, comment__isnull=True)
        .select_related("uploaded_by")
        .order_by("id")
    )
    return Thread(kind=kind, parent=parent, comments=comments, files=files, older_before=older)
