"""Ideas in the API: submit (ideas:write, Idempotency-Key), edit (If-Match), the decisions, sync,
and KPI alerts with start-improvement."""

import datetime as dt

import pytest

from accounts.models import Scope
from improvement.models import Idea, IdeaStatus, Stage
from improvement.services import ideas
from kpis.models import AlertLevel, KpiAlert
from tests.api.conftest import queries_for
from tests.factories import KpiFactory, MeasurementFactory

pytestmark = pytest.mark.django_db

IDEAS = "/api/v1/ideas/"
ALERTS = "/api/v1/kpi-alerts/"


@pytest.fixture
def kpi(db):
    return KpiFactory(code="fcr", name="First-contact resolution")


@pytest.fixture
def idea(contributor, team, kpi):
    return ideas.idea_create(
        actor=contributor,
        title="Route billing chats",
        team=team,
        kpi=kpi,
        segment="chat",
        current_value=70,
        target_value=80,
    )


def test_an_integration_submits_an_idea_once_per_idempotency_key(token_api, viewer, team):
    client = token_api(viewer, Scope.IDEAS_WRITE, Scope.PROGRESS_READ)
    body = {"title": "Shorter refund form", "kpi": "fcr", "team": team.pk, "value": 4, "difficulty": 2}
    KpiFactory(code="fcr")

    first = client.post(IDEAS, body, format="json", HTTP_IDEMPOTENCY_KEY="idea-1")
    again = client.post(IDEAS, body, format="json", HTTP_IDEMPOTENCY_KEY="idea-1")

    assert first.status_code == 201, first.json()
    assert again.json() == first.json()
    assert Idea.objects.count() == 1
    data = first.json()
    assert (data["status"], data["kpi"], data["reference"]) == ("submitted", "fcr", f"IDEA-{data['id']:04d}")


def test_a_token_without_ideas_write_cannot_submit(token_api, viewer):
    client = token_api(viewer, Scope.PROGRESS_READ)
    assert client.post(IDEAS, {"title": "x"}, format="json").status_code == 403


def test_bad_input_answers_400_on_its_fields(api, viewer):
    response = api(viewer).post(IDEAS, {"title": " ", "value": 9}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"value"}
    response = api(viewer).post(IDEAS, {"title": " "}, format="json")
    assert response.json()["fields"] == {"title": [str(ideas.MSG_TITLE_REQUIRED)]}
    assert not Idea.objects.exists()


def test_an_edit_with_a_stale_if_match_answers_412(api, contributor, idea):
    client = api(contributor)
    etag = client.get(f"{IDEAS}{idea.pk}/")["ETag"]

    ok = client.patch(
        f"{IDEAS}{idea.pk}/", {"title": "Route billing chats well"}, format="json", HTTP_IF_MATCH=etag
    )
    stale = client.patch(f"{IDEAS}{idea.pk}/", {"title": "Again"}, format="json", HTTP_IF_MATCH=etag)

    assert ok.status_code == 200 and ok.json()["version"] == 2
    assert stale.status_code == 412
    assert Idea.objects.get(pk=idea.pk).title == "Route billing chats well"


def test_the_lead_accepts_and_the_idea_links_its_plan_stage_initiative(api, lead, idea):
    response = api(lead).post(f"{IDEAS}{idea.pk}/accept/", {}, format="json")

    assert response.status_code == 200, response.json()
    data = response.json()
    idea.refresh_from_db()
    assert data["status"] == "accepted" and data["initiative"] == idea.initiative_id
    assert data["initiative_code"] == idea.initiative.code
    assert idea.initiative.stage == Stage.PLAN


def test_a_second_decision_answers_409(api, lead, idea):
    client = api(lead)
    assert client.post(f"{IDEAS}{idea.pk}/decline/", {"reason": "Not now."}, format="json").status_code == 200
    response = client.post(f"{IDEAS}{idea.pk}/accept/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["message"] == str(ideas.MSG_ALREADY_DECIDED % {"status": "declined"})


def test_declining_without_a_reason_answers_400(api, lead, idea):
    response = api(lead).post(f"{IDEAS}{idea.pk}/decline/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"reason": [str(ideas.MSG_REASON_REQUIRED)]}


def test_merging_into_itself_or_an_unseen_idea_answers_400(api, lead, idea, contributor):
    client = api(lead)
    assert client.post(f"{IDEAS}{idea.pk}/merge/", {"into": idea.pk}, format="json").json()["fields"] == {
        "into": [str(ideas.MSG_MERGE_ITSELF)]
    }
    draft = ideas.idea_create(actor=contributor, title="Hidden draft", submit=False)
    assert client.post(f"{IDEAS}{idea.pk}/merge/", {"into": draft.pk}, format="json").status_code == 400


def test_a_draft_is_invisible_to_others_and_submitted_by_its_author(api, contributor, lead):
    draft = ideas.idea_create(actor=contributor, title="Hidden draft", submit=False)
    assert api(lead).get(f"{IDEAS}{draft.pk}/").status_code == 404
    response = api(contributor).post(f"{IDEAS}{draft.pk}/submit/", format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"


def test_the_list_filters_like_the_triage_page_and_syncs(api, lead, idea, viewer, other_team):
    ideas.idea_create(
        actor=viewer, title="Self-service refunds", team=other_team, breakpoint_type="technical"
    )
    client = api(lead)

    def titles(**params):
        return [row["title"] for row in client.get(IDEAS, params).json()["results"]]

    assert titles(breakpoint_type="technical") == ["Self-service refunds"]
    assert titles(q="billing", kpi="fcr", status="submitted") == ["Route billing chats"]
    assert sorted(titles(updated_since="2000-01-01T00:00:00Z")) == [
        "Route billing chats",
        "Self-service refunds",
    ]


def test_the_list_costs_the_same_queries_for_3n_ideas(api, lead, contributor, team, kpi):
    def add(n):
        for i in range(n):
            idea = ideas.idea_create(actor=contributor, title=f"Idea {i}", team=team, kpi=kpi)
            ideas.idea_decline(actor=lead, idea=idea, reason="No")

    client = api(lead)
    add(3)
    few = queries_for(client, f"{IDEAS}?page_size=100")
    add(6)
    assert queries_for(client, f"{IDEAS}?page_size=100") == few


# --- KPI alerts -----------------------------------------------------------------------------------


@pytest.fixture
def alert(kpi):
    for n in range(4):
        MeasurementFactory(
            kpi=kpi, segment="chat", period=dt.date(2026, 3, 1) + dt.timedelta(days=n), value=80
        )
    return KpiAlert.objects.create(
        kpi=kpi, segment="chat", period=dt.date(2026, 3, 5), level=AlertLevel.WARNING, value=60, threshold=70
    )


def test_alerts_are_listed_by_kpi_and_segment(token_api, viewer, alert):
    client = token_api(viewer, Scope.PROGRESS_READ)
    assert [a["id"] for a in client.get(ALERTS, {"kpi": "fcr", "segment": "chat"}).json()["results"]] == [
        alert.pk
    ]
    assert client.get(ALERTS, {"segment": "email"}).json()["results"] == []


def test_start_improvement_returns_the_same_draft_twice(token_api, viewer, alert):
    client = token_api(viewer, Scope.IDEAS_WRITE, Scope.PROGRESS_READ)

    first = client.post(f"{ALERTS}{alert.pk}/start-improvement/", format="json")
    again = client.post(f"{ALERTS}{alert.pk}/start-improvement/", format="json")

    assert first.status_code == 200, first.json()
    assert first.json()["id"] == again.json()["id"]
    data = first.json()
    assert (data["status"], data["kpi"], data["segment"], data["alert"]) == ("draft", "fcr", "chat", alert.pk)
    assert data["current_value"] == 80 and data["title"] == "Improve First-contact resolution (chat)"
    assert Idea.objects.get().status == IdeaStatus.DRAFT


def test_start_improvement_needs_ideas_write(token_api, viewer, alert):
    client = token_api(viewer, Scope.PROGRESS_READ)
    assert client.post(f"{ALERTS}{alert.pk}/start-improvement/", format="json").status_code == 403


def test_the_alert_list_costs_the_same_queries_for_3n_alerts(api, lead, kpi):
    def add(start, n):
        for i in range(n):
            KpiAlert.objects.create(
                kpi=kpi,
                period=dt.date(2026, 1, 1) + dt.timedelta(days=start + i),
                level="warning",
                value=1,
                threshold=2,
            )

    client = api(lead)
    add(0, 3)
    few = queries_for(client, f"{ALERTS}?page_size=100")
    add(3, 6)
    assert queries_for(client, f"{ALERTS}?page_size=100") == few
