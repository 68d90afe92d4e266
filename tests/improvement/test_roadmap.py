import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from common.errors import Conflict, PermissionDenied
from improvement.models import Milestone, MilestoneStatus
from improvement.plan import standard_plan
from improvement.services import roadmap
from improvement.services.initiatives import initiative_create
from tests.factories import MilestoneFactory, UserFactory

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 1)


def test_standard_plan_has_fifteen_milestones_in_three_thirty_day_phases():
    plan = standard_plan(START)
    assert len(plan) == 15
    assert [p.phase for p in plan] == ["assess"] * 5 + ["pilot"] * 5 + ["rollout"] * 5
    assert [p.day for p in plan] == [6, 12, 18, 24, 30, 36, 42, 48, 54, 60, 66, 72, 78, 84, 90]
    assert plan[0].due_date == dt.date(2026, 1, 6)
    assert plan[4].due_date == dt.date(2026, 1, 30)  # day 30 = last day of the first phase
    assert plan[-1].due_date == START + dt.timedelta(days=89)
    assert plan[0].title == "Complete the performance diagnosis"
    assert plan[-1].title == "Continuous-improvement plan"


def test_new_initiative_gets_the_standard_plan_owned_by_the_lead(lead, team):
    initiative = initiative_create(
        actor=lead, title="A", team=team, start_date=START, with_standard_plan=True
    )
    milestones = list(initiative.milestones.order_by("due_date"))
    assert len(milestones) == 15
    assert {m.owner for m in milestones} == {lead}
    assert milestones[5].phase == "pilot" and milestones[5].due_date == dt.date(2026, 2, 5)
    with pytest.raises(Conflict):
        roadmap.initiative_apply_standard_plan(actor=lead, initiative=initiative)


def _initiative(lead, team):
    return initiative_create(actor=lead, title="Routing", team=team, start_date=START)


def test_owner_completes_their_milestone(lead, team, contributor):
    milestone = roadmap.milestone_create(
        actor=lead, initiative=_initiative(lead, team), title="Pilot", due_date=START, owner=contributor
    )
    roadmap.milestone_complete(actor=contributor, milestone=milestone)
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE and milestone.completed_at is not None
    assert milestone.history.first().history_user == contributor


def test_owner_moves_the_due_date_and_sets_acceptance_criteria(lead, team, contributor):
    milestone = roadmap.milestone_create(
        actor=lead, initiative=_initiative(lead, team), title="Pilot", due_date=START, owner=contributor
    )
    roadmap.milestone_update(
        actor=contributor,
        milestone=milestone,
        due_date=START + dt.timedelta(days=30),
        acceptance_criteria="80 % within 30 s",
    )
    milestone.refresh_from_db()
    assert milestone.due_date == START + dt.timedelta(days=30)
    assert milestone.acceptance_criteria == "80 % within 30 s"


def test_owner_cannot_rename_or_reassign_the_milestone(lead, team, contributor):
    milestone = roadmap.milestone_create(
        actor=lead, initiative=_initiative(lead, team), title="Pilot", due_date=START, owner=contributor
    )
    for change in ({"title": "Something else"}, {"owner": lead}, {"phase": "pilot"}):
        with pytest.raises(PermissionDenied) as excinfo:
            roadmap.milestone_update(actor=contributor, milestone=milestone, **change)
        assert excinfo.value.message == roadmap.MSG_OWNER_FIELDS
    milestone.refresh_from_db()
    assert (milestone.title, milestone.owner) == ("Pilot", contributor)


def test_reopening_returns_to_the_status_before_done(lead, team, contributor):
    milestone = roadmap.milestone_create(
        actor=lead, initiative=_initiative(lead, team), title="Pilot", due_date=START, owner=contributor
    )
    roadmap.milestone_update(actor=contributor, milestone=milestone, status=MilestoneStatus.BLOCKED)
    roadmap.milestone_complete(actor=contributor, milestone=milestone)

    roadmap.milestone_reopen(actor=contributor, milestone=milestone)

    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.BLOCKED and milestone.completed_at is None
    assert milestone.history.first().history_user == contributor


def test_reopening_an_overdue_milestone_keeps_its_overdue_episode(lead, team, contributor):
    """The reminders of the episode went out already: an undo must not start a new episode."""
    milestone = roadmap.milestone_create(
        actor=lead, initiative=_initiative(lead, team), title="Pilot", due_date=START, owner=contributor
    )
    stamped = START + dt.timedelta(days=3)
    roadmap.milestones_mark_overdue(today=stamped)
    milestone.refresh_from_db()
    roadmap.milestone_complete(actor=contributor, milestone=milestone)

    roadmap.milestone_reopen(actor=contributor, milestone=milestone)

    milestone.refresh_from_db()
    assert milestone.overdue_since == stamped
    assert roadmap.milestones_mark_overdue(today=stamped + dt.timedelta(days=1)) == []


def test_a_due_date_moved_ahead_ends_the_overdue_episode(lead, team, contributor):
    milestone = roadmap.milestone_create(
        actor=lead, initiative=_initiative(lead, team), title="Pilot", due_date=START, owner=contributor
    )
    roadmap.milestones_mark_overdue(today=START + dt.timedelta(days=3))
    milestone.refresh_from_db()

    roadmap.milestone_update(
        actor=contributor, milestone=milestone, due_date=dt.date.today() + dt.timedelta(days=7)
    )

    milestone.refresh_from_db()
    assert milestone.overdue_since is None


def test_only_a_done_milestone_can_be_reopened(lead, team, contributor):
    milestone = roadmap.milestone_create(
        actor=lead, initiative=_initiative(lead, team), title="Pilot", due_date=START, owner=contributor
    )
    with pytest.raises(Conflict) as excinfo:
        roadmap.milestone_reopen(actor=contributor, milestone=milestone)
    assert excinfo.value.message == roadmap.MSG_NOT_DONE


def test_others_cannot_update_a_milestone(lead, team, contributor, viewer, executive):
    milestone = roadmap.milestone_create(
        actor=lead, initiative=_initiative(lead, team), title="P", due_date=START
    )
    for actor in (contributor, viewer, executive):
        with pytest.raises(PermissionDenied):
            roadmap.milestone_complete(actor=actor, milestone=milestone)
    assert Milestone.objects.get(pk=milestone.pk).status == MilestoneStatus.PLANNED


def test_dependencies_must_be_done_first(lead, team):
    initiative = _initiative(lead, team)
    first = roadmap.milestone_create(actor=lead, initiative=initiative, title="Diagnose", due_date=START)
    second = roadmap.milestone_create(actor=lead, initiative=initiative, title="Pilot", due_date=START)
    roadmap.milestone_set_dependencies(actor=lead, milestone=second, depends_on=[first])
    with pytest.raises(ValidationError) as excinfo:
        roadmap.milestone_complete(actor=lead, milestone=second)
    assert excinfo.value.message_dict == {"status": [roadmap.MSG_OPEN_DEPENDENCIES.format(titles="Diagnose")]}
    roadmap.milestone_complete(actor=lead, milestone=first)
    roadmap.milestone_complete(actor=lead, milestone=Milestone.objects.get(pk=second.pk))


def test_dependency_cycles_are_refused(lead, team):
    initiative = _initiative(lead, team)
    a, b, c = (
        roadmap.milestone_create(actor=lead, initiative=initiative, title=t, due_date=START) for t in "ABC"
    )
    roadmap.milestone_set_dependencies(actor=lead, milestone=b, depends_on=[a])
    roadmap.milestone_set_dependencies(actor=lead, milestone=c, depends_on=[b])
    with pytest.raises(ValidationError) as excinfo:
        roadmap.milestone_set_dependencies(actor=lead, milestone=a, depends_on=[c])
    assert excinfo.value.message_dict == {"dependencies": [roadmap.MSG_CYCLE.format(path="A → C → B → A")]}
    with pytest.raises(ValidationError):
        roadmap.milestone_set_dependencies(actor=lead, milestone=a, depends_on=[a])
    assert list(a.dependencies.all()) == []


def test_dependencies_stay_inside_one_initiative(lead, team):
    a = roadmap.milestone_create(actor=lead, initiative=_initiative(lead, team), title="A", due_date=START)
    b = roadmap.milestone_create(actor=lead, initiative=_initiative(lead, team), title="B", due_date=START)
    with pytest.raises(ValidationError):
        roadmap.milestone_set_dependencies(actor=lead, milestone=a, depends_on=[b])


def test_overdue_marking_finds_each_milestone_once(lead, team):
    initiative = _initiative(lead, team)
    late = MilestoneFactory(initiative=initiative, due_date=dt.date(2026, 3, 1))
    MilestoneFactory(initiative=initiative, due_date=dt.date(2026, 3, 1), status="done")
    MilestoneFactory(initiative=initiative, due_date=dt.date(2026, 3, 10))
    assert roadmap.milestones_mark_overdue(today=dt.date(2026, 3, 5)) == [late]
    assert roadmap.milestones_mark_overdue(today=dt.date(2026, 3, 6)) == []
    assert Milestone.objects.get(pk=late.pk).is_overdue(today=dt.date(2026, 3, 5))


def test_milestone_owner_must_be_active(lead, team):
    gone = UserFactory(is_active=False)
    with pytest.raises(ValidationError):
        roadmap.milestone_create(
            actor=lead, initiative=_initiative(lead, team), title="A", due_date=START, owner=gone
        )
