"""Reads of milestones: lists, the roadmap window, a person's open work and calendar feed."""

import datetime as dt

from django.core.paginator import Page
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Team, User
from accounts.selectors import user_labels
from common.paging import BoundedCountPaginator
from common.revision_cache import revision_cached, revision_name, revision_new_on_commit
from improvement.models import OPEN_MILESTONE_STATUSES, Initiative, Milestone, Status
from improvement.selectors.initiatives import initiative_readable, scope_to_readable

ROADMAP_INITIATIVES_PER_PAGE = 25
# The roadmap counts its initiatives up to this many ("more than 250"), or past the page asked for.
ROADMAP_COUNTED_UP_TO = 250
# The owner filter's choices for readers of every initiative, in the shared cache (a revision's name).
OWNERS = revision_name("roadmap-owners")
OWNERS_CACHE_SECONDS = 300


def milestone_list(*, user: User, include_archived: bool = False) -> QuerySet[Milestone]:
    qs = Milestone.objects.all() if include_archived else Milestone.objects.active()
    qs = scope_to_readable(qs.select_related("initiative", "owner", "initiative__team"), user=user)
    return qs.prefetch_related(Prefetch("dependencies", queryset=Milestone.objects.only("id", "title")))


def milestone_get(*, user: User, pk: int) -> Milestone:
    return milestone_list(user=user).get(pk=pk)


def initiative_milestones(*, initiative: Initiative) -> list[Milestone]:
    """The initiative's milestones by due date (the page already checked the reader)."""
    return list(
        Milestone.objects.active()
        .filter(initiative=initiative)
        .select_related("owner", "initiative")
        .order_by("due_date", "id")
    )


def milestone_list_owned(*, user: User, today: dt.date | None = None) -> list[Milestone]:
    """The user's open milestones, overdue first, then by due date."""
    today = today or timezone.localdate()
    rows = list(
        Milestone.objects.active()
        .filter(owner=user, status__in=OPEN_MILESTONE_STATUSES)
        .select_related("initiative")
        .order_by("due_date", "id")
    )
    return sorted(rows, key=lambda m: (not m.is_overdue(today=today), m.due_date))


def milestone_calendar(*, owner: User, since: dt.date) -> list[Milestone]:
    """The milestones of ``owner`` due from ``since`` on, in any status, for their calendar feed."""
    return list(
        Milestone.objects.active()
        .filter(owner=owner, due_date__gte=since, initiative__archived_at__isnull=True)
        .select_related("initiative")
        .order_by("due_date", "id")
    )


def milestone_roadmap(
    *,
    user: User,
    start: dt.date,
    end: dt.date,
    team: Team | None = None,
    owner: User | None = None,
    page: str | int | None = None,
) -> tuple[Page, list[Milestone]]:
    """Milestones of active initiatives due in the window, plus open ones already overdue before it.

    Paginated by initiative (``ROADMAP_INITIATIVES_PER_PAGE`` by code): the page of initiatives, and the
    milestones of those only. A whole organisation's window is thousands of rows (bench/).
    """
    today = timezone.localdate()
    shown_milestones = Q(due_date__gte=start, due_date__lte=end) | Q(
        due_date__lt=min(start, today), status__in=OPEN_MILESTONE_STATUSES
    )
    if owner is not None:
        shown_milestones &= Q(owner=owner)
    # The page of initiatives walks the initiatives by code and asks each for one milestone shown
    # (through ``milestone_live_due``), so a page reads its 25 initiatives, not every milestone of
    # the window; the count asks the same of each active initiative. Grouping the window's
    # milestones by initiative read all of them for every page (bench/: 27 ms at 100,000
    # initiatives for the page, 108 ms for the count). The count stops at ``ROADMAP_COUNTED_UP_TO``
    # (or one page past the page asked for): asked of every active initiative it took 45-53 ms at
    # 100,000 initiatives.
    initiatives = initiative_readable(user=user).filter(
        Exists(Milestone.objects.active().filter(shown_milestones, initiative=OuterRef("pk"))),
        status=Status.ACTIVE,
    )
    if team is not None:
        initiatives = initiatives.filter(team=team)
    shown = BoundedCountPaginator(
        initiatives.order_by("code").values_list("code", "pk"),
        ROADMAP_INITIATIVES_PER_PAGE,
        asked=page,
        count_at_least=ROADMAP_COUNTED_UP_TO,
    ).get_page(page)
    milestones = milestone_list(user=user).filter(
        shown_milestones, initiative_id__in=[pk for _, pk in shown.object_list]
    )
    return shown, list(milestones.order_by("initiative__code", "due_date", "id"))


def milestone_owner_list(*, user: User) -> QuerySet[User]:
    """Owners of the milestones of active initiatives ``user`` may read: the roadmap's filter.

    Each person is asked for one such milestone (a scalar subquery with ``LIMIT 1``, through the
    owner index), which PostgreSQL cannot turn into a join: as an ``IN`` or ``EXISTS`` it hashed
    every milestone of every active initiative (bench/: at 100,000 initiatives, 309 → 39 ms as the
    page reads the choices).
    """
    one_owned = (
        milestone_list(user=user)
        .filter(owner=OuterRef("pk"), initiative__status=Status.ACTIVE)
        .order_by()
        .values("pk")[:1]
    )
    return (
        User.objects.alias(owns_a_milestone=Subquery(one_owned))
        .filter(owns_a_milestone__isnull=False)
        .only("pk", "full_name", "email")  # what the filter's choices show (get_full_name)
        .order_by("full_name", "email")
    )


def milestone_owner_labels(*, user: User) -> list[tuple[int, str]]:
    """``milestone_owner_list`` as (id, name) pairs, for the filter's choices.

    For a reader of every initiative they are the same for all such readers, and kept in the shared
    cache until a milestone, an initiative or a person is written (``milestone_owners_written``):
    the list asks every person of the organisation for a milestone (bench/: 5,000 people at 100,000
    initiatives, 17 ms).
    """

    def labels() -> list[tuple[int, str]]:
        return user_labels(milestone_owner_list(user=user))

    if not user.reads_everything:
        return labels()
    return revision_cached(name=OWNERS, key="everyone", compute=labels, timeout=OWNERS_CACHE_SECONDS)


def milestone_owners_written() -> None:
    """A write may have changed who owns a milestone of an active initiative, or their name: the
    cached choices are dropped once the write commits."""
    revision_new_on_commit(OWNERS)


def milestone_owner_choices(*, initiative: Initiative) -> QuerySet[User]:
    """People who can own a milestone: the team, the lead and the initiative's members."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__team_id=initiative.team_id) | Q(pk=initiative.lead_id) | Q(initiatives=initiative)
        )
        .distinct()
        .order_by("full_name", "email")
    )
