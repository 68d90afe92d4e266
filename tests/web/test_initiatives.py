import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from improvement.forms import MSG_END_BEFORE_START
from improvement.models import Health, Initiative, Milestone, StatusUpdate
from improvement.services.initiatives import MSG_CANNOT_CREATE
from improvement.services.targets import MSG_FUTURE_UPDATE
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    StatusUpdateFactory,
    TeamFactory,
)
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db


def detail(initiative) -> str:
    return reverse("improvement:initiative_detail", args=[initiative.pk])


# List -------------------------------------------------------------------------------------------


def test_the_list_shows_only_initiatives_the_person_may_read(login, lead, team, other_team):
    mine = InitiativeFactory(team=team, title="Chat bot")
    theirs = InitiativeFactory(team=other_team, title="Claims intake")

    body = login(lead).get(reverse("improvement:initiative_list")).content.decode()

    assert mine.code in body
    assert theirs.code not in body


def test_the_list_filters_by_search_stage_and_health(login, executive, team):
    wanted = InitiativeFactory(
        team=team, title="Self-service FAQ coverage", stage="do", health=Health.AT_RISK
    )
    InitiativeFactory(team=team, title="Self-service chatbot", stage="plan", health=Health.AT_RISK)
    InitiativeFactory(team=team, title="Routing", stage="do", health=Health.AT_RISK)

    response = login(executive).get(
        reverse("improvement:initiative_list"), {"q": "self-service", "stage": "do", "health": "at_risk"}
    )

    assert [i.pk for i in response.context["page"].object_list] == [wanted.pk]


def test_only_initiatives_i_lead_when_asked(login, lead, team, other_lead):
    mine = InitiativeFactory(team=team, lead=lead)
    InitiativeFactory(team=team)

    response = login(lead).get(reverse("improvement:initiative_list"), {"mine": "on"})

    assert [i.pk for i in response.context["page"].object_list] == [mine.pk]


def _initiatives_with_milestones(team, count):
    for _ in range(count):
        initiative = InitiativeFactory(team=team)
        MilestoneFactory.create_batch(2, initiative=initiative)


def test_the_list_runs_the_same_number_of_queries_for_3n_rows(login, lead, team):
    client = login(lead)
    url = reverse("improvement:initiative_list")
    _initiatives_with_milestones(team, 3)
    few = queries_for(client, url)
    _initiatives_with_milestones(team, 6)

    assert queries_for(client, url) == few


def test_the_new_initiative_button_is_shown_to_leads_only(login, lead, contributor, executive):
    url = reverse("improvement:initiative_list")
    create = reverse("improvement:initiative_create")

    assert create in login(lead).get(url).content.decode()
    assert create not in login(contributor).get(url).content.decode()
    assert create not in login(executive).get(url).content.decode()


# Create and edit --------------------------------------------------------------------------------


def _create_payload(team, **overrides):
    payload = {
        "title": "Cut chat first response to 30 s",
        "team": team.pk,
        "category": "response_speed",
        "breakpoint_type": "interaction",
        "smart_goal": "First response under 30 s for 90% of chats by the end of Q3.",
        "impact": 4,
        "effort": 2,
        "start_date": timezone.localdate().isoformat(),
        "with_standard_plan": "on",
    }
    payload.update(overrides)
    return payload


def test_a_lead_creates_an_initiative_with_the_standard_plan(login, lead, team):
    response = login(lead).post(reverse("improvement:initiative_create"), _create_payload(team))

    initiative = Initiative.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail(initiative)
    assert initiative.lead == lead
    assert Milestone.objects.filter(initiative=initiative, owner=lead).count() == 15


def test_creating_without_the_plan_adds_no_milestones(login, lead, team):
    payload = _create_payload(team)
    del payload["with_standard_plan"]

    login(lead).post(reverse("improvement:initiative_create"), payload)

    assert not Milestone.objects.exists()


def test_an_end_before_the_start_is_shown_next_to_the_form(login, lead, team):
    start = timezone.localdate()
    payload = _create_payload(team, target_end_date=(start - dt.timedelta(days=1)).isoformat())

    response = login(lead).post(reverse("improvement:initiative_create"), payload)

    assert response.status_code == 200
    assert response.context["form"].errors == {"target_end_date": [MSG_END_BEFORE_START]}
    assert not Initiative.objects.exists()


def test_a_lead_cannot_pick_a_team_they_do_not_belong_to(login, lead, other_team):
    response = login(lead).post(reverse("improvement:initiative_create"), _create_payload(other_team))

    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    assert not Initiative.objects.exists()


@pytest.mark.parametrize("role_fixture", ["contributor", "executive", "finance", "viewer"])
def test_people_who_cannot_create_get_the_403_page(request, login, role_fixture):
    response = login(request.getfixturevalue(role_fixture)).get(reverse("improvement:initiative_create"))

    assert response.status_code == 403
    assert MSG_CANNOT_CREATE in response.content.decode()


def test_a_lead_edits_the_smart_goal(login, lead, initiative):
    client = login(lead)
    form = client.get(reverse("improvement:initiative_edit", args=[initiative.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(team=initiative.team_id, lead=lead.pk, smart_goal="Reach 30 s by June.")

    response = client.post(reverse("improvement:initiative_edit", args=[initiative.pk]), data)

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.smart_goal == "Reach 30 s by June."


def test_an_edit_based_on_a_stale_version_asks_to_reload(login, lead, initiative):
    client = login(lead)
    url = reverse("improvement:initiative_edit", args=[initiative.pk])
    data = {
        name: value for name, value in client.get(url).context["form"].initial.items() if value is not None
    }
    data.update(team=initiative.team_id, lead=lead.pk, title="Renamed")
    Initiative.objects.filter(pk=initiative.pk).update(version=initiative.version + 1)

    response = client.post(url, data)

    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.title != "Renamed"


def test_only_editors_reach_the_edit_page(login, contributor, executive, initiative):
    url = reverse("improvement:initiative_edit", args=[initiative.pk])

    assert login(contributor).get(url).status_code == 403
    assert login(executive).get(url).status_code == 403


# The initiative page ----------------------------------------------------------------------------


def test_the_page_shows_goal_targets_milestones_status_money_and_history(login, lead, initiative):
    target = KpiTargetFactory(initiative=initiative, baseline_value=70, target_value=85)
    MeasurementFactory(kpi=target.kpi, value=80, period=timezone.localdate())
    MilestoneFactory(initiative=initiative, title="Pilot in queue B")
    CostFactory(initiative=initiative, description="Chatbot licence")
    StatusUpdateFactory(initiative=initiative, narrative="Pilot started in two queues.")

    response = login(lead).get(detail(initiative))
    body = response.content.decode()

    assert response.status_code == 200
    for text in (
        initiative.smart_goal,
        target.kpi.name,
        "Pilot in queue B",
        "Chatbot licence",
        "Pilot started in two queues.",
        "To move to Do",
        "Milestone “Pilot in queue B” created",
    ):
        assert text in body
    assert f'id="kpi-chart-{target.pk}"' in body
    assert f"kpi-chart-{target.pk}-data" in body


def test_overdue_milestones_are_marked(login, lead, initiative):
    MilestoneFactory(initiative=initiative, due_date=timezone.localdate() - dt.timedelta(days=3))

    response = login(lead).get(detail(initiative))

    assert response.context["milestones"][0].overdue
    assert "badge-overdue" in response.content.decode()


LEAD_ONLY = ["Edit</a>", "Add target", "Add milestone", "Add cost", "Post update", ">Move to Do</button>"]


def test_the_lead_sees_every_editing_button(login, lead, initiative):
    body = login(lead).get(detail(initiative)).content.decode()

    for button in LEAD_ONLY:
        assert button in body


@pytest.mark.parametrize("role_fixture", ["contributor", "viewer", "executive", "finance"])
def test_readers_see_no_editing_buttons(request, login, initiative, role_fixture):
    body = login(request.getfixturevalue(role_fixture)).get(detail(initiative)).content.decode()

    for button in LEAD_ONLY:
        assert button not in body


def test_an_executive_is_offered_the_gate_override_only(login, executive, initiative):
    body = login(executive).get(detail(initiative)).content.decode()

    assert "Move to Do (override)…" in body
    assert "Step back" not in body


def test_finance_is_offered_to_validate_benefits(login, finance, lead, initiative):
    BenefitFactory(initiative=initiative)

    assert ">Validate<" in login(finance).get(detail(initiative)).content.decode()
    assert ">Validate<" not in login(lead).get(detail(initiative)).content.decode()


def test_an_initiative_of_another_team_is_not_found(login, other_lead, initiative):
    assert login(other_lead).get(detail(initiative)).status_code == 404


def _fill(initiative, count):
    for _ in range(count):
        target = KpiTargetFactory(initiative=initiative)
        MeasurementFactory(kpi=target.kpi)
        MilestoneFactory(initiative=initiative)
        CostFactory(initiative=initiative)
        BenefitFactory(initiative=initiative)
        StatusUpdateFactory(initiative=initiative)


def test_the_page_runs_the_same_number_of_queries_for_3n_rows(login, lead, initiative):
    client = login(lead)
    _fill(initiative, 2)
    few = queries_for(client, detail(initiative))
    _fill(initiative, 4)

    assert queries_for(client, detail(initiative)) == few


# Status updates ---------------------------------------------------------------------------------


def test_the_lead_posts_a_status_update_that_sets_health(login, lead, initiative):
    response = login(lead).post(
        reverse("improvement:status_post", args=[initiative.pk]),
        {"date": timezone.localdate().isoformat(), "health": "at_risk", "narrative": "Vendor is late."},
    )

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.health == Health.AT_RISK
    assert StatusUpdate.objects.get().narrative == "Vendor is late."


def test_a_future_dated_update_is_refused_next_to_the_date(login, lead, initiative):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    response = login(lead).post(
        reverse("improvement:status_post", args=[initiative.pk]),
        {"date": tomorrow.isoformat(), "health": "at_risk", "narrative": "Later."},
    )

    assert response.status_code == 200
    assert response.context["status_form"].errors == {"date": [MSG_FUTURE_UPDATE]}
    assert not StatusUpdate.objects.exists()


def test_a_blank_narrative_is_refused(login, lead, initiative):
    response = login(lead).post(
        reverse("improvement:status_post", args=[initiative.pk]),
        {"date": timezone.localdate().isoformat(), "health": "on_track", "narrative": "   "},
    )

    assert response.status_code == 200
    assert response.context["status_form"].errors == {"narrative": ["This field is required."]}
    assert not StatusUpdate.objects.exists()


@pytest.mark.parametrize("role_fixture", ["contributor", "executive", "viewer"])
def test_others_cannot_post_status_updates(request, login, initiative, role_fixture):
    response = login(request.getfixturevalue(role_fixture)).post(
        reverse("improvement:status_post", args=[initiative.pk]),
        {"date": timezone.localdate().isoformat(), "health": "on_track", "narrative": "Hello"},
    )

    assert response.status_code == 403
    assert not StatusUpdate.objects.exists()


def test_a_team_of_its_own_is_needed_to_see_an_initiative(login, viewer):
    hidden = InitiativeFactory(team=TeamFactory())

    assert login(viewer).get(detail(hidden)).status_code == 404
