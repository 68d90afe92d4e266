"""Milestones of the 90-day roadmap: planning, dependencies, completion and overdue marking."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.dates import DATE_MAX, DATE_MIN, date_in_range
from common.errors import Conflict, PermissionDenied
from common.models import save_versioned
from common.services import fields_refuse_unknown, model_update
from improvement import policies
from improvement.models import OPEN_MILESTONE_STATUSES, Initiative, Milestone, MilestoneStatus
from improvement.plan import standard_plan
from improvement.services.notifications import milestone_overdue_announce

PLAN_FIELDS = ("title", "description", "acceptance_criteria", "owner", "due_date", "phase", "status")

MSG_CANNOT_PLAN = gettext_noop("You cannot plan milestones of this initiative.")
MSG_CANNOT_UPDATE = gettext_noop("Only the milestone's owner or the initiative's lead can update it.")
MSG_OWNER_ROLE_READS = gettext_noop(
    "Your role ({role}) only reads: owning this milestone does not let you change it."
)
MSG_OWNER_FIELDS = gettext_noop(
    "As the milestone's owner you can change its status, due date, description and acceptance criteria only."
)
MSG_NOT_DONE = gettext_noop("Only a done milestone can be reopened.")
MSG_CYCLE = gettext_noop("This dependency would create a cycle: {path}.")
MSG_OTHER_INITIATIVE = gettext_noop("A milestone can depend only on milestones of the same initiative.")
MSG_SELF_DEPENDENCY = gettext_noop("A milestone cannot depend on itself.")
MSG_OPEN_DEPENDENCIES = gettext_noop("Finish the milestones this one depends on first: {titles}.")
MSG_INACTIVE_OWNER = gettext_noop("The owner must be an active user.")
MSG_ALREADY_PLANNED = gettext_noop("This initiative already has the standard plan.")
MSG_ARCHIVED = gettext_noop("This milestone is archived.")
MSG_UNKNOWN_FIELD = gettext_noop("Unknown field.")
# How far the standard plan's last milestone lies past its start date.
PLAN_SPAN = max(item.due_date for item in standard_plan(DATE_MIN)) - DATE_MIN
MSG_PLAN_PAST_RANGE_TEMPLATE = gettext_noop(
    "With the standard plan the start date must lie between {first} and {last}: "
    "its last milestone is due {days} days after it."
)
MSG_PLAN_PAST_RANGE = MSG_PLAN_PAST_RANGE_TEMPLATE.format(
    first=DATE_MIN.isoformat(), last=(DATE_MAX - PLAN_SPAN).isoformat(), days=PLAN_SPAN.days
)


def _validate_owner(owner: User | None) -> None:
    if owner is not None and not owner.is_active:
        raise ValidationError({"owner": _(MSG_INACTIVE_OWNER)})


def _apply_status_and_schedule(milestone: Milestone, changed: list[str]) -> None:
    """Derived fields of a status or due-date change.

    ``overdue_since`` names the overdue episode its reminders are sent once for. Completing keeps
    it, so reopening (an undo, say) continues the same episode instead of reminding again; a due
    date moved to today or later ends the episode, so the new date, once missed, starts another.
    """
    if milestone.status == MilestoneStatus.DONE:
        open_deps = [d.title for d in milestone.dependencies.all() if d.is_open and d.archived_at is None]
        if open_deps:
            raise ValidationError({"status": _(MSG_OPEN_DEPENDENCIES).format(titles="; ".join(open_deps))})
        if milestone.completed_at is None:
            milestone.completed_at = timezone.now()
    else:
        milestone.completed_at = None
    if "due_date" in changed and milestone.due_date >= timezone.localdate():
        milestone.overdue_since = None


@transaction.atomic
def milestone_create(
    *, actor: User, initiative: Initiative, title: str, due_date: dt.date, owner: User | None = None, **fields
) -> Milestone:
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_PLAN))
    fields_refuse_unknown(fields, allowed=PLAN_FIELDS, message=_(MSG_UNKNOWN_FIELD))
    owner = owner if owner is not None else initiative.lead
    _validate_owner(owner)
    milestone = Milestone(initiative=initiative, title=title, due_date=due_date, owner=owner, **fields)
    milestone.full_clean()
    milestone._history_user = actor
    milestone.save()
    return milestone


def milestone_update_refusal(*, actor: User, milestone: Milestone) -> str:
    """Why ``actor`` may not update ``milestone``: an owner is told it is their role that only reads."""
    if milestone.owner_id == actor.pk:
        return _(MSG_OWNER_ROLE_READS).format(role=actor.get_role_display())
    return _(MSG_CANNOT_UPDATE)


@transaction.atomic
def milestone_update(
    *, actor: User, milestone: Milestone, expected_version: int | None = None, **fields
) -> Milestone:
    if milestone.archived_at is not None:
        raise Conflict(_(MSG_ARCHIVED))
    if not policies.can_update_milestone(actor, milestone):
        raise PermissionDenied(milestone_update_refusal(actor=actor, milestone=milestone))
    # Refused before the owner's narrower rights are checked, so an unknown field reads as such.
    fields_refuse_unknown(fields, allowed=PLAN_FIELDS)
    owner_only = not policies.can_edit(actor, milestone.initiative)
    if owner_only and set(fields) - set(policies.MILESTONE_OWNER_FIELDS):
        raise PermissionDenied(_(MSG_OWNER_FIELDS))
    if "owner" in fields:
        _validate_owner(fields["owner"])
    model_update(
        milestone,
        actor=actor,
        data=fields,
        allowed=PLAN_FIELDS,
        clean_exclude=["initiative"],
        prepare=(lambda changed: _apply_status_and_schedule(milestone, changed))
        if {"status", "due_date"} & set(fields)
        else None,
        expected_version=milestone.version if expected_version is None else expected_version,
    )
    return milestone


def milestone_complete(
    *, actor: User, milestone: Milestone, expected_version: int | None = None
) -> Milestone:
    return milestone_update(
        actor=actor, milestone=milestone, expected_version=expected_version, status=MilestoneStatus.DONE
    )


@transaction.atomic
def milestone_reopen(*, actor: User, milestone: Milestone, expected_version: int | None = None) -> Milestone:
    """Undo "done": back to the open status the milestone had before it, as if it was never completed.

    The status comes from the milestone's history; an overdue milestone completed by mistake is
    overdue again under the same episode, so its reminders are not sent a second time. Anyone who
    may complete the milestone may reopen it.
    """
    if milestone.status != MilestoneStatus.DONE:
        raise Conflict(_(MSG_NOT_DONE))
    before = (
        milestone.history.exclude(status=MilestoneStatus.DONE)
        .order_by("-history_date", "-history_id")
        .values_list("status", flat=True)
        .first()
    )
    status = before if before in OPEN_MILESTONE_STATUSES else MilestoneStatus.PLANNED
    return milestone_update(
        actor=actor, milestone=milestone, expected_version=expected_version, status=status
    )


@transaction.atomic
def milestone_set_dependencies(
    *, actor: User, milestone: Milestone, depends_on: list[Milestone]
) -> Milestone:
    """Replace the milestone's dependencies; refuses anything that would close a cycle."""
    if not policies.can_edit(actor, milestone.initiative):
        raise PermissionDenied(_(MSG_CANNOT_PLAN))
    for dependency in depends_on:
        if dependency.pk == milestone.pk:
            raise ValidationError({"dependencies": _(MSG_SELF_DEPENDENCY)})
        if dependency.initiative_id != milestone.initiative_id:
            raise ValidationError({"dependencies": _(MSG_OTHER_INITIATIVE)})
    edges: dict[int, set[int]] = {}
    through = Milestone.dependencies.through
    for source_id, target_id in through.objects.filter(
        from_milestone__initiative_id=milestone.initiative_id
    ).values_list("from_milestone_id", "to_milestone_id"):
        edges.setdefault(source_id, set()).add(target_id)
    edges[milestone.pk] = {d.pk for d in depends_on}
    titles = dict(Milestone.objects.filter(initiative_id=milestone.initiative_id).values_list("id", "title"))
    path = _find_cycle(edges, start=milestone.pk)
    if path:
        raise ValidationError({"dependencies": _(MSG_CYCLE).format(path=" → ".join(titles[i] for i in path))})
    milestone.dependencies.set(depends_on)
    return milestone


def _find_cycle(edges: dict[int, set[int]], *, start: int) -> list[int] | None:
    """Depth-first search for a path from ``start`` back to itself."""
    stack = [(start, [start])]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        for nxt in edges.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


@transaction.atomic
def milestone_archive(*, actor: User, milestone: Milestone) -> Milestone:
    if not policies.can_edit(actor, milestone.initiative):
        raise PermissionDenied(_(MSG_CANNOT_PLAN))
    if milestone.archived_at is None:
        milestone.archived_at = timezone.now()
        save_versioned(
            milestone, update_fields=["archived_at"], expected_version=milestone.version, actor=actor
        )
    return milestone


@transaction.atomic
def initiative_apply_standard_plan(*, actor: User, initiative: Initiative) -> list[Milestone]:
    """Add the 15 standard milestones, due from the start date, owned by the lead."""
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_PLAN))
    if Milestone.objects.filter(initiative=initiative).exclude(phase="").exists():
        raise Conflict(_(MSG_ALREADY_PLANNED))
    plan = standard_plan(initiative.start_date) if date_in_range(initiative.start_date) else []
    if not plan or not all(date_in_range(item.due_date) for item in plan):
        # A start near the end of the range (or stored before the range was enforced) would put
        # milestones past the last date, where they could never be edited again.
        raise ValidationError(
            {
                "start_date": _(MSG_PLAN_PAST_RANGE_TEMPLATE).format(
                    first=DATE_MIN.isoformat(), last=(DATE_MAX - PLAN_SPAN).isoformat(), days=PLAN_SPAN.days
                )
            }
        )
    milestones = [
        Milestone(
            initiative=initiative,
            title=item.title,
            phase=item.phase,
            due_date=item.due_date,
            owner_id=initiative.lead_id,
        )
        for item in plan
    ]
    for milestone in milestones:
        milestone._history_user = actor
        milestone.save()
    return milestones


@transaction.atomic
def milestones_mark_overdue(*, today: dt.date | None = None) -> list[Milestone]:
    """Stamp open milestones past their due date; returns only the newly overdue ones.

    Re-running on the same day finds nothing new, so reminders built on it go out once.
    """
    today = today or timezone.localdate()
    newly = list(
        Milestone.objects.active()
        # Only the milestone rows are locked; the owner is joined (outer) for the webhook payload.
        .select_for_update(of=("self",))
        .filter(status__in=OPEN_MILESTONE_STATUSES, due_date__lt=today, overdue_since__isnull=True)
        .select_related("initiative", "owner")
    )
    for milestone in newly:
        milestone.overdue_since = today
    Milestone.objects.bulk_update(newly, ["overdue_since"])
    for milestone in newly:
        milestone_overdue_announce(milestone=milestone)
    return newly
