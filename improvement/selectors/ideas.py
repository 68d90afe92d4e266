"""Reads of ideas, scoped to the person asking."""

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from improvement.models import Idea, IdeaStatus
from kpis.models import KpiAlert

TRIAGE_COLUMNS = (
    "title",
    "status",
    "breakpoint_type",
    "value",
    "difficulty",
    "segment",
    "created_at",
    "team",
    "kpi",
    "submitted_by",
)
# Recent alerts the KPI page lists, each with its "Start an improvement" button.
RECENT_ALERTS = 10


def _visible(user) -> Q:
    """Every idea past draft, and the user's own drafts."""
    return ~Q(status=IdeaStatus.DRAFT) | Q(submitted_by=user)


def idea_list(*, user, include_archived: bool = False) -> QuerySet[Idea]:
    """The ideas ``user`` may see: every idea past draft, and their own drafts."""
    ideas = Idea.objects.all() if include_archived else Idea.objects.active()
    return ideas.filter(_visible(user)).select_related(
        "kpi", "team", "submitted_by", "decided_by", "initiative", "merged_into"
    )


def _filtered(
    ideas: QuerySet[Idea],
    *,
    user,
    team=None,
    kpi=None,
    breakpoint_type: str = "",
    mine: bool = False,
    q: str = "",
) -> QuerySet[Idea]:
    if team is not None:
        ideas = ideas.filter(team=team)
    if kpi is not None:
        ideas = ideas.filter(kpi=kpi)
    if breakpoint_type:
        ideas = ideas.filter(breakpoint_type=breakpoint_type)
    if mine:
        ideas = ideas.filter(submitted_by=user)
    q = (q or "").strip()
    if q:
        ideas = ideas.filter(Q(title__icontains=q) | Q(problem__icontains=q))
    return ideas


def idea_triage(*, user, status: str = "", **filters) -> QuerySet[Idea]:
    """The triage list: the ideas ``user`` sees, filtered, newest first.

    Filters: ``status``, ``team``, ``kpi``, ``breakpoint_type``, ``mine`` (submitted by ``user``) and
    ``q`` (in the title or the problem).
    """
    # Only what a row of the list shows is read: a search that matches most ideas sorts narrow rows.
    # The team, KPI and submitter of a page's rows are read apart (by id): joined, a search that the
    # planner believes rare but that matches most ideas ran a nested loop over every match (0.3 s
    # at 50,000 ideas).
    ideas = (
        Idea.objects.active()
        .filter(_visible(user))
        .only(*TRIAGE_COLUMNS)
        .prefetch_related("kpi", "team", "submitted_by")
    )
    ideas = _filtered(ideas, user=user, **filters)
    if status:
        ideas = ideas.filter(status=status)
    return ideas.order_by("-created_at", "-id")


def idea_triage_total(counts: dict[str, int], *, status: str = "") -> int:
    """How many ideas the triage list holds, from ``idea_status_counts`` of the same filters (the
    list's own COUNT would scan the same rows again)."""
    return counts.get(status, 0) if status else sum(counts.values())


def idea_status_counts(*, user, **filters) -> dict[str, int]:
    """How many of the filtered ideas are in each status (every status named, 0 when none): one query."""
    ideas = _filtered(Idea.objects.active().filter(_visible(user)), user=user, **filters)
    counts = dict.fromkeys(IdeaStatus.values, 0)
    for row in ideas.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def idea_merged_duplicates(*, idea: Idea, user) -> list[Idea]:
    """The ideas merged into ``idea`` that ``user`` may see."""
    return list(idea_list(user=user).filter(merged_into=idea).order_by("pk"))


def idea_merge_candidates(*, idea: Idea, user) -> QuerySet[Idea]:
    """Ideas ``idea`` may be merged into: submitted or accepted ones other than itself, newest first."""
    return (
        idea_list(user=user)
        .filter(status__in=[IdeaStatus.SUBMITTED, IdeaStatus.ACCEPTED])
        .exclude(pk=idea.pk)
        .order_by("-created_at", "-id")
    )


def idea_open_drafts_for_alerts(*, user: User, alert_ids: list[int]) -> dict[int, Idea]:
    """``user``'s open drafts started from these alerts, by alert id."""
    drafts = Idea.objects.active().filter(alert_id__in=alert_ids, submitted_by=user, status=IdeaStatus.DRAFT)
    return {idea.alert_id: idea for idea in drafts.order_by("-pk")}


def kpi_alert_list(*, kpi=None, segment: str | None = None) -> QuerySet[KpiAlert]:
    """KPI alerts, newest first (every signed-in person reads KPIs and their alerts)."""
    alerts = KpiAlert.objects.select_related("kpi")
    if kpi is not None:
        alerts = alerts.filter(kpi=kpi)
    if segment is not None:
        alerts = alerts.filter(segment=segment)
    return alerts.order_by("-created_at", "-id")
