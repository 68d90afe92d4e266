"""The PDCA stage machine: gates, moves, stepping back, overrides and the Act decision."""

from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from accounts.models import User
from common.errors import Conflict, GateFailed, PermissionDenied, StaleVersion
from common.models import save_versioned
from improvement import policies
from improvement.decision import ROLL_BACK, SHIP
from improvement.models import (
    STAGE_ORDER,
    Decision,
    Experiment,
    ExperimentStatus,
    Initiative,
    KpiTarget,
    Milestone,
    Stage,
    StageTransition,
    Status,
    VariantData,
)
from improvement.selectors.experiments import experiment_results
from improvement.selectors.stages import OpenWork, initiative_open_work
from improvement.services.chat import gate_overridden_announce
from improvement.services.money_forecast import money_forecast_lock
from improvement.services.notifications import stage_changed_announce
from improvement.services.signoffs import sign_off_condition, sign_off_use
from kpis.catalogue import display_name
from kpis.models import Measurement
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

# Each gate condition says what the lead does to meet it; the codes are the API's and stay fixed.
COND_SMART_GOAL = gettext_noop("Write a SMART goal for the initiative.")
COND_TARGET = gettext_noop("Add at least one KPI target with a baseline and a better target value.")
COND_MILESTONES = gettext_noop("Plan at least one milestone.")
COND_OWNERS = gettext_noop("Give every open milestone an owner.")
COND_EVIDENCE = gettext_noop(
    "Record at least one measurement of a target KPI dated on or after {start} "
    "(the day this cycle started), or enter experiment data."
)
COND_EVALUATED = gettext_noop("Evaluate every primary KPI target, or conclude an experiment.")
DETAIL_EXPERIMENT_DATA = gettext_noop("An experiment of this cycle has data.")
DETAIL_EXPERIMENT_CONCLUDED = gettext_noop("An experiment of this cycle is concluded.")
COND_EXPERIMENT_DECIDED = gettext_noop(
    "The concluded experiment's data decide: ship or roll back (an executive may override with a reason)."
)
DETAIL_EXPERIMENT_DECIDED = "{name}: {decision}"
DETAIL_NO_MILESTONES = gettext_noop("No milestones yet, so none lacks an owner.")
DETAIL_NO_PRIMARY = gettext_noop("There is no primary KPI target.")
DETAIL_WITHOUT_OWNER = gettext_noop("Without an owner: {titles}.")
DETAIL_NOT_EVALUATED = gettext_noop("Not evaluated yet: {names}.")


def evidence_date(initiative: Initiative) -> str:
    """The first day whose measurements count as evidence of this cycle, as the site writes dates."""
    # Django date format characters; a translation gives its own order (Chinese: "Y年n月j日").
    return date_format(initiative.cycle_started_on, pgettext("date format", "j M Y"))


@dataclass(frozen=True)
class Condition:
    code: str
    message: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class GateResult:
    from_stage: str
    to_stage: str
    conditions: list[Condition]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.conditions)

    @property
    def unmet(self) -> list[Condition]:
        return [c for c in self.conditions if not c.passed]

    def as_list(self) -> list[dict]:
        return [asdict(c) for c in self.conditions]


def _active_targets(initiative: Initiative):
    return KpiTarget.objects.active().filter(initiative=initiative).select_related("kpi")


def _gate_plan_to_do(initiative: Initiative) -> list[Condition]:
    targets = list(_active_targets(initiative))
    milestones = list(Milestone.objects.active().filter(initiative=initiative))
    open_without_owner = [m.title for m in milestones if m.is_open and m.owner_id is None]
    owners_detail = "" if milestones else _(DETAIL_NO_MILESTONES)
    if open_without_owner:
        owners_detail = _(DETAIL_WITHOUT_OWNER).format(titles=", ".join(open_without_owner))
    return [
        Condition("smart_goal", _(COND_SMART_GOAL), bool(initiative.smart_goal.strip())),
        Condition("kpi_target", _(COND_TARGET), any(t.target_value != t.baseline_value for t in targets)),
        Condition("milestones", _(COND_MILESTONES), bool(milestones)),
        # With no milestones no open one lacks an owner: the "milestones" condition is the unmet one.
        Condition(
            "milestone_owners",
            _(COND_OWNERS),
            not open_without_owner,
            detail=owners_detail,
        ),
    ]


def _cycle_experiments(initiative: Initiative):
    """Experiments that count for the current cycle: not archived, not concluded before it began."""
    return (
        Experiment.objects.active()
        .filter(initiative=initiative)
        .exclude(concluded_at__date__lt=initiative.cycle_started_on)
    )


def _gate_do_to_check(initiative: Initiative) -> list[Condition]:
    targets = _active_targets(initiative)
    # On or after the start: the measurement form suggests today, and a cycle may start today.
    # The Check evaluation counts the same measurements (services/targets.py).
    has_evidence = any(
        Measurement.objects.filter(
            kpi_id=t.kpi_id, segment=t.segment, period__gte=initiative.cycle_started_on
        ).exists()
        for t in targets
    )
    # PRODUCT.md: measurements after the start, or an experiment with data.
    experiment_data = (
        not has_evidence
        and VariantData.objects.filter(
            variant__experiment__in=_cycle_experiments(initiative), users__gt=0
        ).exists()
    )
    return [
        Condition(
            "evidence",
            _(COND_EVIDENCE).format(start=evidence_date(initiative)),
            has_evidence or experiment_data,
            detail=_(DETAIL_EXPERIMENT_DATA) if experiment_data else "",
        ),
    ]


def _gate_check_to_act(initiative: Initiative) -> list[Condition]:
    primary = list(_active_targets(initiative).filter(is_primary=True))
    unevaluated = [display_name(t.kpi.name) for t in primary if not t.evaluation]
    evaluated = bool(primary) and not unevaluated
    # PRODUCT.md: every primary target evaluated, or the experiment concluded.
    concluded = (
        not evaluated and _cycle_experiments(initiative).filter(status=ExperimentStatus.CONCLUDED).exists()
    )
    if concluded:
        detail = _(DETAIL_EXPERIMENT_CONCLUDED)
    else:
        detail = (
            _(DETAIL_NOT_EVALUATED).format(names=", ".join(unevaluated)) if primary else _(DETAIL_NO_PRIMARY)
        )
    conditions = [Condition("targets_evaluated", _(COND_EVALUATED), evaluated or concluded, detail=detail)]
    if concluded:
        conditions.append(_experiment_decided(initiative))
    return conditions


def _experiment_decided(initiative: Initiative) -> Condition:
    """Act on an experiment only when its data decide (docs/statistics.md, "The decision")."""
    details = []
    for experiment in _cycle_experiments(initiative).filter(status=ExperimentStatus.CONCLUDED):
        results = experiment_results(experiment=experiment)
        if results is None:
            continue
        details.append(DETAIL_EXPERIMENT_DECIDED.format(name=experiment.name, decision=results["reasons"][0]))
        if results["decision"] in (SHIP, ROLL_BACK):
            return Condition("experiment_decided", _(COND_EXPERIMENT_DECIDED), True, detail=details[-1])
    return Condition("experiment_decided", _(COND_EXPERIMENT_DECIDED), False, detail=" ".join(details))


GATES = {
    (Stage.PLAN, Stage.DO): _gate_plan_to_do,
    (Stage.DO, Stage.CHECK): _gate_do_to_check,
    (Stage.CHECK, Stage.ACT): _gate_check_to_act,
}


def gate_check(*, initiative: Initiative, to_stage: str) -> GateResult:
    """Evaluate the gate into ``to_stage``; a backward move has no gate (its conditions are empty)."""
    gate = GATES.get((initiative.stage, to_stage))
    conditions = gate(initiative) if gate else []
    sign_off = sign_off_condition(initiative=initiative, to_stage=to_stage) if gate else None
    if sign_off:
        conditions.append(Condition(**sign_off))
    return GateResult(from_stage=initiative.stage, to_stage=to_stage, conditions=conditions)


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
    for target in _active_targets(initiative):
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
