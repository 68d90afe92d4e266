"""Reads of stage transitions and of what a stage move depends on."""

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User
from improvement.models import Initiative, Milestone, StageTransition
from improvement.models.roadmap import OPEN_MILESTONE_STATUSES
from improvement.selectors.initiatives import scope_to_readable
from improvement.selectors.targets import target_list, target_progress
from kpis.catalogue import display_name

# How many open milestones a warning names before it says "and N more".
NAMED_MILESTONES = 5


def transition_list(*, user: User) -> QuerySet[StageTransition]:
    return scope_to_readable(StageTransition.objects.select_related("actor"), user=user)


def initiative_transitions(*, initiative: Initiative) -> list[StageTransition]:
    """The initiative's stage moves (the page already checked the reader)."""
    return list(StageTransition.objects.filter(initiative=initiative).select_related("actor"))


def _open_milestones(initiative: Initiative) -> QuerySet[Milestone]:
    return (
        Milestone.objects.active()
        .filter(initiative=initiative, status__in=OPEN_MILESTONE_STATUSES)
        .order_by("due_date", "id")
    )


def milestone_first_without_owner(*, initiative: Initiative) -> Milestone | None:
    """The open milestone that most urgently needs an owner (the Plan → Do gate's fix)."""
    return _open_milestones(initiative).filter(owner__isnull=True).first()


@dataclass(frozen=True)
class OpenWork:
    """What is still open when a lead ends the initiative: milestones not done, targets not reached."""

    milestones: list[str]
    milestones_total: int
    # (KPI name, progress in whole percent or None when nothing is measured yet)
    targets: list[tuple[str, int | None]]

    @property
    def items(self) -> list[str]:
        items = []
        if self.milestones_total:
            named = ", ".join(f"“{title}”" for title in self.milestones)
            more = self.milestones_total - len(self.milestones)
            noun = "milestone is" if self.milestones_total == 1 else "milestones are"
            items.append(
                f"{self.milestones_total} {noun} not done ({named}{f' and {more} more' if more else ''})"
            )
        for name, percent in self.targets:
            if percent is None:
                items.append(f"{name} has no measurement yet")
            else:
                items.append(f"{name} is at {percent}\u00a0% of the way to its target")
        return items


def initiative_open_work(*, initiative: Initiative) -> OpenWork:
    """Milestones not done (planned, in progress, blocked) and targets short of their target value."""
    milestones = _open_milestones(initiative)
    targets = []
    for target in target_list(initiative_ids=[initiative.pk]).order_by("-is_primary", "id"):
        row = target_progress(target=target)
        if row.progress is None:
            targets.append((display_name(target.kpi.name), None))
        elif row.progress < 1:
            targets.append((display_name(target.kpi.name), round(row.progress * 100)))
    return OpenWork(
        milestones=list(milestones.values_list("title", flat=True)[:NAMED_MILESTONES]),
        milestones_total=milestones.count(),
        targets=targets,
    )
