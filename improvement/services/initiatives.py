import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Role, Team, User
from common.errors import Conflict, PermissionDenied
from common.models import save_versioned
from common.services import fields_refuse_unknown, model_update
from improvement import policies
from improvement.models import Initiative, Status
from improvement.services.roadmap import initiative_apply_standard_plan

CODE_PREFIX = "IMP-"
CODE_DIGITS = 3
CODE_ATTEMPTS = 5
EDITABLE_FIELDS = (
    "title",
    "problem_statement",
    "smart_goal",
    "scope",
    "category",
    "breakpoint_type",
    "sponsor",
    "impact",
    "effort",
    "start_date",
    "target_end_date",
    "team",
    "lead",
    "payback_target_months",
    "horizon_months",
    "discount_rate",
)

MSG_CANNOT_CREATE = gettext_noop(
    "You can create initiatives only in a team you belong to, as a project lead."
)
MSG_CANNOT_EDIT = gettext_noop("You cannot edit this initiative.")
MSG_LEAD_ROLE = gettext_noop("The lead must be a project lead or admin.")
MSG_SPONSOR_ROLE = gettext_noop("The sponsor must be an executive or admin.")
MSG_ARCHIVED = gettext_noop("This initiative is archived.")
MSG_BAD_STATUS = gettext_noop("Only active and on-hold initiatives can be put on hold or resumed.")
MSG_UNKNOWN_FIELD = gettext_noop("Unknown field.")
MSG_CANNOT_CHANGE_HERE = gettext_noop("This field cannot be changed here.")


def _next_code() -> str:
    numbers = [
        int(m.group(1))
        for code in Initiative.objects.filter(code__startswith=CODE_PREFIX).values_list("code", flat=True)
        if (m := re.fullmatch(rf"{CODE_PREFIX}(\d+)", code))
    ]
    return f"{CODE_PREFIX}{(max(numbers, default=0) + 1):0{CODE_DIGITS}d}"


def _validate_people(*, lead: User, sponsor: User | None) -> None:
    errors = {}
    if not (lead.is_admin or lead.role == Role.LEAD):
        errors["lead"] = _(MSG_LEAD_ROLE)
    if sponsor is not None and not (sponsor.is_admin or sponsor.role == Role.EXECUTIVE):
        errors["sponsor"] = _(MSG_SPONSOR_ROLE)
    if errors:
        raise ValidationError(errors)


def initiative_create(
    *,
    actor: User,
    title: str,
    team: Team,
    start_date: dt.date,
    lead: User | None = None,
    members: list[User] | None = None,
    with_standard_plan: bool = False,
    code: str | None = None,
    **fields,
) -> Initiative:
    """Create an initiative in Plan, optionally with the standard 90-day plan.

    The code (IMP-001…) is the next free number unless one is given (an import names its own); a
    concurrent create that took the same number is retried, so codes stay unique without a counter
    table.
    """
    if not policies.can_create_in_team(actor, team.pk):
        raise PermissionDenied(_(MSG_CANNOT_CREATE))
    lead = lead or actor
    _validate_people(lead=lead, sponsor=fields.get("sponsor"))
    fields_refuse_unknown(fields, allowed=EDITABLE_FIELDS, message=_(MSG_UNKNOWN_FIELD))
    for attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                initiative = Initiative(
                    code=code or _next_code(),
                    title=title,
                    team=team,
                    lead=lead,
                    start_date=start_date,
                    cycle_started_on=start_date,
                    **fields,
                )
                # cycle_started_on is the start date: its errors are reported once, on start_date.
                # A given code is checked (format, uniqueness); a generated one is free by construction.
                initiative.full_clean(exclude=["cycle_started_on"] if code else ["code", "cycle_started_on"])
                initiative._history_user = actor
                initiative.save()
                if members:
                    initiative.members.set(members)
                if with_standard_plan:
                    initiative_apply_standard_plan(actor=actor, initiative=initiative)
                return initiative
        except IntegrityError:
            if code or attempt == CODE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def initiative_update(
    *, actor: User, initiative: Initiative, expected_version: int | None = None, **fields
) -> Initiative:
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    if initiative.archived_at is not None:
        raise Conflict(_(MSG_ARCHIVED))
    members = fields.pop("members", None)
    # Refused before the team is checked, so an unknown field reads as such.
    fields_refuse_unknown(fields, allowed=EDITABLE_FIELDS, message=_(MSG_CANNOT_CHANGE_HERE))
    if "team" in fields and not policies.can_create_in_team(actor, fields["team"].pk):
        raise PermissionDenied(_(MSG_CANNOT_CREATE))
    version = initiative.version if expected_version is None else expected_version
    changed = model_update(
        initiative,
        actor=actor,
        data=fields,
        allowed=EDITABLE_FIELDS,
        unknown_message=_(MSG_CANNOT_CHANGE_HERE),
        clean_exclude=["code"],
        prepare=lambda changed: _validate_people(lead=initiative.lead, sponsor=initiative.sponsor),
        expected_version=version,
    )
    if members is not None:
        if not changed:
            # The members live outside the row, yet setting them moves the version on all the same.
            save_versioned(initiative, update_fields=[], expected_version=version, actor=actor)
        initiative.members.set(members)
    return initiative


@transaction.atomic
def initiative_set_on_hold(
    *, actor: User, initiative: Initiative, on_hold: bool, expected_version: int | None = None
) -> Initiative:
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    if initiative.status not in (Status.ACTIVE, Status.ON_HOLD):
        raise Conflict(_(MSG_BAD_STATUS))
    initiative.status = Status.ON_HOLD if on_hold else Status.ACTIVE
    version = initiative.version if expected_version is None else expected_version
    save_versioned(initiative, update_fields=["status"], expected_version=version, actor=actor)
    return initiative


@transaction.atomic
def initiative_archive(*, actor: User, initiative: Initiative) -> Initiative:
    """Archive instead of delete: the record, its history and its money stay readable."""
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_EDIT))
    if initiative.archived_at is None:
        initiative.archived_at = timezone.now()
        save_versioned(
            initiative, update_fields=["archived_at"], expected_version=initiative.version, actor=actor
        )
    return initiative
