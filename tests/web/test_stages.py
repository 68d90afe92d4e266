import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from improvement.models import Stage, StageTransition, Status
from improvement.services.stage_gates import COND_MILESTONES, COND_OWNERS, COND_SMART_GOAL, COND_TARGET
from improvement.services.stages import (
    MSG_BACK_NEEDS_REASON,
    MSG_CANNOT_MOVE,
    MSG_STANDARDISE_OPEN,
)
from tests.factories import InitiativeFactory, KpiTargetFactory, MeasurementFactory, MilestoneFactory
from tests.web.conftest import queries_for

BOARD = reverse("improvement:board")

pytestmark = pytest.mark.django_db


def move(initiative) -> str:
    return reverse("improvement:initiative_move", args=[initiative.pk])


def ready_for_do(initiative):
    KpiTargetFactory(initiative=initiative)
    MilestoneFactory(initiative=initiative)


def detail(initiative) -> str:
    return reverse("improvement:initiative_detail", args=[initiative.pk])


def test_a_refused_move_lists_each_unmet_condition_once_with_its_fix_and_changes_nothing(
    login, lead, initiative
):
    response = login(lead).post(move(initiative), {"to": "do", "version": initiative.version})

    body = response.content.decode()
    assert response.status_code == 200
    assert "The move was refused" in body
    assert [(item.message, [fix.url for fix in item.fixes]) for item in response.context["refused"]] == [
        (COND_TARGET, [reverse("improvement:target_create", args=[initiative.pk])]),
        (COND_MILESTONES, [reverse("improvement:milestone_create", args=[initiative.pk])]),
    ]
    assert body.count(escape(COND_TARGET)) == 1
    assert body.count(escape(COND_MILESTONES)) == 1
    assert "The stage gate is not met." not in body
    assert "Reason for stepping back" not in body
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN
    assert not StageTransition.objects.exists()


def test_an_unowned_milestone_links_to_its_own_edit_page(login, lead, initiative):
    KpiTargetFactory(initiative=initiative)
    unowned = MilestoneFactory(initiative=initiative, owner=None, title="Form the team")

    response = login(lead).get(detail(initiative))

    [owners] = [item for item in response.context["checklist"] if not item.passed]
    assert owners.message == COND_OWNERS
    assert [(fix.label, fix.url) for fix in owners.fixes] == [
        ("Give “Form the team” an owner", reverse("improvement:milestone_edit", args=[unowned.pk]))
    ]


def test_the_initiative_page_disables_the_move_until_the_checklist_is_green(login, lead, initiative):
    initiative.smart_goal = ""
    initiative.save()
    client = login(lead)

    body = client.get(detail(initiative)).content.decode()

    assert '<button class="button button-secondary button-waiting" type="button" disabled' in body
    assert 'aria-describedby="gate-status"' in body
    assert "3 of 4 conditions not met yet" in body
    assert f'action="{move(initiative)}"' not in body
    edit = reverse("improvement:initiative_edit", args=[initiative.pk])
    assert f'<a href="{edit}#id_smart_goal">Write the SMART goal</a>' in body
    assert escape(COND_SMART_GOAL) in body

    initiative.smart_goal = "Cut waiting to 30 s."
    initiative.save()
    ready_for_do(initiative)
    body = client.get(detail(initiative)).content.decode()

    assert f'action="{move(initiative)}"' in body
    assert '<button class="button" type="submit">Move to Do</button>' in body
    assert "disabled" not in body.split('id="stage"')[1].split("</section>")[0]


def test_an_unmet_gate_offers_the_override_to_executives_and_admins_only(
    login, lead, executive, admin, initiative
):
    override = f'href="{move(initiative)}?to=do"'

    lead_body = login(lead).get(detail(initiative)).content.decode()
    executive_body = login(executive).get(detail(initiative)).content.decode()
    admin_body = login(admin).get(detail(initiative)).content.decode()

    assert override not in lead_body
    assert f"{override}>Move to Do (override)…</a>" in executive_body
    assert f"{override}>Override the gate…</a>" in admin_body
    assert 'type="button" disabled aria-describedby="gate-status">Move to Do</button>' in admin_body
    ready_for_do(initiative)
    assert override not in login(executive).get(detail(initiative)).content.decode()


def test_readers_see_the_checklist_without_fix_links(login, viewer, initiative):
    response = login(viewer).get(detail(initiative))

    assert response.status_code == 200
    assert all(not item.fixes for item in response.context["checklist"])


def test_a_move_through_a_met_gate_goes_back_where_it_started(login, lead, initiative):
    ready_for_do(initiative)
    board = reverse("improvement:board")

    response = login(lead).post(move(initiative), {"to": "do", "version": initiative.version, "next": board})

    assert response["Location"] == board
    initiative.refresh_from_db()
    assert initiative.stage == Stage.DO
    assert StageTransition.objects.get().gate_passed


def test_a_move_from_a_stale_page_asks_to_reload(login, lead, initiative):
    ready_for_do(initiative)

    response = login(lead).post(move(initiative), {"to": "do", "version": initiative.version - 1})

    assert "changed by someone else" in response.content.decode()
    initiative.refresh_from_db()
    assert initiative.stage == Stage.PLAN


def test_stepping_back_needs_a_reason(login, lead, initiative):
    initiative.stage = Stage.DO
    initiative.save()
    client = login(lead)

    refused = client.post(move(initiative), {"to": "plan", "version": initiative.version})
    allowed = client.post(
        move(initiative), {"to": "plan", "version": initiative.version, "reason": "Redo the plan"}
    )

    assert refused.context["form"].errors == {"reason": [MSG_BACK_NEEDS_REASON]}
    assert "Reason for stepping back" in refused.content.decode()
    assert "override_reason" not in refused.context["form"].fields
    assert allowed.status_code == 302
    assert StageTransition.objects.get().reason == "Redo the plan"


def test_the_move_page_shows_the_gate_checklist(login, lead, initiative):
    response = login(lead).get(move(initiative) + "?to=do")

    assert response.status_code == 200
    assert COND_TARGET in response.content.decode()
    assert "override_reason" not in response.context["form"].fields


def test_an_executive_must_give_an_override_reason(login, executive, initiative):
    client = login(executive)

    refused = client.post(move(initiative), {"to": "do", "version": initiative.version})
    overridden = client.post(
        move(initiative), {"to": "do", "version": initiative.version, "override_reason": "Board decision"}
    )

    assert refused.context["form"].errors == {"override_reason": ["This field is required."]}
    assert overridden.status_code == 302
    transition = StageTransition.objects.get()
    assert transition.override_reason == "Board decision"
    assert not transition.gate_passed


@pytest.mark.parametrize("role_fixture", ["contributor", "viewer", "finance"])
def test_people_who_cannot_move_get_the_403_page(request, login, initiative, role_fixture):
    client = login(request.getfixturevalue(role_fixture))

    assert client.get(move(initiative)).status_code == 403
    response = client.post(move(initiative), {"to": "do", "version": initiative.version})
    assert response.status_code == 403
    assert escape(MSG_CANNOT_MOVE) in response.content.decode()
    assert not StageTransition.objects.exists()


def test_the_act_decision_ends_the_cycle(login, lead, initiative):
    initiative.stage = Stage.ACT
    initiative.save()

    response = login(lead).post(
        reverse("improvement:initiative_decide", args=[initiative.pk]),
        {"decision": "standardise", "version": initiative.version},
    )

    assert response.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Status.STANDARDISED


def test_standardising_with_open_work_warns_and_asks_for_a_confirmation(login, lead, initiative):
    initiative.stage = Stage.ACT
    initiative.save()
    MilestoneFactory(initiative=initiative, title="Roll out to phone", status="in_progress")
    target = KpiTargetFactory(initiative=initiative, baseline_value=70, target_value=90)
    MeasurementFactory(kpi=target.kpi, period=initiative.cycle_started_on, value=75)
    client = login(lead)
    progress = f"{target.kpi.name} is at 25\u00a0% of the way to its target"
    open_work = f"1 milestone is not done (“Roll out to phone”); {progress}"

    page = client.get(detail(initiative)).content.decode()
    refused = client.post(
        reverse("improvement:initiative_decide", args=[initiative.pk]),
        {"decision": "standardise", "version": initiative.version},
    )

    assert "Still open" in page
    assert escape("1 milestone is not done (“Roll out to phone”)") in page
    assert progress in page
    assert refused.status_code == 200
    assert refused.context["decision_form"].errors == {
        "confirm_open": [MSG_STANDARDISE_OPEN.format(items=open_work)]
    }
    initiative.refresh_from_db()
    assert initiative.status == Status.ACTIVE

    confirmed = client.post(
        reverse("improvement:initiative_decide", args=[initiative.pk]),
        {"decision": "standardise", "version": initiative.version, "confirm_open": "on"},
    )

    assert confirmed.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == Status.STANDARDISED


# Board ------------------------------------------------------------------------------------------


def test_the_board_has_a_column_per_stage_with_its_cards(login, lead, team):
    planning = InitiativeFactory(team=team, stage=Stage.PLAN)
    checking = InitiativeFactory(team=team, stage=Stage.CHECK)
    InitiativeFactory(team=team, stage=Stage.DO, status=Status.STANDARDISED)

    columns = login(lead).get(reverse("improvement:board")).context["columns"]

    assert [c.stage for c in columns] == [Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT]
    assert [[card.pk for card in c.cards] for c in columns] == [[planning.pk], [], [checking.pk], []]


def test_board_cards_carry_a_move_form_for_editors_only(login, lead, contributor, executive, initiative):
    url = reverse("improvement:board")
    form = f'action="{move(initiative)}"'

    assert form in login(lead).get(url).content.decode()
    assert form not in login(contributor).get(url).content.decode()
    executive_body = login(executive).get(url).content.decode()
    assert form not in executive_body
    assert "Override the gate…" in executive_body


def test_the_board_runs_the_same_number_of_queries_for_3n_cards(login, lead, team):
    client = login(lead)
    url = reverse("improvement:board")
    InitiativeFactory.create_batch(3, team=team)
    few = queries_for(client, url)
    InitiativeFactory.create_batch(6, team=team, stage=Stage.DO)

    assert queries_for(client, url) == few


def _cards(response) -> dict[str, list[int]]:
    return {column.stage.value: [card.pk for card in column.cards] for column in response.context["columns"]}


def test_the_board_shows_the_readers_teams_by_default(login, executive, lead, team, other_team):
    ours = InitiativeFactory(team=team, stage=Stage.PLAN)
    theirs = InitiativeFactory(team=other_team, stage=Stage.PLAN)
    executive.memberships.create(team=team)

    mine = login(executive).get(BOARD)
    everything = login(executive).get(BOARD, {"show": "all"})

    assert _cards(mine)["plan"] == [ours.pk]
    assert sorted(_cards(everything)["plan"]) == sorted([ours.pk, theirs.pk])


def test_someone_without_a_team_sees_everything_they_may_read(login, executive, team, other_team):
    shown = [InitiativeFactory(team=team).pk, InitiativeFactory(team=other_team).pk]

    assert sorted(_cards(login(executive).get(BOARD))["plan"]) == sorted(shown)


def test_the_board_filters_by_lead_and_by_initiatives_i_lead(login, lead, other_lead, team):
    led = InitiativeFactory(team=team, lead=lead)
    other = InitiativeFactory(team=team, lead=other_lead)
    client = login(lead)

    assert _cards(client.get(BOARD, {"show": "mine"}))["plan"] == [led.pk]
    assert _cards(client.get(BOARD, {"lead": other_lead.pk}))["plan"] == [other.pk]


def test_a_long_column_is_capped_and_links_to_the_rest_in_the_list(login, lead, team, monkeypatch):
    monkeypatch.setattr("improvement.views.board.BOARD_COLUMN_CAP", 3)
    InitiativeFactory.create_batch(5, team=team, stage=Stage.DO)
    InitiativeFactory(team=team, stage=Stage.PLAN)

    response = login(lead).get(BOARD, {"team": team.pk})

    columns = {column.stage.value: column for column in response.context["columns"]}
    assert (len(columns["do"].cards), columns["do"].total) == (3, 5)
    assert (len(columns["plan"].cards), columns["plan"].hidden) == (1, 0)
    body = response.content.decode()
    assert body.count("data-card=") == 4
    link = f"{reverse('improvement:initiative_list')}?stage=do&amp;team={team.pk}"
    assert f'<a href="{link}">2 more in Do — see the list</a>' in body


def test_the_board_stays_the_same_size_and_query_count_however_many_initiatives(
    login, lead, team, monkeypatch
):
    """A column shows its first cards only: 3 or 30 initiatives, same queries, same page weight."""
    monkeypatch.setattr("improvement.views.board.BOARD_COLUMN_CAP", 2)
    client = login(lead)
    # One lead for all: the lead filter lists people, and grows with them, not with initiatives.
    InitiativeFactory.create_batch(3, team=team, stage=Stage.PLAN, lead=lead)
    with CaptureQueriesContext(connection) as few_queries:
        few = client.get(BOARD).content
    InitiativeFactory.create_batch(27, team=team, stage=Stage.PLAN, lead=lead)
    with CaptureQueriesContext(connection) as many_queries:
        many = client.get(BOARD).content

    assert len(many_queries.captured_queries) == len(few_queries.captured_queries)
    assert many.count(b"data-card=") == few.count(b"data-card=") == 2
    # Only the column's total and the "N more" count grow by a digit or two.
    assert abs(len(many) - len(few)) < 40


def test_asking_for_a_skipped_stage_shows_no_gate(login, lead, initiative):
    response = login(lead).get(move(initiative) + "?to=act")

    assert response.status_code == 200
    assert response.context["gate"] is None
    assert response.context["to_stage"] is None
