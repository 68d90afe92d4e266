"""An executive finds the initiatives that return most, narrows them down, drills into one and
exports what they see."""

import csv
import io
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from improvement.models import Stage
from tests.browser.conftest import WIDTHS
from tests.factories import BenefitFactory, CostFactory, InitiativeFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portfolio():
    care, sales = TeamFactory(name="Customer Care", slug="care"), TeamFactory(name="Sales", slug="sales")
    UserFactory(email="erin@example.com", full_name="Erin Executive", role=Role.EXECUTIVE)
    # (code, team, one-time cost, monthly benefit): ROI over 12 months 200 %, 44 %, 20 %, −40 %, none.
    cases = [
        ("IMP-101", care, 1200, 300),
        ("IMP-102", sales, 2500, 300),
        ("IMP-103", care, 10000, 1000),
        ("IMP-104", care, 5000, 250),
        ("IMP-105", sales, 0, 0),
    ]
    for code, team, cost, monthly in cases:
        initiative = InitiativeFactory(code=code, title=f"Case {code[-3:]}", team=team, stage=Stage.DO)
        if cost:
            CostFactory(initiative=initiative, amount=Decimal(cost))
            BenefitFactory(initiative=initiative, monthly_amount=Decimal(monthly))


def shown_codes(page) -> list[str]:
    links = page.locator("table.money-ranking tbody tr td:nth-child(2) a strong")
    return [links.nth(i).inner_text() for i in range(links.count())]


@pytest.mark.parametrize("width", WIDTHS)
def test_an_executive_finds_the_top_initiatives_by_roi_drills_down_and_exports(browse, portfolio, width):
    executive = browse(viewport=WIDTHS[width]).login("erin@example.com")
    page = executive.page

    # Signing in lands on the portfolio, ranked by ROI (0 clicks).
    expect(page.get_by_role("heading", name="Initiatives ranked by return")).to_be_visible()
    assert shown_codes(page) == ["IMP-101", "IMP-102", "IMP-103", "IMP-104", "IMP-105"]
    expect(page.locator("table.money-ranking tbody tr").first).to_contain_text("€1,200")
    expect(page.locator("table.money-ranking tbody tr").last).to_contain_text("—")
    expect(page.get_by_text("At risk: an active initiative")).to_be_visible()
    # The ranking fits its box at both widths: nothing to scroll sideways to.
    table, box = page.locator("table.money-ranking"), page.locator("table.money-ranking").locator("..")
    assert table.evaluate("t => t.scrollWidth") <= box.evaluate("b => b.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    executive.shot(f"{width}-portfolio-ranked-by-roi")
    executive.assert_accessible()

    # Narrow to one team and rank by payback, soonest first (filters: 2 choices + 1 click).
    page.get_by_label("Team").select_option(label="Customer Care")
    page.get_by_label("Rank by").select_option(label="Payback — soonest first")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    shown = shown_codes(page)
    assert shown == ["IMP-101", "IMP-103", "IMP-104"]
    if width == "desktop":
        # A column heading reverses the order (1 click).
        page.locator("table.money-ranking thead").get_by_role("link", name="Payback").click()
        page.wait_for_load_state()
        shown = shown_codes(page)
        assert shown == ["IMP-103", "IMP-101", "IMP-104"]
    executive.shot(f"{width}-portfolio-filtered-and-sorted")

    # Export what is shown (1 click): the same rows in the same order, with the currency.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert [row["Code"] for row in rows] == shown
    assert {row["Currency"] for row in rows} == {"EUR"}
    assert rows[shown.index("IMP-101")]["ROI %"] == "200.0"

    # Drill down to the best one (1 click): its ROI, payback and NPV open the page.
    page.get_by_role("link", name="IMP-101 Case 101").click()
    page.wait_for_load_state()
    summary = page.locator("#money-summary")
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("200.0 %")
    expect(summary).to_contain_text("4.0 months")
    executive.shot(f"{width}-initiative-money-summary")

    # The initiative list has the same money columns.
    executive.go("/initiatives/?sort=roi_desc")
    expect(page.locator("table tbody tr").first).to_contain_text("IMP-101")
    expect(page.locator("table tbody tr").first).to_contain_text("200.0 %")
    executive.shot(f"{width}-initiative-list-by-roi")
    executive.assert_accessible()
