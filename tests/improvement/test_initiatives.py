import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from common.errors import Conflict, PermissionDenied
from improvement import selectors
from improvement.models import Initiative, Quadrant, quadrant_for
from improvement.services.initiatives import (
    MSG_CANNOT_CREATE,
    initiative_archive,
    initiative_create,
    initiative_set_on_hold,
    initiative_update,
)
from tests.factories import InitiativeFactory, MembershipFactory, MilestoneFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 2)


def test_codes_are_numbered_in_sequence(lead, team):
    first = initiative_create(actor=lead, title="A", team=team, start_date=TODAY)
    second = initiative_create(actor=lead, title="B", team=team, start_date=TODAY)
    assert (first.code, second.code) == ("IMP-001", "IMP-002")
    assert (
        first.lead == lead and first.stage == "plan" and first.cycle == 1 and first.cycle_started_on == TODAY
    )


def test_lead_creates_only_in_their_own_team(lead, other_team):
    with pytest.raises(PermissionDenied) as excinfo:
        initiative_create(actor=lead, title="A", team=other_team, start_date=TODAY)
    assert excinfo.value.message == MSG_CANNOT_CREATE
    assert not Initiative.objects.exists()


@pytest.mark.parametrize("role_fixture", ["contributor", "viewer", "executive", "finance"])
def test_only_leads_and_admins_create_initiatives(request, team, role_fixture):
    with pytest.raises(PermissionDenied):
        initiative_create(actor=request.getfixturevalue(role_fixture), title="A", team=team, start_date=TODAY)


def test_admin_creates_anywhere_with_a_named_lead(admin, other_team, other_lead):
    initiative = initiative_create(actor=admin, title="A", team=other_team, start_date=TODAY, lead=other_lead)
    assert initiative.lead == other_lead


def test_the_lead_must_be_a_project_lead(admin, team, contributor):
    with pytest.raises(ValidationError) as excinfo:
        initiative_create(actor=admin, title="A", team=team, start_date=TODAY, lead=contributor)
    assert "lead" in excinfo.value.message_dict


def test_end_before_start_is_refused(lead, team):
    with pytest.raises(ValidationError):
        initiative_create(
            actor=lead, title="A", team=team, start_date=TODAY, target_end_date=TODAY - dt.timedelta(1)
        )


def test_impact_outside_1_to_5_is_refused(lead, team):
    with pytest.raises(ValidationError) as excinfo:
        initiative_create(actor=lead, title="A", team=team, start_date=TODAY, impact=6)
    assert "impact" in excinfo.value.message_dict


def test_lead_of_another_team_cannot_edit(other_lead, lead, team):
    initiative = initiative_create(actor=lead, title="A", team=team, start_date=TODAY)
    with pytest.raises(PermissionDenied):
        initiative_update(actor=other_lead, initiative=initiative, title="Hijack")
    assert Initiative.objects.get(pk=initiative.pk).title == "A"


@pytest.mark.parametrize("role_fixture", ["contributor", "executive", "finance", "viewer"])
def test_non_leads_cannot_edit_content(request, lead, team, role_fixture):
    initiative = initiative_create(actor=lead, title="A", team=team, start_date=TODAY)
    with pytest.raises(PermissionDenied):
        initiative_update(actor=request.getfixturevalue(role_fixture), initiative=initiative, title="X")


def test_a_stale_edit_is_refused_and_the_newer_one_kept(lead, team):
    initiative = initiative_create(actor=lead, title="A", team=team, start_date=TODAY)
    stale = Initiative.objects.get(pk=initiative.pk)
    initiative_update(actor=lead, initiative=initiative, title="First")
    with pytest.raises(Conflict):
        initiative_update(actor=lead, initiative=stale, title="Second")
    assert Initiative.objects.get(pk=initiative.pk).title == "First"


def test_changes_are_recorded_in_history_with_the_actor(lead, team):
    initiative = initiative_create(actor=lead, title="A", team=team, start_date=TODAY)
    initiative_update(actor=lead, initiative=initiative, title="Sharper title")
    latest = initiative.history.first()
    assert latest.title == "Sharper title" and latest.history_user == lead
    assert initiative.history.count() == 2


def test_archive_keeps_the_record(lead, team):
    initiative = initiative_create(actor=lead, title="A", team=team, start_date=TODAY)
    initiative_archive(actor=lead, initiative=initiative)
    assert Initiative.objects.filter(pk=initiative.pk).exists()
    assert not Initiative.objects.active().filter(pk=initiative.pk).exists()
    with pytest.raises(Conflict):
        initiative_update(actor=lead, initiative=initiative, title="B")


def test_hold_and_resume(lead, team):
    initiative = initiative_create(actor=lead, title="A", team=team, start_date=TODAY)
    initiative_set_on_hold(actor=lead, initiative=initiative, on_hold=True)
    assert Initiative.objects.get(pk=initiative.pk).status == "on_hold"
    initiative_set_on_hold(actor=lead, initiative=initiative, on_hold=False)
    assert Initiative.objects.get(pk=initiative.pk).status == "active"


@pytest.mark.parametrize(
    ("impact", "effort", "quadrant"),
    [
        (5, 1, Quadrant.QUICK_WIN),
        (4, 4, Quadrant.MAJOR_PROJECT),
        (2, 2, Quadrant.FILL_IN),
        (1, 5, Quadrant.THANKLESS),
        (3, 2, Quadrant.QUICK_WIN),
        (2, 3, Quadrant.THANKLESS),
    ],
)
def test_value_difficulty_quadrant(impact, effort, quadrant):
    assert quadrant_for(impact, effort) == quadrant


def test_users_see_only_their_teams_initiatives(lead, other_lead, team, other_team, executive, viewer):
    mine = InitiativeFactory(team=team, lead=lead)
    theirs = InitiativeFactory(team=other_team, lead=other_lead)
    assert set(selectors.initiative_list(user=viewer)) == {mine}
    assert set(selectors.initiative_list(user=lead)) == {mine}
    assert set(selectors.initiative_list(user=executive)) == {mine, theirs}


def test_milestone_owner_of_another_team_sees_that_initiative(other_team, other_lead):
    outsider = UserFactory(role="contributor")
    initiative = InitiativeFactory(team=other_team, lead=other_lead)
    MilestoneFactory(initiative=initiative, owner=outsider)
    assert list(selectors.initiative_list(user=outsider)) == [initiative]


def test_each_way_in_shows_the_initiative_once_and_nothing_else(team, other_team, other_lead):
    reader = UserFactory(role="contributor")
    MembershipFactory(user=reader, team=team)
    by_team = InitiativeFactory(team=team)
    led = InitiativeFactory(team=other_team, lead=reader)
    sponsored = InitiativeFactory(team=other_team, lead=other_lead, sponsor=reader)
    member_of = InitiativeFactory(team=other_team, lead=other_lead)
    member_of.members.add(reader)
    owns_a_milestone = InitiativeFactory(team=other_team, lead=other_lead)
    MilestoneFactory.create_batch(2, initiative=owns_a_milestone, owner=reader)
    # Every way in at once: still one row.
    everything = InitiativeFactory(team=team, lead=reader, sponsor=reader)
    everything.members.add(reader)
    MilestoneFactory(initiative=everything, owner=reader)
    InitiativeFactory(team=other_team, lead=other_lead)  # no way in
    archived = InitiativeFactory(team=team)
    Initiative.objects.filter(pk=archived.pk).update(archived_at=timezone.now())

    listed = list(selectors.initiative_list(user=reader).order_by("code"))
    ways_in = [by_team, led, sponsored, member_of, owns_a_milestone, everything]
    expected = sorted(ways_in, key=lambda i: i.code)
    assert listed == expected
    assert selectors.initiative_list(user=reader).count() == 6
    assert set(selectors.initiative_list(user=reader, include_archived=True)) == {*expected, archived}
    assert selectors.initiative_get(user=reader, pk=led.pk) == led


@pytest.mark.parametrize("reader", ["executive", "lead"])
def test_the_first_rows_at_risk_are_the_at_risk_lists_first_rows_for_every_length(
    request, reader, team, other_team
):
    past = timezone.localdate() - dt.timedelta(days=3)
    # Created in an order that is not the codes' order within a class, with ties on the overdue
    # count (decided by code).
    for code, health, overdue in [
        ("AR-09", "off_track", 0),
        ("AR-03", "off_track", 2),
        ("AR-07", "at_risk", 1),
        ("AR-02", "at_risk", 0),
        ("AR-08", "on_track", 3),
        ("AR-04", "on_track", 1),
        ("AR-01", "on_track", 1),
        ("AR-06", "on_track", 0),  # not at risk
        ("AR-05", "off_track", 2),
        ("AR-10", "off_track", 1),
    ]:
        initiative = InitiativeFactory(team=team, code=code, health=health)
        MilestoneFactory.create_batch(overdue, initiative=initiative, due_date=past)
        MilestoneFactory(initiative=initiative, due_date=past, status="done")  # done: not overdue
    InitiativeFactory(team=team, health="off_track", status="on_hold")  # not active: not at risk
    hidden = InitiativeFactory(team=other_team, code="AR-00", health="off_track")  # the lead's not
    portfolio = selectors.initiative_portfolio(user=request.getfixturevalue(reader))
    whole = list(selectors.initiative_list_at_risk(initiatives=portfolio))

    expected = ["AR-03", "AR-05", "AR-10", "AR-00", "AR-09", "AR-07", "AR-02", "AR-08", "AR-01", "AR-04"]
    if reader == "lead":
        expected.remove(hidden.code)
    assert [i.code for i in whole] == expected
    for limit in range(len(whole) + 2):
        assert selectors.initiative_at_risk_first(initiatives=portfolio, limit=limit) == whole[:limit]


def test_initiative_list_counts_milestones_without_extra_queries(lead, team, django_assert_num_queries):
    for _ in range(3):
        initiative = InitiativeFactory(team=team, lead=lead)
        MilestoneFactory(initiative=initiative, due_date=timezone.localdate() - dt.timedelta(days=2))
        MilestoneFactory(initiative=initiative, status="done")
    with django_assert_num_queries(1):
        rows = list(selectors.initiative_list(user=lead))
        assert [(r.milestones_total, r.milestones_done, r.milestones_overdue) for r in rows] == [
            (2, 1, 1)
        ] * 3
