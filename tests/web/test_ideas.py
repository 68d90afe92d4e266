"""Ideas on the site: the triage list, the submit form, the idea page with its decisions, and
"Start an improvement" on a KPI alert."""

import datetime as dt

import pytest

from improvement.models import Idea, IdeaStatus, Stage
from improvement.services import ideas
from kpis.models import AlertLevel, KpiAlert
from tests.factories import KpiFactory, MeasurementFactory
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpi(db):
    return KpiFactory(code="fcr", name="First-contact resolution")


@pytest.fixture
def idea(contributor, team, kpi):
    return ideas.idea_create(
        actor=contributor, title="Route billing chats", problem="They bounce.", team=team, kpi=kpi, value=4
    )


def test_the_navigation_leads_to_the_triage_list(login, viewer):
    page = login(viewer).get("/my-work/").content.decode()
    assert 'href="/ideas/"' in page


def test_anyone_signed_in_submits_an_idea(login, viewer, team, kpi):
    client = login(viewer)
    assert client.get("/ideas/new/").status_code == 200

    response = client.post(
        "/ideas/new/",
        {
            "title": "Shorter refund form",
            "problem": "Customers give up.",
            "kpi": kpi.pk,
            "segment": "web",
            "breakpoint_type": "interaction",
            "team": team.pk,
            "value": "4",
            "difficulty": "2",
            "save": "submit",
        },
    )

    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ideas/{idea.pk}/"
    assert (idea.status, idea.submitted_by, idea.kpi, idea.segment) == (
        IdeaStatus.SUBMITTED,
        viewer,
        kpi,
        "web",
    )
    assert (idea.value, idea.difficulty, idea.breakpoint_type) == (4, 2, "interaction")


def test_a_bad_form_shows_the_errors_on_its_fields_and_saves_nothing(login, viewer):
    response = login(viewer).post(
        "/ideas/new/", {"title": "  ", "value": "3", "difficulty": "3", "breakpoint_type": "process"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["title"] == [str(ideas.MSG_TITLE_REQUIRED)]
    assert not Idea.objects.exists()


def test_a_draft_is_saved_for_its_author_only(login, contributor, lead):
    login(contributor).post(
        "/ideas/new/",
        {
            "title": "Half a thought",
            "value": "3",
            "difficulty": "3",
            "breakpoint_type": "process",
            "save": "draft",
        },
    )
    draft = Idea.objects.get()
    assert draft.status == IdeaStatus.DRAFT
    assert login(lead).get(f"/ideas/{draft.pk}/").status_code == 404
    page = login(contributor).get(f"/ideas/{draft.pk}/").content.decode()
    assert f'action="/ideas/{draft.pk}/submit/"' in page

    login(contributor).post(f"/ideas/{draft.pk}/submit/")

    assert login(lead).get(f"/ideas/{draft.pk}/").status_code == 200


def test_the_triage_list_filters_and_counts_per_status(login, lead, idea, viewer, other_team):
    ideas.idea_create(
        actor=viewer, title="Self-service refunds", team=other_team, breakpoint_type="technical"
    )
    client = login(lead)

    page = client.get("/ideas/", {"breakpoint_type": "technical"}).content.decode()

    assert "Self-service refunds" in page and "Route billing chats" not in page
    response = client.get("/ideas/", {"q": "billing"})
    assert [i.title for i in response.context["page"].object_list] == ["Route billing chats"]
    assert ("submitted", "Submitted", 1) in response.context["counts"]


def test_the_triage_page_costs_the_same_queries_for_3n_ideas(login, lead, contributor, team, kpi):
    def add(n):
        for i in range(n):
            ideas.idea_create(actor=contributor, title=f"Idea {i}", team=team, kpi=kpi)

    client = login(lead)
    add(3)
    few = queries_for(client, "/ideas/")
    add(6)
    assert queries_for(client, "/ideas/") == few


def test_only_triagers_see_the_decisions(login, idea, lead, other_lead, contributor):
    assert 'id="triage"' in login(lead).get(f"/ideas/{idea.pk}/").content.decode()
    for person in (other_lead, contributor):
        assert 'id="triage"' not in login(person).get(f"/ideas/{idea.pk}/").content.decode()
    assert login(other_lead).post(f"/ideas/{idea.pk}/decline/", {"reason": "No"}).status_code == 403


def test_the_lead_accepts_into_a_plan_stage_initiative_linked_both_ways(login, lead, idea, team):
    client = login(lead)

    response = client.post(f"/ideas/{idea.pk}/accept/", {"team": team.pk, "lead": lead.pk})

    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.status == IdeaStatus.ACCEPTED and idea.initiative.stage == Stage.PLAN
    page = client.get(f"/initiatives/{idea.initiative_id}/").content.decode()
    assert f'From idea <a href="/ideas/{idea.pk}/">{idea.reference}</a>' in page
    assert f'href="/initiatives/{idea.initiative_id}/"' in client.get(f"/ideas/{idea.pk}/").content.decode()


def test_accepting_twice_shows_the_conflict(login, lead, idea, team):
    client = login(lead)
    client.post(f"/ideas/{idea.pk}/accept/", {"team": team.pk, "lead": lead.pk})
    response = client.post(f"/ideas/{idea.pk}/accept/", {"team": team.pk, "lead": lead.pk})
    # Decided: the triage forms are gone, the refusal is on the page.
    assert response.status_code == 400
    assert "already decided" in response.content.decode()


def test_declining_without_a_reason_is_an_error_on_the_field(login, lead, idea, contributor):
    response = login(lead).post(f"/ideas/{idea.pk}/decline/", {"reason": ""})
    assert response.status_code == 400
    assert response.context["decline_form"].errors["reason"] == [str(ideas.MSG_REASON_REQUIRED)]

    login(lead).post(f"/ideas/{idea.pk}/decline/", {"reason": "The vendor fixes it in March."})

    page = login(contributor).get(f"/ideas/{idea.pk}/").content.decode()
    assert "The vendor fixes it in March." in page


def test_merging_by_reference_lists_the_duplicate_on_the_kept_idea(login, lead, idea, viewer, team):
    duplicate = ideas.idea_create(actor=viewer, title="Billing chats bounce", team=team)
    client = login(lead)

    bad = client.post(f"/ideas/{duplicate.pk}/merge/", {"into": "IDEA-999999"})
    assert bad.status_code == 400
    client.post(f"/ideas/{duplicate.pk}/merge/", {"into": idea.reference})

    duplicate.refresh_from_db()
    assert duplicate.merged_into == idea
    assert f"{duplicate.reference} Billing chats bounce" in client.get(f"/ideas/{idea.pk}/").content.decode()


def test_the_author_edits_a_submitted_idea_and_a_stale_form_is_refused(login, contributor, idea):
    client = login(contributor)
    form = {
        "title": "Route billing chats well",
        "value": "4",
        "difficulty": "3",
        "breakpoint_type": "process",
    }
    assert client.post(f"/ideas/{idea.pk}/edit/", {**form, "version": idea.version}).status_code == 302
    stale = client.post(f"/ideas/{idea.pk}/edit/", {**form, "title": "Again", "version": idea.version})
    assert stale.status_code == 400
    assert Idea.objects.get(pk=idea.pk).title == "Route billing chats well"


# --- a KPI alert starts a draft -------------------------------------------------------------------


@pytest.fixture
def alert(kpi):
    for n in range(5):
        MeasurementFactory(
            kpi=kpi, segment="chat", period=dt.date(2026, 3, 1) + dt.timedelta(days=n), value=80
        )
    return KpiAlert.objects.create(
        kpi=kpi, segment="chat", period=dt.date(2026, 3, 6), level=AlertLevel.WARNING, value=60, threshold=70
    )


def test_the_kpi_page_lists_alerts_with_start_an_improvement(login, viewer, alert, kpi):
    page = login(viewer).get(f"/kpis/{kpi.code}/", {"segment": "chat"}).content.decode()
    assert 'id="alerts"' in page
    assert f'action="/kpi-alerts/{alert.pk}/start-improvement/"' in page


def test_start_an_improvement_gives_the_prefilled_draft_once(login, contributor, alert, kpi):
    client = login(contributor)

    response = client.post(f"/kpi-alerts/{alert.pk}/start-improvement/")
    again = client.post(f"/kpi-alerts/{alert.pk}/start-improvement/")

    draft = Idea.objects.get()
    assert response["Location"] == again["Location"] == f"/ideas/{draft.pk}/edit/"
    assert (draft.kpi, draft.segment, draft.current_value) == (kpi, "chat", 80)
    form = client.get(f"/ideas/{draft.pk}/edit/").content.decode()
    assert "Improve First-contact resolution (chat)" in form
    assert "Warning threshold crossed on 2026-03-06" in form


def test_someone_who_cannot_see_a_draft_cannot_edit_it(login, contributor, lead, alert):
    login(contributor).post(f"/kpi-alerts/{alert.pk}/start-improvement/")
    draft = Idea.objects.get()
    assert login(lead).get(f"/ideas/{draft.pk}/edit/").status_code == 404
