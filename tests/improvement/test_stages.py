import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.errors import Conflict, GateFailed, PermissionDenied
from improvement.models import Decision, Evaluation, Initiative, Stage, StageTransition, Status
from improvement.services import stage_gates, stages
from improvement.services.initiatives import initiative_create
from improvement.services.roadmap import milestone_create
from improvement.services.targets import kpi_target_create
from kpis.models import Kpi
from tests.factories import KpiTargetFactory, MeasurementFactory, MilestoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fcr():
    return Kpi.objects.get(code="fcr_rate")


@pytest.fixture
def initiative(lead, team):
    return initiative_create(
        actor=lead,
        title="Raise first-contact resolution",
        team=team,
        start_date=timezone.localdate() - dt.timedelta(days=40),
        smart_goal="Raise FCR from 70% to 85% in chat by end of Q2.",
    )


@pytest.fixture
def ready_for_do(initiative, lead, fcr):
    kpi_target_create(actor=lead, initiative=initiative, kpi=fcr, baseline_value=70, target_value=85)
    milestone_create(actor=lead, initiative=initiative, title="Diagnose", due_date=timezone.localdate())
    return initiative


def unmet_codes(excinfo):
    return [c["code"] for c in excinfo.value.details if not c["passed"]]


def test_plan_to_do_lists_every_unmet_condition(lead, team):
    bare = initiative_create(actor=lead, title="Bare", team=team, start_date=timezone.localdate())
    with pytest.raises(GateFailed) as excinfo:
        stages.initiative_transition(actor=lead, initiative=bare, to=Stage.DO)
    assert unmet_codes(excinfo) == ["smart_goal", "kpi_target", "milestones"]
    bare.refresh_from_db()
    assert bare.stage == Stage.PLAN
    assert not StageTransition.objects.exists()


def test_with_no_milestones_none_lacks_an_owner(lead, team):
    bare = initiative_create(actor=lead, title="Bare", team=team, start_date=timezone.localdate())

    owners = stage_gates.gate_check(initiative=bare, to_stage=Stage.DO).conditions[-1]

    assert (owners.code, owners.passed, owners.detail) == (
        "milestone_owners",
        True,
        stage_gates.DETAIL_NO_MILESTONES,
    )


def test_gate_conditions_say_what_to_do_with_the_day_the_cycle_started(lead, team):
    started = initiative_create(actor=lead, title="Dated", team=team, start_date=dt.date(2026, 12, 2))
    started.stage = Stage.DO

    evidence = stage_gates.gate_check(initiative=started, to_stage=Stage.CHECK).conditions[0]

    assert evidence.code == "evidence"
    assert evidence.message == (
        "Record at least one measurement of a target KPI dated on or after 2 Dec 2026 "
        "(the day this cycle started), or enter experiment data."
    )


def test_plan_to_do_needs_owners_on_open_milestones(ready_for_do, lead):
    MilestoneFactory(initiative=ready_for_do, owner=None, title="Unowned work")
    with pytest.raises(GateFailed) as excinfo:
        stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.DO)
    assert unmet_codes(excinfo) == ["milestone_owners"]
    assert "Unowned work" in excinfo.value.details[-1]["detail"]


def test_plan_to_do_passes_and_is_recorded_with_the_gate_result(ready_for_do, lead):
    transition = stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.DO, note="Go")
    ready_for_do.refresh_from_db()
    assert ready_for_do.stage == Stage.DO
    assert transition.actor == lead and transition.from_stage == "plan" and transition.to_stage == "do"
    assert transition.gate_passed and all(c["passed"] for c in transition.gate_result)
    assert transition.note == "Go"


def test_do_to_check_needs_a_measurement_on_or_after_the_cycle_start(ready_for_do, lead, fcr):
    stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.DO)
    MeasurementFactory(kpi=fcr, period=ready_for_do.cycle_started_on - dt.timedelta(days=1), value=71)
    with pytest.raises(GateFailed) as excinfo:
        stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.CHECK)
    assert unmet_codes(excinfo) == ["evidence"]
    MeasurementFactory(kpi=fcr, period=ready_for_do.cycle_started_on, value=74)  # the start day counts
    stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.CHECK)
    assert Initiative.objects.get(pk=ready_for_do.pk).stage == Stage.CHECK


def test_a_cycle_started_today_moves_on_with_todays_measurement(lead, team, fcr):
    """The measurement form suggests today; a new initiative's cycle starts today: that must be enough."""
    today = timezone.localdate()
    fresh = initiative_create(actor=lead, title="New", team=team, start_date=today, smart_goal="Goal")
    kpi_target_create(actor=lead, initiative=fresh, kpi=fcr, baseline_value=70, target_value=85)
    milestone_create(actor=lead, initiative=fresh, title="Diagnose", due_date=today)
    stages.initiative_transition(actor=lead, initiative=fresh, to=Stage.DO)
    MeasurementFactory(kpi=fcr, period=today, value=78)

    stages.initiative_transition(actor=lead, initiative=fresh, to=Stage.CHECK)

    assert Initiative.objects.get(pk=fresh.pk).stage == Stage.CHECK


def test_measurement_of_another_segment_is_no_evidence(ready_for_do, lead, fcr):
    stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.DO)
    MeasurementFactory(kpi=fcr, segment="phone", period=timezone.localdate(), value=74)
    with pytest.raises(GateFailed):
        stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.CHECK)


def _to_check(initiative, lead, fcr):
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    MeasurementFactory(kpi=fcr, period=timezone.localdate(), value=80)
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)


def test_check_to_act_needs_every_primary_target_evaluated(ready_for_do, lead, fcr):
    _to_check(ready_for_do, lead, fcr)
    secondary = KpiTargetFactory(initiative=ready_for_do, is_primary=False)
    with pytest.raises(GateFailed) as excinfo:
        stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.ACT)
    assert unmet_codes(excinfo) == ["targets_evaluated"]
    assert fcr.name in excinfo.value.details[0]["detail"]
    ready_for_do.targets.filter(kpi=fcr).update(evaluation=Evaluation.IMPROVED)
    stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.ACT)
    assert secondary.evaluation == ""
    assert Initiative.objects.get(pk=ready_for_do.pk).stage == Stage.ACT


def test_a_stage_cannot_be_skipped(ready_for_do, lead):
    with pytest.raises(ValidationError) as excinfo:
        stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.CHECK)
    assert "cannot be skipped" in str(excinfo.value)


def test_stepping_back_needs_a_reason_and_records_it(ready_for_do, lead, fcr):
    _to_check(ready_for_do, lead, fcr)
    with pytest.raises(ValidationError) as excinfo:
        stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.DO)
    assert excinfo.value.message_dict == {"reason": [stages.MSG_BACK_NEEDS_REASON]}
    transition = stages.initiative_transition(
        actor=lead, initiative=ready_for_do, to=Stage.DO, reason="Extend the pilot by two weeks"
    )
    assert transition.reason == "Extend the pilot by two weeks"
    assert Initiative.objects.get(pk=ready_for_do.pk).stage == Stage.DO


def test_executive_overrides_a_failed_gate_with_a_recorded_reason(initiative, executive):
    transition = stages.initiative_transition(
        actor=executive, initiative=initiative, to=Stage.DO, override_reason="Board mandate: start now"
    )
    assert transition.gate_passed is False
    assert transition.override_reason == "Board mandate: start now"
    assert {c["code"] for c in transition.gate_result if not c["passed"]} >= {"kpi_target", "milestones"}


def test_executive_cannot_move_a_stage_without_an_override(ready_for_do, executive):
    with pytest.raises(PermissionDenied):
        stages.initiative_transition(actor=executive, initiative=ready_for_do, to=Stage.DO)


def test_lead_cannot_override_a_gate(initiative, lead):
    with pytest.raises(PermissionDenied) as excinfo:
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO, override_reason="please")
    assert excinfo.value.message == stages.MSG_OVERRIDE_FORBIDDEN


@pytest.mark.parametrize("role_fixture", ["contributor", "viewer", "finance", "other_lead"])
def test_roles_that_cannot_move_stages(request, ready_for_do, role_fixture):
    actor = request.getfixturevalue(role_fixture)
    with pytest.raises(PermissionDenied):
        stages.initiative_transition(actor=actor, initiative=ready_for_do, to=Stage.DO)
    assert Initiative.objects.get(pk=ready_for_do.pk).stage == Stage.PLAN


def test_a_stale_copy_cannot_move_the_stage(ready_for_do, lead):
    stale = Initiative.objects.get(pk=ready_for_do.pk)
    stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.DO)
    with pytest.raises(Conflict):
        stages.initiative_transition(actor=lead, initiative=stale, to=Stage.DO)
    assert StageTransition.objects.count() == 1


def test_on_hold_initiative_cannot_move(ready_for_do, lead):
    Initiative.objects.filter(pk=ready_for_do.pk).update(status=Status.ON_HOLD)
    ready_for_do.refresh_from_db()
    with pytest.raises(Conflict):
        stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.DO)


def _to_act(initiative, lead, fcr):
    _to_check(initiative, lead, fcr)
    for target in initiative.targets.all():
        target.evaluation = Evaluation.MET
        target.save()
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.ACT)


def test_adapt_starts_cycle_two_in_plan_and_keeps_history(ready_for_do, lead, fcr):
    _to_act(ready_for_do, lead, fcr)
    transition = stages.initiative_decide(
        actor=lead, initiative=ready_for_do, decision=Decision.ADAPT, note="Again"
    )
    ready_for_do.refresh_from_db()
    assert (ready_for_do.stage, ready_for_do.cycle, ready_for_do.status) == (Stage.PLAN, 2, Status.ACTIVE)
    assert ready_for_do.cycle_started_on == timezone.localdate()
    assert transition.decision == Decision.ADAPT and transition.cycle == 1
    assert StageTransition.objects.filter(initiative=ready_for_do).count() == 4
    assert ready_for_do.targets.get().evaluation == ""
    assert ready_for_do.targets.get().history.filter(evaluation=Evaluation.MET).exists()


@pytest.mark.parametrize(
    ("decision", "status"),
    [(Decision.STANDARDISE, Status.STANDARDISED), (Decision.ABANDON, Status.ABANDONED)],
)
def test_standardise_and_abandon_end_the_initiative(ready_for_do, lead, fcr, decision, status):
    _to_act(ready_for_do, lead, fcr)
    stages.initiative_decide(actor=lead, initiative=ready_for_do, decision=decision, confirm_open=True)
    ready_for_do.refresh_from_db()
    assert ready_for_do.status == status and ready_for_do.stage == Stage.ACT
    with pytest.raises(Conflict):
        stages.initiative_transition(actor=lead, initiative=ready_for_do, to=Stage.CHECK, reason="reopen")


def test_standardising_with_open_work_says_what_is_open_and_needs_a_confirmation(ready_for_do, lead, fcr):
    _to_act(ready_for_do, lead, fcr)  # FCR 70 → 80 of a target 85; the "Diagnose" milestone is planned
    MilestoneFactory(initiative=ready_for_do, title="Roll out", status="done")

    with pytest.raises(ValidationError) as excinfo:
        stages.initiative_decide(actor=lead, initiative=ready_for_do, decision=Decision.STANDARDISE)

    items = f"1 milestone is not done (“Diagnose”); {fcr.name} is at 67\u00a0% of the way to its target"
    assert excinfo.value.message_dict == {"confirm_open": [stages.MSG_STANDARDISE_OPEN.format(items=items)]}
    ready_for_do.refresh_from_db()
    assert (ready_for_do.status, ready_for_do.stage) == (Status.ACTIVE, Stage.ACT)
    stages.initiative_decide(
        actor=lead, initiative=ready_for_do, decision=Decision.STANDARDISE, confirm_open=True
    )
    ready_for_do.refresh_from_db()
    assert ready_for_do.status == Status.STANDARDISED


def test_standardising_finished_work_needs_no_confirmation(ready_for_do, lead, fcr):
    _to_act(ready_for_do, lead, fcr)
    ready_for_do.milestones.update(status="done")
    MeasurementFactory(kpi=fcr, period=timezone.localdate() + dt.timedelta(days=1), value=86)

    stages.initiative_decide(actor=lead, initiative=ready_for_do, decision=Decision.STANDARDISE)

    ready_for_do.refresh_from_db()
    assert ready_for_do.status == Status.STANDARDISED


def test_a_decision_is_only_taken_in_act(ready_for_do, lead):
    with pytest.raises(Conflict):
        stages.initiative_decide(actor=lead, initiative=ready_for_do, decision=Decision.STANDARDISE)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_of_one_initiative_cannot_both_succeed(lead, team, kpi_catalogue):
    import threading

    from django.db import connection

    initiative = initiative_create(
        actor=lead, title="Race", team=team, start_date=timezone.localdate(), smart_goal="Goal"
    )
    kpi_target_create(
        actor=lead,
        initiative=initiative,
        kpi=Kpi.objects.get(code="csat"),
        baseline_value=70,
        target_value=80,
    )
    milestone_create(actor=lead, initiative=initiative, title="M", due_date=timezone.localdate())
    barrier = threading.Barrier(2)
    outcomes = []

    def move():
        copy = Initiative.objects.get(pk=initiative.pk)
        barrier.wait()
        try:
            stages.initiative_transition(actor=lead, initiative=copy, to=Stage.DO)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=move) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert StageTransition.objects.filter(initiative=initiative).count() == 1
