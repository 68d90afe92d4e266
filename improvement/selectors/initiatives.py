"""Reads of initiatives and their status updates and history, and who may read which initiative.

Every other area scopes its rows through ``initiative_visibility_filter`` and ``scope_to_readable``.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Membership, Team, User
from improvement.models import (
    OPEN_MILESTONE_STATUSES,
    Benefit,
    Cost,
    Health,
    Initiative,
    KpiTarget,
    Milestone,
    MilestoneStatus,
    Status,
    StatusUpdate,
)
from kpis.models import Kpi

HISTORY_LIMIT = 100
# Fields that change on every write or hold machine detail, not something a person decided.
HISTORY_HIDDEN_FIELDS = frozenset(
    {"id", "version", "created_at", "updated_at", "evaluation_detail", "overdue_since", "completed_at"}
)
STATUS_UPDATES_SHOWN = 20


def initiative_visibility_filter(*, user: User) -> Q | None:
    """The Q that limits initiatives to what ``user`` may read; None means everything."""
    if user.reads_everything:
        return None
    # One small ``IN (subquery)`` per way in, no JOIN: an OR across joined tables cannot use an
    # index (a lead's list took 0.5 s in bench/), and without joins no row is repeated.
    return (
        Q(team__in=Membership.objects.filter(user=user).values("team_id"))
        | Q(lead=user)
        | Q(sponsor=user)
        | Q(pk__in=Initiative.members.through.objects.filter(user=user).values("initiative_id"))
        | Q(pk__in=Milestone.objects.filter(owner=user).values("initiative_id"))
    )


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
    qs = initiative_readable(user=user, include_archived=include_archived)
    today = timezone.localdate()
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
        .annotate(n=Count("pk"))
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
        qs = qs.filter(_needs_attention())
    return qs.order_by("code")


# The one definition of "at risk" (the portfolio's list, "Needs your attention" on My work, the
# initiative list's filter), said on those pages in these words.
AT_RISK_DEFINITION = (
    "At risk: an active initiative whose lead reports it at risk or off track, "
    "or that has a milestone past its due date."
)


def _needs_attention() -> Q:
    """Active initiatives off track or at risk, or with overdue milestones (on ``initiative_list``)."""
    return Q(status=Status.ACTIVE) & (~Q(health=Health.ON_TRACK) | Q(milestones_overdue__gt=0))


def initiative_list_at_risk(*, initiatives: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Those at risk (``AT_RISK_DEFINITION``), worst first: off track, at risk, then by overdue
    milestones."""
    severity = Case(
        When(health=Health.OFF_TRACK, then=Value(0)),
        When(health=Health.AT_RISK, then=Value(1)),
        default=Value(2),
    )
    return initiatives.filter(_needs_attention()).order_by(severity, "-milestones_overdue", "code")


def initiative_list_led(*, user: User) -> list[Initiative]:
    """The active and on-hold initiatives ``user`` leads, each with the date of its last update."""
    last_update = StatusUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-date", "-id")
    return list(
        initiative_list(user=user)
        .filter(lead=user, status__in=[Status.ACTIVE, Status.ON_HOLD])
        .annotate(last_update_on=Subquery(last_update.values("date")[:1]))
        .order_by("code")
    )


def initiative_list_needing_attention(*, user: User) -> QuerySet[Initiative]:
    """What an executive may need to unblock: the portfolio's at-risk list, the same rows in the
    same order (``AT_RISK_DEFINITION``)."""
    return initiative_list_at_risk(initiatives=initiative_portfolio(user=user))


def status_update_list(*, user: User) -> QuerySet[StatusUpdate]:
    return scope_to_readable(StatusUpdate.objects.select_related("author"), user=user)


def initiative_status_updates(
    *, initiative: Initiative, limit: int = STATUS_UPDATES_SHOWN
) -> list[StatusUpdate]:
    """The initiative's latest status updates (the page already checked the reader)."""
    return list(StatusUpdate.objects.filter(initiative=initiative).select_related("author")[:limit])


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: User | None
    subject: str
    action: str
    changes: list[Change] = field(default_factory=list)


def _display(value, model_field, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _related_names(records) -> dict:
    wanted: dict[type, set] = defaultdict(set)
    for record in records:
        for model_field in record.tracked_fields:
            value = getattr(record, model_field.attname, None)
            if model_field.is_relation and value is not None and model_field.name != "initiative":
                wanted[model_field.related_model].add(value)
    names = {}
    for model, ids in wanted.items():
        if model in (User, Team, Kpi):
            for obj in model._default_manager.filter(pk__in=ids):
                names[(model, obj.pk)] = str(obj)
    return names


def _subject(record, kind: str) -> str:
    label = getattr(record, "title", None) or getattr(record, "description", None)
    if kind == "KPI target":
        return kind
    return f"{kind} “{label}”" if label and kind != "Initiative" else kind


def initiative_history(*, initiative: Initiative, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """Who changed what and when: the initiative, its targets, milestones and money lines."""
    sources = [
        ("Initiative", Initiative.history.filter(id=initiative.pk)),
        ("KPI target", KpiTarget.history.filter(initiative_id=initiative.pk)),
        ("Milestone", Milestone.history.filter(initiative_id=initiative.pk)),
        ("Cost", Cost.history.filter(initiative_id=initiative.pk)),
        ("Benefit", Benefit.history.filter(initiative_id=initiative.pk)),
    ]
    fetched = [
        (kind, list(qs.select_related("history_user").order_by("id", "history_date", "history_id")))
        for kind, qs in sources
    ]
    names = _related_names(record for _, records in fetched for record in records)
    entries: list[HistoryEntry] = []
    for kind, records in fetched:
        previous = None
        for record in records:
            if previous is None or previous.id != record.id or record.history_type == "+":
                entries.append(
                    HistoryEntry(record.history_date, record.history_user, _subject(record, kind), "created")
                )
                previous = record
                continue
            changes = []
            for model_field in record.tracked_fields:
                if model_field.name in HISTORY_HIDDEN_FIELDS or model_field.name == "initiative":
                    continue
                old = getattr(previous, model_field.attname, None)
                new = getattr(record, model_field.attname, None)
                if old != new:
                    changes.append(
                        Change(
                            str(model_field.verbose_name).capitalize(),
                            _display(old, model_field, names),
                            _display(new, model_field, names),
                        )
                    )
            previous = record
            if not changes:
                continue
            archived = any(c.field == "Archived at" and c.old == "—" for c in changes)
            entries.append(
                HistoryEntry(
                    record.history_date,
                    record.history_user,
                    _subject(record, kind),
                    "archived" if archived else "changed",
                    [] if archived else changes,
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]
