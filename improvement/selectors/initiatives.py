"""Reads of initiatives and their status updates and history, and who may read which initiative.

Every other area scopes its rows through ``initiative_visibility_filter`` and ``scope_to_readable``.
"""

import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Expression,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext_noop

from accounts.models import Membership, Team, User
from common.revision_cache import revision_cached, revision_name, revision_new_on_commit
from improvement.models import (
    OPEN_MILESTONE_STATUSES,
    Health,
    Initiative,
    Milestone,
    MilestoneStatus,
    Status,
    StatusUpdate,
)

STATUS_UPDATES_SHOWN = 20


class _IdInArrays(Expression):
    """``id = ANY(ARRAY(q1) || ARRAY(q2) || …)``, PostgreSQL only: each query runs once, through its
    own index, and the rows are then read by primary key."""

    output_field = BooleanField()

    def __init__(self, *queries: QuerySet) -> None:
        super().__init__()
        self.column = F("pk")
        self.queries = [Subquery(query) for query in queries]

    def get_source_expressions(self):
        return [self.column, *self.queries]

    def set_source_expressions(self, expressions):
        self.column, *self.queries = expressions

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        params = list(params)
        arrays = []
        for query in self.queries:
            sql, query_params = compiler.compile(query)
            arrays.append(f"ARRAY{sql}")
            params.extend(query_params)
        return f"{column} = ANY({' || '.join(arrays)})", params


def initiative_visibility_filter(*, user: User) -> Q | None:
    """The Q that limits initiatives to what ``user`` may read; None means everything.

    The ways in: a team of the user's, leading, sponsoring, being a member, owning a milestone.
    """
    if user.reads_everything:
        return None
    teams, others = _ways_in(user=user)
    if connection.vendor == "postgresql":
        # An OR of the ways in is one filter over every row: PostgreSQL scanned the whole table to
        # count a lead's list (23 ms at 100,000 initiatives, bench/). The ids of each way in, read by
        # their own index, then the rows by primary key: the cost follows the rows the user may read.
        return Q(_IdInArrays(Initiative.objects.order_by().values("pk").filter(team__in=teams), *others))
    # One small ``IN (subquery)`` per way in, no JOIN: an OR across joined tables cannot use an
    # index (a lead's list took 0.5 s in bench/), and without joins no row is repeated.
    return Q(team__in=teams) | functools.reduce(operator.or_, (Q(pk__in=ids) for ids in others))


def _ways_in(*, user: User) -> tuple[QuerySet, list[QuerySet]]:
    """The ids of ``user``'s teams, and the ids of the initiatives of each other way in: leading,
    sponsoring, being a member, owning a milestone."""
    ids = Initiative.objects.order_by().values("pk")
    return Membership.objects.filter(user=user).order_by().values("team_id"), [
        ids.filter(lead=user),
        ids.filter(sponsor=user),
        Initiative.members.through.objects.filter(user=user).order_by().values("initiative_id"),
        Milestone.objects.filter(owner=user).order_by().values("initiative_id"),
    ]


def initiative_list_by_way_in(*, user: User, include_archived: bool = False) -> list[QuerySet] | None:
    """``initiative_list(user=…)`` as two querysets whose union it is, for a reader of some on
    PostgreSQL: their teams' initiatives, and the other ways in's. None for anyone else.

    The first reads a team's live initiatives with their code and change marker from one index
    (``initiative_team_live_code``), where ``initiative_list`` checked each of their ids in the id
    index (bench/: a lead's page of 2,000 initiatives at 100,000, 4.25 → 1.83 ms)."""
    if user.reads_everything or connection.vendor != "postgresql":
        return None
    qs = _annotated(include_archived=include_archived, today=timezone.localdate()).all()
    teams, others = _ways_in(user=user)
    return [qs.filter(team__in=teams), qs.filter(Q(_IdInArrays(*others)))]


def initiative_readable(*, user: User, include_archived: bool = False) -> QuerySet[Initiative]:
    """The initiatives ``user`` may read, bare (no related rows, no counts)."""
    qs = Initiative.objects.all() if include_archived else Initiative.objects.active()
    visibility = initiative_visibility_filter(user=user)
    if visibility is not None:
        qs = qs.filter(visibility)
    return qs


def scope_to_readable(queryset: QuerySet, *, user: User) -> QuerySet:
    """Limit rows that belong to an initiative to those of initiatives ``user`` may read."""
    visibility = initiative_visibility_filter(user=user)
    if visibility is None:
        return queryset
    return queryset.filter(initiative__in=Initiative.objects.filter(visibility).values("pk"))


def initiative_list(*, user: User, include_archived: bool = False) -> QuerySet[Initiative]:
    qs = _annotated(include_archived=include_archived, today=timezone.localdate()).all()
    visibility = initiative_visibility_filter(user=user)
    return qs if visibility is None else qs.filter(visibility)


@functools.lru_cache(maxsize=8)
def _annotated(*, include_archived: bool, today: dt.date) -> QuerySet[Initiative]:
    """The list's related rows and milestone counts, built once per day and kept: resolving the three
    subqueries cost ~1.2 ms of CPU on every read, a copy of the built queryset ~0.02 ms. Never
    evaluated itself: ``initiative_list`` hands out copies (``.all()``), which QuerySet methods copy
    again before changing anything; the caller's visibility is filtered on the copy."""
    qs = Initiative.objects.all() if include_archived else Initiative.objects.active()
    return qs.select_related("team", "lead", "sponsor").annotate(
        milestones_total=_milestone_count(Q()),
        milestones_done=_milestone_count(Q(status=MilestoneStatus.DONE)),
        milestones_overdue=_milestone_count(Q(status__in=OPEN_MILESTONE_STATUSES, due_date__lt=today)),
    )


def _milestone_count(condition: Q) -> Coalesce:
    """The initiative's non-archived milestones matching ``condition``, counted per row.

    A correlated subquery rather than a JOIN + GROUP BY: a page of 100 counts the milestones of its
    100 rows only (through the initiative index), and ``count()`` drops it altogether. The JOIN made
    every page group all the initiatives' milestones first (bench/: 10,000 initiatives, 150,000
    milestones).
    """
    counted = (
        Milestone.objects.filter(condition, initiative=OuterRef("pk"), archived_at__isnull=True)
        .order_by()
        .values("initiative")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def initiative_member_ids(*, initiative_ids: Iterable[int]) -> dict[int, list[int]]:
    """The members' ids of each initiative, the ids alone (no user rows), each list in the order the
    ``members`` relation reads: ``User.Meta.ordering``, by email."""
    members: dict[int, list[int]] = {}
    pairs = (
        Initiative.members.through.objects.filter(initiative_id__in=list(initiative_ids))
        .order_by("user__email")
        .values_list("initiative_id", "user_id")
    )
    for initiative_id, user_id in pairs:
        members.setdefault(initiative_id, []).append(user_id)
    return members


def initiative_get(*, user: User, pk: int) -> Initiative:
    return initiative_list(user=user, include_archived=True).get(pk=pk)


def initiative_search(
    *,
    user: User,
    q: str = "",
    team: Team | None = None,
    stage: str = "",
    status: str = "",
    health: str = "",
    category: str = "",
    lead: User | None = None,
    at_risk: bool = False,
) -> QuerySet[Initiative]:
    qs = initiative_list(user=user)
    if q:
        qs = qs.filter(
            Q(code__icontains=q)
            | Q(title__icontains=q)
            | Q(problem_statement__icontains=q)
            | Q(smart_goal__icontains=q)
        )
    filters = {"team": team, "stage": stage, "status": status, "health": health, "category": category}
    qs = qs.filter(**{name: value for name, value in filters.items() if value})
    if lead is not None:
        qs = qs.filter(lead=lead)
    if at_risk:
        # The dashboard's "show all" of its at-risk list: the same rows in the same order.
        return initiative_list_at_risk(initiatives=qs)
    return qs.order_by("code")


def initiative_portfolio(
    *,
    user: User,
    team: Team | None = None,
    category: str = "",
    started_from: dt.date | None = None,
    q: str = "",
    stage: str = "",
    status: str = "",
    at_risk: bool = False,
) -> QuerySet[Initiative]:
    """The portfolio an executive reads: every initiative except abandoned ones."""
    qs = initiative_list(user=user).exclude(status=Status.ABANDONED)
    if team is not None:
        qs = qs.filter(team=team)
    if category:
        qs = qs.filter(category=category)
    if started_from is not None:
        qs = qs.filter(start_date__gte=started_from)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q))
    if stage:
        qs = qs.filter(stage=stage)
    if status:
        qs = qs.filter(status=status)
    if at_risk:
        qs = qs.filter(needs_attention())
    return qs.order_by("code")


# The one definition of "at risk" (the portfolio's list, "Needs your attention" on My work, the
# initiative list's filter), said on those pages in these words.
AT_RISK_DEFINITION = gettext_noop(
    "At risk: an active initiative whose lead reports it at risk or off track, "
    "or that has a milestone past its due date."
)


def needs_attention(*, today: dt.date | None = None) -> Q:
    """Active initiatives off track or at risk, or with overdue milestones (on ``initiative_list``).

    "Has an overdue milestone" asks for the first one (``LIMIT 1``, from ``milestone_live_due``)
    where the count the rows show (``milestones_overdue``) reads them all; a scalar subquery, not an
    ``EXISTS``, which PostgreSQL answered by hashing every open milestone of the organisation
    (bench/: the count at 100,000 initiatives, 124 → 42 ms by ``EXPLAIN ANALYZE``)."""
    overdue = Milestone.objects.filter(
        initiative=OuterRef("pk"),
        archived_at__isnull=True,
        status__in=OPEN_MILESTONE_STATUSES,
        due_date__lt=today or timezone.localdate(),
    )
    first_overdue = Subquery(overdue.order_by().values("initiative")[:1])
    return Q(status=Status.ACTIVE) & (~Q(health=Health.ON_TRACK) | Q(IsNull(first_overdue, False)))


def is_at_risk(*, status: str, health: str, milestones_overdue: int) -> bool:
    """``AT_RISK_DEFINITION`` for one row's plain values: the same test as ``needs_attention``."""
    return status == Status.ACTIVE and (health != Health.ON_TRACK or milestones_overdue > 0)


def initiative_list_at_risk(*, initiatives: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Those at risk (``AT_RISK_DEFINITION``), worst first: off track, at risk, then by overdue
    milestones."""
    severity = Case(
        When(health=Health.OFF_TRACK, then=Value(0)),
        When(health=Health.AT_RISK, then=Value(1)),
        default=Value(2),
    )
    return initiatives.filter(needs_attention()).order_by(severity, "-milestones_overdue", "code")


# The first rows at risk of a portfolio the same for all its readers, in the shared cache (a revision).
AT_RISK_ORDER = revision_name("at-risk-order")
AT_RISK_ORDER_CACHE_SECONDS = 300
# The at-risk order's classes, worst first (``initiative_list_at_risk``'s ``severity``).
_SEVERITY_CLASSES = (
    Q(health=Health.OFF_TRACK),
    Q(health=Health.AT_RISK),
    ~Q(health__in=[Health.OFF_TRACK, Health.AT_RISK]),
)


def initiative_at_risk_first(
    *, initiatives: QuerySet[Initiative], limit: int, cache_key: str | None = None
) -> list[Initiative]:
    """The first ``limit`` rows of ``initiative_list_at_risk``, in its order.

    One query per class of health, worst first, until ``limit`` rows are found: ordering the whole
    list by its overdue counts counted the overdue milestones of every initiative at risk
    (bench/: 15,700 at 100,000 initiatives, 230 ms), where the off-track ones alone usually fill
    the first rows.

    With a ``cache_key`` (a portfolio the same for every reader of it: readers of everything, by
    team and category), the rows' ids are kept in the shared cache for the day until an initiative
    or a milestone is written (``initiatives_at_risk_written``), and the rows are read by id. The
    ids are ordered alone (``_at_risk_ids``), the off-track ones read from ``initiative_active_health``;
    each still counts its overdue milestones (bench/: 1,774 at 100,000 initiatives, 7.2 ms, against
    1.0 ms for 177 at 10,000).
    """
    if cache_key is not None:
        today = timezone.localdate()
        ids = revision_cached(
            name=AT_RISK_ORDER,
            key=f"{cache_key}:{limit}:{today.isoformat()}",
            compute=lambda: _at_risk_ids(initiatives, limit),
            timeout=AT_RISK_ORDER_CACHE_SECONDS,
        )
        found = initiatives.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]
    return _first_at_risk(initiatives, limit, lambda found: found)


def _at_risk_ids(initiatives: QuerySet[Initiative], limit: int) -> list[int]:
    """The ids of ``initiative_at_risk_first``'s rows, in its order: ordered without reading the rows
    (no joins, no other counts), which are read by id after."""
    return _first_at_risk(initiatives, limit, lambda found: found.values_list("pk", flat=True))


def _first_at_risk(
    initiatives: QuerySet[Initiative], limit: int, read: Callable[[QuerySet], QuerySet]
) -> list:
    """The first ``limit`` of ``read`` over each class of health in turn, worst first, each ordered by
    its overdue milestones and code; a class is read only while rows are missing."""
    rows: list = []
    for severity in _SEVERITY_CLASSES:
        if len(rows) >= limit:
            break
        found = initiatives.filter(needs_attention(), severity).order_by("-milestones_overdue", "code")
        rows += read(found)[: limit - len(rows)]
    return rows


def initiatives_at_risk_written() -> None:
    """An initiative or a milestone was written: the at-risk order may have moved. The cached orders
    are dropped once the write commits."""
    revision_new_on_commit(AT_RISK_ORDER)


def initiative_list_led(*, user: User) -> list[Initiative]:
    """The active and on-hold initiatives ``user`` leads, each with the date of its last update."""
    last_update = StatusUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-date", "-id")
    return list(
        initiative_list(user=user)
        .filter(lead=user, status__in=[Status.ACTIVE, Status.ON_HOLD])
        .annotate(last_update_on=Subquery(last_update.values("date")[:1]))
        .order_by("code")
    )


def status_update_list(*, user: User) -> QuerySet[StatusUpdate]:
    return scope_to_readable(StatusUpdate.objects.select_related("author"), user=user)


def initiative_status_updates(
    *, initiative: Initiative, limit: int = STATUS_UPDATES_SHOWN
) -> list[StatusUpdate]:
    """The initiative's latest status updates (the page already checked the reader)."""
    return list(StatusUpdate.objects.filter(initiative=initiative).select_related("author")[:limit])
