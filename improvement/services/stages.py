"""The PDCA stage machine: moves through the gates (``stage_gates``), stepping back, overrides and
the Act decision."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.errors import Conflict, GateFailed, PermissionDenied, StaleVersion
from common.models import save_versioned
from improvement import policies
from improvement.models import (
    STAGE_ORDER,
    Decision,
    Initiative,
    KpiTarget,
    Stage,
    StageTransition,
    Status,
)
from improvement.selectors.stages import OpenWork, initiative_open_work
from improvement.services.chat import gate_overridden_announce
from improvement.services.money_forecast import money_forecast_lock
from improvement.services.notifications import stage_changed_announce
from improvement.services.signoffs import sign_off_use
from improvement.services.stage_gates import GateResult, active_targets, gate_check
from kpis.phases import phase_break_mark

MSG_CANNOT_MOVE = gettext_noop("You cannot move this initiative's stage.")
MSG_EXECUTIVE_ONLY_OVERRIDE = gettext_noop(
    "Executives move a stage only to override a failed gate, with a reason."
)
MSG_NOT_ACTIVE = gettext_noop("Only an active initiative can change stage (this one is {status}).")
MSG_SAME_STAGE = gettext_noop("The initiative is already in {stage}.")
PHASE_LABEL = gettext_noop("{code} Do (cycle {cycle})")
MSG_SKIP = gettext_noop("A stage cannot be skipped: from {src} the next stage is {nxt}.")
MSG_BACK_NEEDS_REASON = gettext_noop("Stepping back needs a reason.")
MSG_OVERRIDE_FORBIDDEN = gettext_noop("Only an executive or admin can override a gate.")
MSG_ACT_NEEDS_DECISION = gettext_noop("Act ends the cycle with a decision: standardise, adapt or abandon.")
MSG_DECIDE_ONLY_IN_ACT = gettext_noop("A decision is taken in Act; the initiative is in {stage}.")
MSG_UNKNOWN_STAGE = gettext_noop("Unknown stage: {stage}.")
MSG_UNKNOWN_DECISION = gettext_noop("Unknown decision: {decision}.")

MSG_STANDARDISE_OPEN = gettext_noop(
    "Standardising ends the initiative with work still open: {items}. Confirm to standardise anyway."
)


def next_stage(stage: str) -> str | None:
    index = STAGE_ORDER.index(stage)
    return STAGE_ORDER[index + 1] if index + 1 < len(STAGE_ORDER) else None


def _lock(initiative: Initiative, expected_version: int | None) -> tuple[Initiative, int]:
    """Re-read the row under a lock; the caller's version is what the move is checked against."""
    expected = initiative.version if expected_version is None else expected_version
    locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
    if locked.version != expected:
        raise StaleVersion()
    return locked, expected


@transaction.atomic
def initiative_transition(
    *,
    actor: User,
    initiative: Initiative,
    to: str,
    note: str = "",
    reason: str = "",
    override_reason: str = "",
    expected_version: int | None = None,
) -> StageTransition:
    """Move one stage forward through its gate, or step back with a reason.

    A failed gate raises ``GateFailed`` listing the unmet conditions, unless an executive or admin
    overrides it with a reason. Of two concurrent moves from the same version only one succeeds.
    """
    if to not in Stage.values:
        raise ValidationError({"to": _(MSG_UNKNOWN_STAGE).format(stage=to)})
    override_reason = override_reason.strip()
    if override_reason and not policies.can_override_gate(actor):
        raise PermissionDenied(_(MSG_OVERRIDE_FORBIDDEN))
    executive = policies.can_override_gate(actor)
    # An executive (who cannot edit) moves only by overriding; whether a gate failed is known below.
    overriding_only = not policies.can_edit(actor, initiative)
    if overriding_only and not (executive and override_reason):
        raise PermissionDenied(_(MSG_EXECUTIVE_ONLY_OVERRIDE if executive else MSG_CANNOT_MOVE))

    locked, expected = _lock(initiative, expected_version)
    if locked.status != Status.ACTIVE:
        raise Conflict(_(MSG_NOT_ACTIVE).format(status=locked.get_status_display().lower()))
    source = locked.stage
    if to == source:
        raise ValidationError({"to": _(MSG_SAME_STAGE).format(stage=Stage(to).label)})
    backward = STAGE_ORDER.index(to) < STAGE_ORDER.index(source)
    if backward:
        if overriding_only:
            raise PermissionDenied(_(MSG_EXECUTIVE_ONLY_OVERRIDE))
        if not reason.strip():
            raise ValidationError({"reason": _(MSG_BACK_NEEDS_REASON)})
        result = GateResult(from_stage=source, to_stage=to, conditions=[])
    else:
        expected_next = next_stage(source)
        if to != expected_next:
            raise ValidationError(
                {"to": _(MSG_SKIP).format(src=Stage(source).label, nxt=Stage(expected_next).label)}
            )
        result = gate_check(initiative=locked, to_stage=to)
        if not result.passed and not override_reason:
            raise GateFailed(details=result.as_list())
        if result.passed and overriding_only:
            raise PermissionDenied(_(MSG_EXECUTIVE_ONLY_OVERRIDE))
    # Only a failed gate is overridden: a reason given for a met gate (or a step back) overrode
    # nothing, and the record must not say it did.
    if result.passed:
        override_reason = ""

    locked.stage = to
    save_versioned(locked, update_fields=["stage"], expected_version=expected, actor=actor)
    initiative.stage, initiative.version = locked.stage, locked.version
    transition = StageTransition.objects.create(
        initiative=locked,
        cycle=locked.cycle,
        from_stage=source,
        to_stage=to,
        actor=actor,
        note=note,
        reason=reason.strip(),
        override_reason=override_reason,
        gate_passed=result.passed,
        gate_result=result.as_list(),
    )
    if source == Stage.PLAN and to == Stage.DO:
        money_forecast_lock(actor=actor, initiative=locked, transition=transition)
    if to == Stage.DO and not backward:
        _mark_phase_breaks(locked)
    sign_off_use(transition=transition)
    stage_changed_announce(transition=transition)
    gate_overridden_announce(transition=transition)
    return transition


def _mark_phase_breaks(initiative: Initiative) -> None:
    """Doing starts today: each target KPI's control chart computes new limits from today on."""
    today = timezone.localdate()
    label = _(PHASE_LABEL).format(code=initiative.code, cycle=initiative.cycle)
    for target in active_targets(initiative):
        phase_break_mark(
            kpi=target.kpi, segment=target.segment, starts=today, label=label, reference=initiative.code
        )


def _refuse_open_work(open_work: OpenWork) -> None:
    if open_work.items:
        items = "; ".join(open_work.items)
        raise ValidationError({"confirm_open": _(MSG_STANDARDISE_OPEN).format(items=items)})


@transaction.atomic
def initiative_decide(
    *,
    actor: User,
    initiative: Initiative,
    decision: str,
    note: str = "",
    confirm_open: bool = False,
    expected_version: int | None = None,
) -> StageTransition:
    """End the cycle in Act: standardise, adapt (cycle n+1 starts in Plan) or abandon.

    Standardising while milestones are not done or targets are not reached needs ``confirm_open``:
    the lead is told what is open and confirms it knowingly.
    """
    if decision not in Decision.values:
        raise ValidationError({"decision": _(MSG_UNKNOWN_DECISION).format(decision=decision)})
    if not policies.can_edit(actor, initiative):
        raise PermissionDenied(_(MSG_CANNOT_MOVE))
    locked, expected = _lock(initiative, expected_version)
    if locked.status != Status.ACTIVE:
        raise Conflict(_(MSG_NOT_ACTIVE).format(status=locked.get_status_display().lower()))
    if locked.stage != Stage.ACT:
        raise Conflict(_(MSG_DECIDE_ONLY_IN_ACT).format(stage=locked.get_stage_display()))

    if decision == Decision.STANDARDISE and not confirm_open:
        _refuse_open_work(initiative_open_work(initiative=locked))

    finished_cycle = locked.cycle
    fields = []
    if decision == Decision.STANDARDISE:
        locked.status = Status.STANDARDISED
        fields = ["status"]
    elif decision == Decision.ABANDON:
        locked.status = Status.ABANDONED
        fields = ["status"]
    else:
        locked.stage = Stage.PLAN
        locked.cycle += 1
        locked.cycle_started_on = timezone.localdate()
        fields = ["stage", "cycle", "cycle_started_on"]
        # A new cycle must earn its own evaluations; the old ones stay in the targets' history.
        # Locked, so the versioned saves below cannot lose to an edit of the same target.
        evaluated = KpiTarget.objects.active().select_for_update().filter(initiative=locked)
        for target in evaluated.exclude(evaluation=""):
            target.evaluation, target.evaluation_detail, target.evaluated_at = "", {}, None
            save_versioned(
                target,
                update_fields=["evaluation", "evaluation_detail", "evaluated_at"],
                expected_version=target.version,
                actor=actor,
            )
    save_versioned(locked, update_fields=fields, expected_version=expected, actor=actor)
    for name in ("stage", "status", "cycle", "cycle_started_on", "version"):
        setattr(initiative, name, getattr(locked, name))
    transition = StageTransition.objects.create(
        initiative=locked,
        cycle=finished_cycle,
        from_stage=Stage.ACT,
        to_stage=locked.stage,
        actor=actor,
        note=note,
        decision=decision,
        gate_passed=True,
    )
    stage_changed_announce(transition=transition)
    return transition
