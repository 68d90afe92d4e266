"""The prioritisation pages: the matrix and ranked list, the settings form, the break-point page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from improvement.models import BreakpointType, PrioritySettings, Stage
from improvement.selectors.priorities import priority_settings_get
from improvement.services.priorities import (
    MSG_ADMIN_ONLY,
    MSG_CHANGED_MEANWHILE,
    MSG_MIX_TOTAL,
    MSG_NO_WEIGHT,
)
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory
from tests.improvement.priority_factories import make_idea
from tests.web.conftest import queries_for

PRIORITIES = reverse("improvement:priorities")
SETTINGS = reverse("improvement:priority_settings")
BREAKPOINTS = reverse("improvement:breakpoints")
VALID = {
    "weight_value": 30,
    "weight_money": 50,
    "weight_ease": 20,
    "reference_interaction": 52,
    "reference_process": 31,
    "reference_technical": 17,
}


def test_the_priorities_page_ranks_ideas_and_initiatives_with_their_quadrant(login, lead, team):
    kpi = KpiFactory()
    idea = make_idea(
        title="Callback offer",
        value=5,
        difficulty=1,
        kpi=kpi,
        current_value=70,
        target_value=75,
        unit_value=Decimal("2"),
        monthly_volume=1000,
    )
    InitiativeFactory(team=team, title="Rebuild the IVR", impact=2, effort=5)
    response = login(lead).get(PRIORITIES)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Callback offer" in html and "Rebuild the IVR" in html
    assert html.index("Callback offer") < html.index("Rebuild the IVR")
    rows = response.context["rows"]
    assert rows[0]["reference"] == f"IDEA-{idea.pk:04d}"
    assert rows[0]["quadrant"] == "quick_win" and rows[1]["quadrant"] == "thankless"
    assert rows[0]["money"] == pytest.approx(10_000)
    assert reverse("improvement:idea_detail", args=[idea.pk]) in html
    quadrants = {key: count for row in response.context["quadrants"] for key, _, count in row}
    assert quadrants == {"quick_win": 1, "major_project": 0, "fill_in": 0, "thankless": 1}


def test_the_priorities_page_filters_by_items(login, lead, team):
    make_idea(title="Only an idea")
    InitiativeFactory(team=team, title="Only an initiative")
    html = login(lead).get(PRIORITIES, {"items": "initiatives"}).content.decode()
    assert "Only an initiative" in html and "Only an idea" not in html


def test_the_navigation_links_to_priorities_and_the_dashboard_to_breakpoints(login, executive):
    client = login(executive)
    assert PRIORITIES in client.get(reverse("improvement:dashboard")).content.decode()
    assert BREAKPOINTS in client.get(reverse("improvement:dashboard")).content.decode()
    assert BREAKPOINTS in client.get(PRIORITIES).content.decode()


def _many(n, team):
    kpi = KpiFactory()
    for i in range(n):
        make_idea(
            value=1 + i % 5,
            difficulty=1 + (i * 3) % 5,
            kpi=kpi,
            current_value=i,
            target_value=i + 5,
            unit_value=Decimal("1.5"),
            monthly_volume=100,
            team=team,
            breakpoint_type=BreakpointType.values[i % 3],
        )
        initiative = InitiativeFactory(team=team, stage=Stage.PLAN if i % 2 else Stage.DO)
        KpiTargetFactory(initiative=initiative, kpi=kpi, unit_value_per_month=10)


@pytest.mark.parametrize("url", [PRIORITIES, BREAKPOINTS])
def test_the_pages_run_the_same_number_of_queries_for_3n_items(login, admin, team, url):
    client = login(admin)
    priority_settings_get()  # the settings row exists (the first read of all makes it)
    _many(4, team)
    first = queries_for(client, url)
    _many(8, team)
    assert queries_for(client, url) == first


def test_only_admins_see_the_settings(login, lead, admin):
    response = login(lead).get(SETTINGS)
    assert response.status_code == 403
    assert login(lead).post(SETTINGS, VALID).status_code == 403
    assert login(admin).get(SETTINGS).status_code == 200


def _post(client, **changes):
    page = client.get(SETTINGS)
    data = {**VALID, "seen": page.context["form"].initial["seen"], **changes}
    return client.post(SETTINGS, data)


def test_an_admin_changes_the_weights(login, admin):
    response = _post(login(admin), weight_value=0, weight_money=0, weight_ease=10)
    assert response.status_code == 302
    settings = priority_settings_get()
    assert (settings.weight_value, settings.weight_money, settings.weight_ease) == (0, 0, 10)
    assert settings.updated_by == admin


def test_a_mix_not_adding_up_to_100_is_a_form_error_and_nothing_is_saved(login, admin):
    response = _post(login(admin), reference_interaction=50, weight_value=99)
    assert response.status_code == 200
    assert MSG_MIX_TOTAL % {"total": 98} in response.context["form"].non_field_errors()
    assert priority_settings_get().weight_value == 30


def test_all_weights_zero_is_a_form_error(login, admin):
    response = _post(login(admin), weight_value=0, weight_money=0, weight_ease=0)
    assert MSG_NO_WEIGHT in response.context["form"].non_field_errors()


def test_a_negative_weight_is_a_field_error(login, admin):
    response = _post(login(admin), weight_money=-1)
    assert response.status_code == 200
    assert response.context["form"].errors["weight_money"]


def test_a_save_made_against_settings_changed_meanwhile_is_refused(login, admin):
    client = login(admin)
    page = client.get(SETTINGS)
    seen = page.context["form"].initial["seen"]
    assert _post(login(admin), weight_value=7).status_code == 302
    response = client.post(SETTINGS, {**VALID, "seen": seen, "weight_value": 9})
    assert response.status_code == 200
    assert MSG_CHANGED_MEANWHILE in response.context["form"].non_field_errors()
    assert PrioritySettings.objects.get().weight_value == 7


def test_the_breakpoint_page_shows_the_reference_mix_and_the_pareto(login, executive):
    make_idea(breakpoint_type=BreakpointType.TECHNICAL)
    response = login(executive).get(BREAKPOINTS)
    html = response.content.decode()
    assert response.status_code == 200
    for share in ("52 %", "31 %", "17 %"):
        assert share in html
    first_type = response.context["types"][0][0]
    assert first_type.totals.key == "technical" and first_type.share == pytest.approx(100)


def test_admin_only_message_is_the_services(login, lead):
    assert MSG_ADMIN_ONLY  # the 403 page says it; the constant is what the API returns too
