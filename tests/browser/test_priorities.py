"""A prioritisation journey: an admin changes the weights and the ranking changes; the break-point
page shows the reference mix next to where breaks cluster."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from improvement.models import BreakpointType
from tests.factories import KpiFactory, UserFactory
from tests.improvement.priority_factories import make_idea

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ideas():
    UserFactory(email="ada@example.com", full_name="Ada Admin", role=Role.ADMIN, is_staff=True)
    kpi = KpiFactory(code="fcr_b", name="First-contact resolution")
    # Easy but worth little; hard but worth a lot of money.
    make_idea(
        title="Rename the chat button", value=3, difficulty=1, breakpoint_type=BreakpointType.INTERACTION
    )
    make_idea(
        title="Route billing calls to specialists",
        value=3,
        difficulty=4,
        kpi=kpi,
        current_value=70,
        target_value=80,
        unit_value=Decimal("0.5"),
        monthly_volume=20_000,
        breakpoint_type=BreakpointType.PROCESS,
    )


def first_ranked(page) -> str:
    return page.locator("#ranked tbody tr").first.locator("td").nth(1).inner_text()


def test_an_admin_changes_the_weights_and_the_ranking_changes(browse, ideas):
    admin = browse().login("ada@example.com").go("/")
    page = admin.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Priorities").click()
    page.wait_for_load_state()
    # Default weights 30 / 50 / 20: the money decides.
    expect(page.locator("#ranked")).to_be_visible()
    assert "Route billing calls" in first_ranked(page)
    expect(page.locator("#quadrants [data-quadrant=quick_win]")).to_contain_text("1")
    admin.shot("priorities-by-money")
    admin.assert_accessible()

    page.get_by_role("link", name="Weights and reference mix").first.click()
    page.wait_for_load_state()
    page.get_by_label("Weight of money a month").fill("0")
    page.get_by_label("Weight of ease (5 − difficulty)").fill("80")
    admin.shot("settings")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Prioritisation settings saved.")).to_be_visible()
    assert "Rename the chat button" in first_ranked(page)
    admin.shot("priorities-by-ease")

    # A mix that does not add up to 100 is refused on the form.
    page.goto("/priorities/settings/")
    page.get_by_label("Interaction (%)").fill("60")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_contain_text("must add up to 100")
    admin.shot("settings-error")


def test_the_breakpoint_page_shows_the_reference_mix(browse, ideas):
    admin = browse().login("ada@example.com").go("/priorities/")
    page = admin.page
    page.get_by_role("link", name="Break-point analysis").click()
    page.wait_for_load_state()
    expect(page.locator("#reference-mix")).to_contain_text("52 %")
    expect(page.locator("#reference-mix")).to_contain_text("31 %")
    expect(page.locator("#reference-mix")).to_contain_text("17 %")
    rows = page.locator("#pareto-types tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#pareto-types tr[data-key=interaction] .reference")).to_have_text("52 %")
    admin.shot("breakpoints")
    admin.assert_accessible()
