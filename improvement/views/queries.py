"""Reads that only the site's pages need, scoped like improvement.selectors and N+1-proof.

Each function runs a fixed number of queries whatever the number of rows it returns.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone

from accounts.models import Team, User
from improvement.models import (
    OPEN_MILESTONE_STATUSES,
    Benefit,
    Cost,
    Health,
    Initiative,
    KpiTarget,
    Milestone,
    StageTransition,
    Status,
    StatusUpdate,
)
from improvement.progress import progress
from improvement.selectors import (
    initiative_list,
    initiative_visibility_filter,
    latest_values_of,
    milestone_list,
    target_list,
)
from kpis.models import Kpi, Measurement

# A lead's update older than this is flagged on "My work".
STATUS_UPDATE_STALE_DAYS = 14
ROADMAP_INITIATIVES_PER_PAGE = 25
HISTORY_LIMIT = 100
# Fields that change on every write or hold machine detail, not something a person decided.
HISTORY_HIDDEN_FIELDS = frozenset(
    {"id", "version", "created_at", "updated_at", "evaluation_detail", "overdue_since", "completed_at"}
)


def visible_initiatives(*, user: User) -> QuerySet[Initiative]:
    return initiative_list(user=user)


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
        return at_risk_first(qs)
    return qs.order_by("code")


def portfolio_query(
    *, user: User, team: Team | None = None, category: str = "", started_from: dt.date | None = None
) -> QuerySet[Initiative]:
    """The portfolio an executive reads: every initiative except abandoned ones."""
    qs = initiative_list(user=user).exclude(status=Status.ABANDONED)
    if team is not None:
        qs = qs.filter(team=team)
    if category:
        qs = qs.filter(category=category)
    if started_from is not None:
        qs = qs.filter(start_date__gte=started_from)
    return qs.order_by("code")


def portfolio_initiatives(**filters) -> list[Initiative]:
    return list(portfolio_query(**filters))


def needs_attention() -> Q:
    """Active initiatives off track or at risk, or with overdue milestones (on ``initiative_list``)."""
    return Q(status=Status.ACTIVE) & (~Q(health=Health.ON_TRACK) | Q(milestones_overdue__gt=0))


def at_risk_first(initiatives: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """Those needing attention, worst first: off track, at risk, then by overdue milestones."""
    severity = Case(
        When(health=Health.OFF_TRACK, then=Value(0)),
        When(health=Health.AT_RISK, then=Value(1)),
        default=Value(2),
    )
    return initiatives.filter(needs_attention()).order_by(severity, "-milestones_overdue", "code")


def target_progress_of(*, initiatives: QuerySet[Initiative]) -> list[tuple[int, float | None]]:
    """(target id, progress) of every target of ``initiatives``, worst progress first, no data last.

    Plain values and one latest value per (KPI, segment) series: the dashboard counts thousands
    of targets but shows a page of them.
    """
    targets = KpiTarget.objects.active().filter(initiative__in=initiatives.values("pk"))
    latest = latest_values_of(targets)
    rows = [
        (pk, progress(baseline=baseline, target=target, current=latest.get((kpi_id, segment))))
        for pk, kpi_id, segment, baseline, target in targets.values_list(
            "pk", "kpi_id", "segment", "baseline_value", "target_value"
        )
    ]
    return sorted(rows, key=lambda row: (row[1] is None, row[1] if row[1] is not None else 0, row[0]))


def targets_of(*, initiative_ids, target_ids=None) -> list[KpiTarget]:
    qs = target_list(initiative_ids=initiative_ids).select_related("initiative", "kpi")
    if target_ids is not None:
        qs = qs.filter(pk__in=target_ids)
    return list(qs)


def primary_target_kpi(*, initiative: Initiative) -> Kpi | None:
    """The KPI of the initiative's first primary target: what a new experiment most likely tests."""
    target = (
        KpiTarget.objects.active()
        .filter(initiative=initiative, is_primary=True)
        .select_related("kpi")
        .order_by("id")
        .first()
    )
    return target.kpi if target else None


def series_of(*, targets: list[KpiTarget]) -> dict[tuple[int, str], list[tuple[dt.date, float]]]:
    """Each target's KPI series (one value per period, the mean over sources), in one query."""
    series: dict[tuple[int, str], list[tuple[dt.date, float]]] = {(t.kpi_id, t.segment): [] for t in targets}
    if not targets:
        return series
    condition = Q()
    for kpi_id, segment in series:
        condition |= Q(kpi_id=kpi_id, segment=segment)
    rows = (
        Measurement.objects.filter(condition)
        .values("kpi_id", "segment", "period")
        .annotate(mean=Avg("value"))
        .order_by("kpi_id", "segment", "period")
    )
    for row in rows:
        series[(row["kpi_id"], row["segment"])].append((row["period"], row["mean"]))
    return series


def milestones_of(*, initiative: Initiative) -> list[Milestone]:
    return list(
        Milestone.objects.active()
        .filter(initiative=initiative)
        .select_related("owner", "initiative")
        .order_by("due_date", "id")
    )


def owner_choices(*, initiative: Initiative) -> QuerySet[User]:
    """People who can own a milestone: the team, the lead and the initiative's members."""
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(memberships__team_id=initiative.team_id) | Q(pk=initiative.lead_id) | Q(initiatives=initiative)
        )
        .distinct()
        .order_by("full_name", "email")
    )


def money_lines_of(*, initiative: Initiative) -> tuple[list[Cost], list[Benefit]]:
    costs = list(Cost.objects.active().filter(initiative=initiative).order_by("kind", "id"))
    benefits = list(
        Benefit.objects.active().filter(initiative=initiative).select_related("validated_by").order_by("id")
    )
    return costs, benefits


def status_updates_of(*, initiative: Initiative, limit: int = 20) -> list[StatusUpdate]:
    return list(StatusUpdate.objects.filter(initiative=initiative).select_related("author")[:limit])


def transitions_of(*, initiative: Initiative) -> list[StageTransition]:
    return list(StageTransition.objects.filter(initiative=initiative).select_related("actor"))


def roadmap_milestones(
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
    qs = milestone_list(user=user).filter(
        initiative__status=Status.ACTIVE, initiative__archived_at__isnull=True
    )
    in_window = Q(due_date__gte=start, due_date__lte=end)
    overdue_before = Q(due_date__lt=min(start, today), status__in=OPEN_MILESTONE_STATUSES)
    qs = qs.filter(in_window | overdue_before)
    if team is not None:
        qs = qs.filter(initiative__team=team)
    if owner is not None:
        qs = qs.filter(owner=owner)
    initiatives = qs.order_by("initiative__code").values_list("initiative__code", "initiative_id").distinct()
    shown = Paginator(initiatives, ROADMAP_INITIATIVES_PER_PAGE).get_page(page)
    milestones = qs.filter(initiative_id__in=[pk for _, pk in shown.object_list])
    return shown, list(milestones.order_by("initiative__code", "due_date", "id"))


def milestone_owners(*, user: User) -> QuerySet[User]:
    visible = milestone_list(user=user).filter(initiative__status=Status.ACTIVE).values("owner_id")
    return User.objects.filter(pk__in=visible).order_by("full_name", "email")


def led_initiatives(*, user: User) -> list[Initiative]:
    last_update = StatusUpdate.objects.filter(initiative=OuterRef("pk")).order_by("-date", "-id")
    return list(
        initiative_list(user=user)
        .filter(lead=user, status__in=[Status.ACTIVE, Status.ON_HOLD])
        .annotate(last_update_on=Subquery(last_update.values("date")[:1]))
        .order_by("code")
    )


def benefits_awaiting_validation(*, user: User) -> list[Benefit]:
    qs = Benefit.objects.active().filter(validated=False, initiative__archived_at__isnull=True)
    visibility = initiative_visibility_filter(user)
    if visibility is not None:
        qs = qs.filter(initiative__in=Initiative.objects.filter(visibility).values("pk"))
    return list(qs.select_related("initiative").order_by("initiative__code", "id"))


def initiatives_needing_attention(*, user: User) -> list[Initiative]:
    """What an executive may need to unblock: off-track initiatives, and at-risk ones they sponsor.

    Failed gate attempts are not stored, so health is the signal that a gate override or a decision
    may be needed.
    """
    return list(
        initiative_list(user=user)
        .filter(status=Status.ACTIVE)
        .filter(Q(health=Health.OFF_TRACK) | Q(health=Health.AT_RISK, sponsor=user))
        .order_by("code")
    )


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


def history_entries(*, initiative: Initiative, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
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


def milestone_get(*, user: User, pk: int) -> Milestone:
    return milestone_list(user=user).get(pk=pk)


def benefit_get(*, user: User, pk: int) -> Benefit:
    qs = Benefit.objects.active().select_related("initiative")
    visibility = initiative_visibility_filter(user)
    if visibility is not None:
        qs = qs.filter(initiative__in=Initiative.objects.filter(visibility).values("pk"))
    return qs.get(pk=pk)


def calendar_milestones(*, owner: User, since: dt.date) -> list[Milestone]:
    return list(
        Milestone.objects.active()
        .filter(owner=owner, due_date__gte=since, initiative__archived_at__isnull=True)
        .select_related("initiative")
        .order_by("due_date", "id")
    )
