"""The PDCA stage gates: the conditions an initiative meets before it moves one stage forward.

Each gate is a function of the initiative listing its conditions; ``GATES`` names the gate of each
forward move, and a sign-off rule (``signoffs``) adds its own condition. ``stages`` moves the
initiative once its gate is met (or overridden).
"""

from dataclasses import asdict, dataclass

from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from improvement.decision import ROLL_BACK, SHIP
from improvement.models import (
    Experiment,
    ExperimentStatus,
    Initiative,
    KpiTarget,
    Milestone,
    Stage,
    VariantData,
)
from improvement.selectors.experiments import experiment_results
from improvement.services.signoffs import sign_off_condition
from kpis.catalogue import display_name
from kpis.models import Measurement

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


def active_targets(initiative: Initiative):
    return KpiTarget.objects.active().filter(initiative=initiative).select_related("kpi")


def _gate_plan_to_do(initiative: Initiative) -> list[Condition]:
    targets = list(active_targets(initiative))
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
    targets = active_targets(initiative)
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
    primary = list(active_targets(initiative).filter(is_primary=True))
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
