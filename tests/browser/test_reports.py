"""An executive builds a portfolio review pack and downloads it; a lead downloads an initiative's A3."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from improvement.models import Stage
from tests.browser.conftest import WIDTHS
from tests.factories import BenefitFactory, CostFactory, InitiativeFactory, TeamFactory, UserFactory
from tests.improvement.pdf_helpers import pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portfolio(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    care = TeamFactory(name="Customer Care", slug="care")
    UserFactory(email="erin@example.com", full_name="Erin Executive", role=Role.EXECUTIVE)
    lead = UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD)
    initiative = InitiativeFactory(
        code="IMP-101", title="Callback offer", team=care, lead=lead, stage=Stage.DO
    )
    CostFactory(initiative=initiative, amount=Decimal(1200))
    BenefitFactory(initiative=initiative, monthly_amount=Decimal(300))
    return initiative


@pytest.mark.parametrize("width", WIDTHS)
def test_an_executive_builds_a_review_pack_and_downloads_it(browse, portfolio, width, tmp_path):
    executive = browse(viewport=WIDTHS[width]).login("erin@example.com")
    page = executive.page

    page.get_by_role("link", name="Review packs (PDF)").click()
    expect(page.get_by_role("heading", name="Portfolio review packs")).to_be_visible()
    executive.shot(f"{width}-packs-empty")
    executive.assert_accessible()
    page.get_by_role("button", name="Build a pack now").click()

    expect(page.get_by_role("heading", name="Ready")).to_be_visible()
    executive.shot(f"{width}-pack-ready")
    executive.assert_accessible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the pack (PDF)").click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith("portfolio-pack-") and path.suffix == ".pdf"
    assert "IMP-101 Callback offer" in pdf_text(path.read_bytes())


def test_a_lead_downloads_the_a3_from_the_initiative_page(browse, portfolio, tmp_path):
    lead = browse().login("lena@example.com").go(f"/initiatives/{portfolio.pk}/")

    with lead.page.expect_download() as download:
        lead.page.get_by_role("link", name="Download A3 (PDF)").click()

    assert download.value.suggested_filename == "IMP-101-A3.pdf"
    path = tmp_path / "a3.pdf"
    download.value.save_as(path)
    assert "IMP-101 · Callback offer" in pdf_text(path.read_bytes())
