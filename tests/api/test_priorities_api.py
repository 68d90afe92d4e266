"""Prioritisation in the API: /api/v1/priorities/, /api/v1/breakpoints/, /api/v1/priority-settings/."""

from decimal import Decimal

import pytest

from improvement.models import BreakpointType, PrioritySettings
from improvement.selectors.priorities import priority_settings_get
from improvement.services.priorities import MSG_ADMIN_ONLY, MSG_MIX_TOTAL, MSG_NO_WEIGHT
from tests.api.conftest import queries_for
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory
from tests.improvement.priority_factories import make_idea

pytestmark = pytest.mark.django_db

PRIORITIES = "/api/v1/priorities/"
BREAKPOINTS = "/api/v1/breakpoints/"
SETTINGS = "/api/v1/priority-settings/"


def test_the_ranked_list_is_paged_and_best_first(api, lead, team):
    kpi = KpiFactory(code="fcr_x")
    idea = make_idea(
        title="Callback",
        value=5,
        difficulty=1,
        kpi=kpi,
        current_value=70,
        target_value=75,
        unit_value=Decimal("2"),
        monthly_volume=1000,
        breakpoint_type=BreakpointType.INTERACTION,
    )
    initiative = InitiativeFactory(team=team, impact=1, effort=5)
    body = api(lead).get(PRIORITIES).json()
    assert body["count"] == 2
    first, second = body["results"]
    assert first == {
        "kind": "idea",
        "id": idea.pk,
        "reference": f"IDEA-{idea.pk:04d}",
        "title": "Callback",
        "team": None,
        "breakpoint_type": "interaction",
        "value": 5,
        "difficulty": 1,
        "quadrant": "quick_win",
        "money_per_month": 10_000.0,
        # (30·1 + 50·1 + 20·1) / 100 × 100
        "score": pytest.approx(100),
    }
    assert (second["kind"], second["id"], second["reference"]) == (
        "initiative",
        initiative.pk,
        initiative.code,
    )
    assert second["quadrant"] == "thankless" and second["score"] == pytest.approx(0)


def test_the_ranked_list_filters(api, admin):
    kpi = KpiFactory(code="aht_x")
    make_idea(kpi=kpi)
    make_idea()
    assert api(admin).get(PRIORITIES, {"kpi": "aht_x", "items": "ideas"}).json()["count"] == 1


def test_bad_filters_answer_400_per_field(api, admin):
    response = api(admin).get(PRIORITIES, {"items": "everything", "breakpoint_type": "cosmic", "kpi": "nope"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"items", "breakpoint_type", "kpi"}


def test_the_ranked_list_and_the_breakpoints_run_the_same_number_of_queries_for_3n_rows(api, admin, team):
    priority_settings_get()

    def add(n):
        for _ in range(n):
            make_idea()
            KpiTargetFactory(initiative=InitiativeFactory(team=team), unit_value_per_month=5)

    client = api(admin)
    add(3)
    few = queries_for(client, PRIORITIES), queries_for(client, BREAKPOINTS)
    add(6)
    assert (queries_for(client, PRIORITIES), queries_for(client, BREAKPOINTS)) == few


def test_breakpoints_answer_the_pareto_rows_and_the_reference_mix(api, executive):
    kpi = KpiFactory(code="csat_x")
    make_idea(breakpoint_type=BreakpointType.TECHNICAL, kpi=kpi)
    make_idea(breakpoint_type=BreakpointType.TECHNICAL)
    make_idea(breakpoint_type=BreakpointType.PROCESS)
    body = api(executive).get(BREAKPOINTS).json()
    assert body["reference_mix"] == {"interaction": 52, "process": 31, "technical": 17}
    technical = body["by_type"][0]
    assert technical["breakpoint_type"] == "technical" and technical["ideas"] == 2
    assert technical["share"] == pytest.approx(200 / 3)
    assert technical["difference"] == pytest.approx(200 / 3 - 17)
    assert [row["cumulative_share"] for row in body["by_type"]] == pytest.approx([200 / 3, 100, 100])
    assert {(row["breakpoint_type"], row["kpi"]) for row in body["by_kpi"]} == {
        ("technical", "csat_x"),
        ("technical", None),
        ("process", None),
    }


def test_everyone_reads_the_settings_with_an_etag(api, viewer):
    response = api(viewer).get(SETTINGS)
    assert response.status_code == 200
    assert response.json()["weight_money"] == 50
    assert response["ETag"]


def test_only_admins_change_the_settings(api, lead):
    response = api(lead).patch(SETTINGS, {"weight_value": 10}, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == MSG_ADMIN_ONLY
    assert priority_settings_get().weight_value == 30


def test_an_admin_changes_the_weights_with_if_match(api, admin):
    client = api(admin)
    etag = client.get(SETTINGS)["ETag"]
    response = client.patch(SETTINGS, {"weight_value": 10}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["weight_value"] == 10
    assert PrioritySettings.objects.get().updated_by == admin
    # The old tag no longer matches: the second admin's change made against it is refused.
    stale = client.patch(SETTINGS, {"weight_value": 20}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert priority_settings_get().weight_value == 10


def test_a_mix_not_adding_up_to_100_answers_400_and_changes_nothing(api, admin):
    response = api(admin).patch(SETTINGS, {"reference_interaction": 60, "weight_value": 5}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"reference_mix": [MSG_MIX_TOTAL % {"total": 108}]}
    assert priority_settings_get().weight_value == 30


def test_weights_all_zero_or_out_of_range_answer_400(api, admin):
    client = api(admin)
    zero = client.patch(SETTINGS, {"weight_value": 0, "weight_money": 0, "weight_ease": 0}, format="json")
    assert zero.json()["fields"] == {"weights": [MSG_NO_WEIGHT]}
    negative = client.patch(SETTINGS, {"weight_money": -1, "reference_process": 101}, format="json")
    assert negative.status_code == 400
    assert set(negative.json()["fields"]) == {"weight_money", "reference_process"}
