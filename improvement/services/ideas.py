"""Ideas: submitted by anyone signed in, triaged by leads.

An idea is a draft (only its author sees it) or submitted; a lead of its team (any lead when it has
no team) or an admin decides it once: accept (a Plan-stage initiative is created from it through
``initiative_create``), decline with a reason, or merge it into the idea it duplicates. A decided
idea refuses further decisions (``Conflict``). Decisions lock the idea's row, so of two leads
deciding at once the second is told it was already decided.

People are told after commit (``events.idea_changed``): a submitted idea tells its team's leads,
a decision tells the submitter.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from accounts.languages import language_of
from accounts.models import Role, Team, User
from accounts.notifications import notification_send
from common.errors import Conflict, PermissionDenied
from common.models import save_versioned
from common.services import fields_refuse_unknown, model_update
from improvement import events, policies
from improvement.models import Idea, IdeaStatus, NotificationKind
from improvement.services.initiatives import initiative_create
from improvement.services.targets import kpi_target_create

EDITABLE_FIELDS = (
    "title",
    "problem",
    "kpi",
    "segment",
    "breakpoint_type",
    "team",
    "value",
    "difficulty",
    "current_value",
    "target_value",
    "unit_value",
    "monthly_volume",
)
CENT = Decimal("0.01")
DECISION_FIELDS = ["status", "decided_by", "decided_at", "decision_reason"]

MSG_UNKNOWN_FIELD = gettext_lazy("This field cannot be set on an idea.")
MSG_CANNOT_EDIT = gettext_lazy("Only the idea's author, a lead of its team or an admin changes it.")
MSG_CANNOT_SUBMIT = gettext_lazy("Only the idea's author submits it.")
MSG_NOT_DRAFT = gettext_lazy("This idea is already submitted.")
MSG_CANNOT_TRIAGE = gettext_lazy(
    "Only a lead of the idea's team (any lead when it has none) or an admin decides it."
)
MSG_ALREADY_DECIDED = gettext_lazy("This idea was already decided (%(status)s).")
MSG_NOT_SUBMITTED = gettext_lazy("Submit the idea before it is decided.")
MSG_TEAM_REQUIRED = gettext_lazy("Choose the team the initiative belongs to.")
MSG_REASON_REQUIRED = gettext_lazy("Say why the idea is declined: the submitter is told.")
MSG_MERGE_ITSELF = gettext_lazy("An idea cannot be merged into itself.")
MSG_MERGE_CLOSED = gettext_lazy(
    "Merge into an idea that is still open or accepted, not one that is %(status)s."
)
MSG_MERGE_DRAFT = gettext_lazy("Merge into a submitted idea, not a draft.")
MSG_MERGE_CYCLE = gettext_lazy("That idea is already merged into this one.")
MSG_TITLE_REQUIRED = gettext_lazy("Give the idea a title.")

NOTIFY_SUBMITTED = gettext_lazy("New idea to triage: %(ref)s %(title)s")
NOTIFY_ACCEPTED = gettext_lazy("Your idea %(ref)s was accepted: %(code)s")
NOTIFY_DECLINED = gettext_lazy("Your idea %(ref)s was declined")
NOTIFY_MERGED = gettext_lazy("Your idea %(ref)s was merged into %(into)s")


# --- who may do what ------------------------------------------------------------------------------


def idea_can_triage(user: User, idea: Idea) -> bool:
    """A lead of the idea's team (any lead when it has no team) or an admin."""
    return policies.can_triage_ideas(user, idea.team_id)


def idea_can_edit(user: User, idea: Idea) -> bool:
    """The author while it is a draft or submitted; its triagers while it is submitted."""
    if idea.status == IdeaStatus.DRAFT:
        return idea.submitted_by_id == user.pk
    if idea.status != IdeaStatus.SUBMITTED:
        return False
    return idea.submitted_by_id == user.pk or idea_can_triage(user, idea)


def _lock(idea: Idea) -> Idea:
    return Idea.objects.select_for_update(of=("self",)).select_related("kpi", "team").get(pk=idea.pk)


def _check_open(idea: Idea) -> None:
    if idea.status in (IdeaStatus.ACCEPTED, IdeaStatus.DECLINED, IdeaStatus.MERGED):
        raise Conflict(str(MSG_ALREADY_DECIDED % {"status": idea.get_status_display().lower()}))
    if idea.status != IdeaStatus.SUBMITTED:
        raise Conflict(str(MSG_NOT_SUBMITTED))


# --- create, edit, submit -------------------------------------------------------------------------


@transaction.atomic
def idea_create(*, actor: User, title: str, submit: bool = True, **fields) -> Idea:
    """A new idea by ``actor``: submitted (its team's leads are told) or kept as a draft."""
    fields_refuse_unknown(fields, allowed=EDITABLE_FIELDS, message=str(MSG_UNKNOWN_FIELD))
    if not (title or "").strip():
        raise ValidationError({"title": MSG_TITLE_REQUIRED})
    idea = Idea(
        title=title.strip(),
        submitted_by=actor,
        status=IdeaStatus.SUBMITTED if submit else IdeaStatus.DRAFT,
        submitted_at=timezone.now() if submit else None,
        **fields,
    )
    idea.full_clean()
    idea.save()
    if submit:
        events.idea_changed(idea_id=idea.pk, version=idea.version)
    return idea


@transaction.atomic
def idea_update(*, actor: User, idea: Idea, expected_version: int | None = None, **fields) -> Idea:
    """Change an idea's content; a decided idea is settled (``Conflict``)."""
    locked = _lock(idea)
    if not idea_can_edit(actor, locked):
        if locked.status in (IdeaStatus.ACCEPTED, IdeaStatus.DECLINED, IdeaStatus.MERGED):
            raise Conflict(str(MSG_ALREADY_DECIDED % {"status": locked.get_status_display().lower()}))
        raise PermissionDenied(str(MSG_CANNOT_EDIT))
    if "title" in fields and not (fields["title"] or "").strip():
        raise ValidationError({"title": MSG_TITLE_REQUIRED})
    model_update(
        idea,
        actor=actor,
        data=fields,
        allowed=EDITABLE_FIELDS,
        unknown_message=str(MSG_UNKNOWN_FIELD),
        expected_version=idea.version if expected_version is None else expected_version,
    )
    return idea


@transaction.atomic
def idea_submit(*, actor: User, idea: Idea, expected_version: int | None = None) -> Idea:
    """The author submits a draft: it joins the triage list and its team's leads are told."""
    locked = _lock(idea)
    if locked.submitted_by_id != actor.pk:
        raise PermissionDenied(str(MSG_CANNOT_SUBMIT))
    if locked.status != IdeaStatus.DRAFT:
        raise Conflict(str(MSG_NOT_DRAFT))
    locked.status, locked.submitted_at = IdeaStatus.SUBMITTED, timezone.now()
    version = locked.version if expected_version is None else expected_version
    save_versioned(locked, update_fields=["status", "submitted_at"], expected_version=version, actor=actor)
    events.idea_changed(idea_id=locked.pk, version=locked.version)
    return locked


# --- decisions ------------------------------------------------------------------------------------


def _decide(idea: Idea, *, actor: User, status: str, reason: str, expected_version, extra=()) -> Idea:
    idea.status, idea.decided_by, idea.decided_at = status, actor, timezone.now()
    idea.decision_reason = reason
    version = idea.version if expected_version is None else expected_version
    save_versioned(idea, update_fields=[*DECISION_FIELDS, *extra], expected_version=version, actor=actor)
    events.idea_changed(idea_id=idea.pk, version=idea.version)
    return idea


@transaction.atomic
def idea_accept(
    *,
    actor: User,
    idea: Idea,
    team: Team | None = None,
    lead: User | None = None,
    start_date: dt.date | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Idea:
    """Accept: a Plan-stage initiative with the idea's fields (and, when the idea names a KPI with
    its current and target values, a primary target with that baseline) is linked to the idea."""
    if not idea_can_triage(actor, idea):
        raise PermissionDenied(str(MSG_CANNOT_TRIAGE))
    locked = _lock(idea)
    _check_open(locked)
    team = team or locked.team
    if team is None:
        raise ValidationError({"team": MSG_TEAM_REQUIRED})
    initiative = initiative_create(
        actor=actor,
        title=locked.title,
        team=team,
        start_date=start_date or timezone.localdate(),
        lead=lead or actor,
        problem_statement=locked.problem,
        breakpoint_type=locked.breakpoint_type,
        impact=locked.value,
        effort=locked.difficulty,
    )
    if locked.kpi_id and locked.current_value is not None and locked.target_value is not None:
        kpi_target_create(
            actor=actor,
            initiative=initiative,
            kpi=locked.kpi,
            baseline_value=locked.current_value,
            target_value=locked.target_value,
            segment=locked.segment,
            baseline_start=locked.baseline_from,
            baseline_end=locked.baseline_to,
            is_primary=True,
            unit_value_per_month=_unit_value_per_month(locked),
        )
    locked.initiative, locked.team = initiative, team
    return _decide(
        locked,
        actor=actor,
        status=IdeaStatus.ACCEPTED,
        reason=note.strip(),
        expected_version=expected_version,
        extra=("initiative", "team"),
    )


def _unit_value_per_month(idea: Idea):
    """Money of one unit of KPI improvement a month: the unit's value per contact × contacts a month."""
    if idea.unit_value is None or idea.monthly_volume is None:
        return None
    return (idea.unit_value * idea.monthly_volume).quantize(CENT)


@transaction.atomic
def idea_decline(*, actor: User, idea: Idea, reason: str, expected_version: int | None = None) -> Idea:
    """Decline with a reason; the submitter is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_REASON_REQUIRED})
    if not idea_can_triage(actor, idea):
        raise PermissionDenied(str(MSG_CANNOT_TRIAGE))
    locked = _lock(idea)
    _check_open(locked)
    return _decide(
        locked, actor=actor, status=IdeaStatus.DECLINED, reason=reason, expected_version=expected_version
    )


@transaction.atomic
def idea_merge(
    *, actor: User, idea: Idea, into: Idea, note: str = "", expected_version: int | None = None
) -> Idea:
    """``idea`` duplicates ``into``: it is closed as merged, and listed on the kept idea's page."""
    if into.pk == idea.pk:
        raise ValidationError({"into": MSG_MERGE_ITSELF})
    if not idea_can_triage(actor, idea):
        raise PermissionDenied(str(MSG_CANNOT_TRIAGE))
    # Both rows locked, lower id first, so two merges of the same pair cannot deadlock.
    rows = {
        row.pk: row
        for row in Idea.objects.select_for_update(of=("self",))
        .filter(pk__in=[idea.pk, into.pk])
        .order_by("pk")
    }
    locked, kept = rows[idea.pk], rows[into.pk]
    _check_open(locked)
    if kept.status in (IdeaStatus.MERGED, IdeaStatus.DECLINED):
        raise ValidationError({"into": MSG_MERGE_CLOSED % {"status": kept.get_status_display().lower()}})
    if kept.status == IdeaStatus.DRAFT:
        raise ValidationError({"into": MSG_MERGE_DRAFT})
    if _merge_chain_reaches(kept, locked.pk):
        raise ValidationError({"into": MSG_MERGE_CYCLE})
    locked.merged_into = kept
    return _decide(
        locked,
        actor=actor,
        status=IdeaStatus.MERGED,
        reason=note.strip(),
        expected_version=expected_version,
        extra=("merged_into",),
    )


def _merge_chain_reaches(start: Idea, target_id: int) -> bool:
    seen: set[int] = set()
    current_id = start.merged_into_id
    while current_id is not None and current_id not in seen:
        if current_id == target_id:
            return True
        seen.add(current_id)
        current_id = Idea.objects.filter(pk=current_id).values_list("merged_into_id", flat=True).first()
    return False


# --- telling people -------------------------------------------------------------------------------


def _triagers(idea: Idea) -> list[User]:
    leads = User.objects.filter(is_active=True, role=Role.LEAD)
    if idea.team_id is not None:
        leads = leads.filter(memberships__team_id=idea.team_id)
    return list(leads.exclude(pk=idea.submitted_by_id).distinct().order_by("pk"))


def _decision_title(idea: Idea) -> str:
    ref = idea.reference
    if idea.status == IdeaStatus.ACCEPTED:
        return str(NOTIFY_ACCEPTED % {"ref": ref, "code": idea.initiative.code if idea.initiative else "—"})
    if idea.status == IdeaStatus.MERGED:
        return str(
            NOTIFY_MERGED % {"ref": ref, "into": idea.merged_into.reference if idea.merged_into else "—"}
        )
    return str(NOTIFY_DECLINED % {"ref": ref})


def idea_notify(*, idea: Idea, version: int) -> int:
    """After commit: a submitted idea tells the leads who triage it, a decision tells the submitter.
    ``version`` names the state announced, so a job run twice tells nobody twice."""
    if idea.version != version:
        return 0
    url = reverse("improvement:idea_detail", args=[idea.pk])
    if idea.status == IdeaStatus.SUBMITTED:
        recipients, kind = _triagers(idea), NotificationKind.IDEA_SUBMITTED
    elif idea.status in (IdeaStatus.ACCEPTED, IdeaStatus.DECLINED, IdeaStatus.MERGED):
        if idea.submitted_by is None or idea.submitted_by_id == idea.decided_by_id:
            return 0
        recipients, kind = [idea.submitted_by], NotificationKind.IDEA_DECIDED
    else:
        return 0
    sent = 0
    for person in recipients:
        with language_of(person):
            if kind == NotificationKind.IDEA_SUBMITTED:
                title = str(NOTIFY_SUBMITTED % {"ref": idea.reference, "title": idea.title})
                body = idea.problem
            else:
                title, body = _decision_title(idea), idea.decision_reason
            sent += bool(
                notification_send(
                    recipient=person,
                    kind=kind,
                    title=title,
                    body=body,
                    url=url,
                    dedupe_key=f"idea:{idea.pk}:{idea.status}",
                )
            )
    return sent
