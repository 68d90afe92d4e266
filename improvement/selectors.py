"""Reads of the improvement domain, scoped to the requesting user and N+1-proof."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from improvement.models import (
    OPEN_MILESTONE_STATUSES,
    Initiative,
    KpiTarget,
    Milestone,
    MilestoneStatus,
    StatusUpdate,
)
from improvement.progress import clamped_progress, improvement_amount, progress
from kpis.models import Measurement


def initiative_visibility_filter(user: User) -> Q | None:
    """The Q that limits initiatives to what ``user`` may read; None means everything."""
    if user.reads_everything:
        return None
    return (
        Q(team__memberships__user=user)
        | Q(lead=user)
        | Q(sponsor=user)
        | Q(members=user)
        | Q(milestones__owner=user)
    )


def initiative_list(*, user: User, include_archived: bool = False) -> QuerySet[Initiative]:
    qs = Initiative.objects.all() if include_archived else Initiative.objects.active()
    visibility = initiative_visibility_filter(user)
    if visibility is not None:
        qs = qs.filter(pk__in=Initiative.objects.filter(visibility).values("pk"))
    today = timezone.localdate()
    open_milestones = Q(milestones__archived_at__isnull=True)
    return qs.select_related("team", "lead", "sponsor").annotate(
        milestones_total=Count("milestones", filter=open_milestones, distinct=True),
        milestones_done=Count(
            "milestones", filter=open_milestones & Q(milestones__status=MilestoneStatus.DONE), distinct=True
        ),
        milestones_overdue=Count(
            "milestones",
            filter=open_milestones
            & Q(milestones__status__in=OPEN_MILESTONE_STATUSES, milestones__due_date__lt=today),
            distinct=True,
        ),
    )


def initiative_get(*, user: User, pk: int) -> Initiative:
    return initiative_list(user=user, include_archived=True).get(pk=pk)


def latest_value_subquery(kpi_ref: str = "kpi_id", segment_ref: str = "segment"):
    return Subquery(
        Measurement.objects.filter(kpi_id=OuterRef(kpi_ref), segment=OuterRef(segment_ref))
        .order_by("-period", "-updated_at")
        .values("value")[:1]
    )


def target_list(*, initiative_ids=None) -> QuerySet[KpiTarget]:
    qs = KpiTarget.objects.active().select_related("kpi").annotate(current_value=latest_value_subquery())
    if initiative_ids is not None:
        qs = qs.filter(initiative_id__in=initiative_ids)
    return qs


@dataclass(frozen=True)
class TargetProgress:
    target: KpiTarget
    current: float | None
    progress: float | None
    progress_clamped: float | None
    improvement: float | None


def target_progress(target: KpiTarget) -> TargetProgress:
    """Progress of a target fetched through ``target_list`` (which annotates ``current_value``)."""
    current = getattr(target, "current_value", None)
    raw = progress(baseline=target.baseline_value, target=target.target_value, current=current)
    return TargetProgress(
        target=target,
        current=current,
        progress=raw,
        progress_clamped=clamped_progress(raw),
        improvement=improvement_amount(
            baseline=target.baseline_value, current=current, higher_is_better=target.kpi.higher_is_better
        ),
    )


def milestone_list(*, user: User) -> QuerySet[Milestone]:
    qs = Milestone.objects.active().select_related("initiative", "owner", "initiative__team")
    visibility = initiative_visibility_filter(user)
    if visibility is not None:
        qs = qs.filter(initiative__in=Initiative.objects.filter(visibility).values("pk"))
    return qs.prefetch_related(Prefetch("dependencies", queryset=Milestone.objects.only("id", "title")))


def my_milestones(*, user: User, today: dt.date | None = None) -> list[Milestone]:
    """The user's open milestones, overdue first, then by due date."""
    today = today or timezone.localdate()
    rows = list(
        Milestone.objects.active()
        .filter(owner=user, status__in=OPEN_MILESTONE_STATUSES)
        .select_related("initiative")
        .order_by("due_date", "id")
    )
    return sorted(rows, key=lambda m: (not m.is_overdue(today=today), m.due_date))


def status_feed(*, initiative: Initiative) -> QuerySet[StatusUpdate]:
    return StatusUpdate.objects.filter(initiative=initiative).select_related("author")
