"""A finance reviewer validates a claimed benefit and sees the validated totals move."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.browser.conftest import WIDTHS
from tests.factories import BenefitFactory, CostFactory, InitiativeFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def claimed():
    UserFactory(email="fiona@example.com", full_name="Fiona Finance", role=Role.FINANCE)
    initiative = InitiativeFactory(
        code="IMP-201", title="Self-service refunds", team=TeamFactory(name="Care")
    )
    CostFactory(initiative=initiative, amount=Decimal("6000"))
    BenefitFactory(initiative=initiative, description="Fewer refund calls", monthly_amount=Decimal("1000"))
    BenefitFactory(
        initiative=initiative, description="Happier customers", monthly_amount=Decimal("200"), nature="soft"
    )
    return initiative


SPLIT_COLUMNS = ("Validated", "Not validated", "Total")


def split_cells(page, label: str) -> dict[str, str]:
    """One row of the benefit-by-evidence table: {"Validated": "€12,000", …}."""
    row = page.locator("table.benefit-split tr", has=page.get_by_role("rowheader", name=label, exact=True))
    cells = row.locator("td")
    return {column: cells.nth(i).inner_text().strip() for i, column in enumerate(SPLIT_COLUMNS)}


@pytest.mark.parametrize("width", WIDTHS)
def test_finance_validates_a_benefit_and_sees_the_validated_totals_change(browse, claimed, width):
    finance = browse(viewport=WIDTHS[width]).login("fiona@example.com")
    page = finance.page

    # Signing in lands on My work with the queue of claimed benefits.
    expect(page.get_by_role("heading", name="Benefits awaiting validation")).to_be_visible()
    finance.shot(f"{width}-queue")
    finance.assert_accessible()
    finance.go("/dashboard/")
    assert split_cells(page, "Total") == {"Validated": "€0", "Not validated": "€14,400", "Total": "€14,400"}
    finance.go("/my-work/")

    # Validate the hard line (1 click).
    page.get_by_role("button", name=re.compile(r"^Validate\W+Fewer refund calls")).click()
    page.wait_for_load_state()
    expect(page.get_by_text("Benefit “Fewer refund calls” validated.")).to_be_visible()

    # The initiative's page (1 click) opens with the validated share of the benefit.
    page.get_by_role("link", name="IMP-201 Self-service refunds").click()
    page.wait_for_load_state()
    summary = page.locator("#money-summary")
    expect(summary).to_contain_text("€12,000")  # 1,000 a month over 12 months, validated
    expect(summary).to_contain_text("of €14,400")
    assert split_cells(page, "Hard") == {"Validated": "€12,000", "Not validated": "€0", "Total": "€12,000"}
    finance.shot(f"{width}-initiative-validated")
    finance.assert_accessible()

    # The portfolio's totals (1 click) count it as validated; the soft line stays claimed.
    page.get_by_role("link", name="Portfolio").click()
    page.wait_for_load_state()
    assert split_cells(page, "Total") == {
        "Validated": "€12,000",
        "Not validated": "€2,400",
        "Total": "€14,400",
    }
    finance.shot(f"{width}-portfolio-validated")
