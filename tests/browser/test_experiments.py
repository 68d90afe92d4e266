"""A lead reads an experiment's results, its interval chart and the planner in a real browser."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from tests.factories import InitiativeFactory, KpiFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_experiment_page_draws_its_results_and_plans(browse):
    team = TeamFactory(name="Customer Care", slug="customer-care")
    lead = UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team])
    initiative = InitiativeFactory(team=team, lead=lead, title="Callbacks instead of queueing")
    kpi = KpiFactory(code="fcr_exp", name="First-contact resolution", min_value=0, max_value=100)
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Offer a callback",
        primary_kpi=kpi,
        mde=0.1,
        variants=[
            {"key": "control", "name": "Queue", "is_control": True},
            {"key": "callback", "name": "Callback"},
            {"key": "sms", "name": "SMS link"},
        ],
    )
    ex.experiment_start(actor=lead, experiment=experiment)
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": "control", "users": 4000, "conversions": 480},
            {"variant": "callback", "users": 4050, "conversions": 580},
            {"variant": "sms", "users": 3980, "conversions": 470},
        ],
    )
    session = browse().login("lena@example.com")

    session.go(f"/initiatives/{initiative.pk}/#experiments")
    session.page.get_by_role("link", name="Offer a callback").click()
    expect(session.page.get_by_role("heading", name="Offer a callback")).to_be_visible()
    session.shot("results")
    session.page.get_by_label("Daily users").fill("1500")
    session.page.get_by_role("button", name="Plan").click()

    expect(session.page.get_by_text("Days needed")).to_be_visible()
    session.shot("planned")


def test_a_lead_designs_starts_and_fills_an_experiment_through_the_forms(browse):
    team = TeamFactory(name="Customer Care", slug="customer-care")
    UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team])
    initiative = InitiativeFactory(team=team, lead__email="other@example.com", title="Chat greeting")
    KpiFactory(code="fcr_form", name="First-contact resolution", min_value=0, max_value=100)
    session = browse().login("lena@example.com")
    page = session.page

    session.go(f"/initiatives/{initiative.pk}/#experiments")
    page.get_by_role("link", name="New experiment").click()
    page.get_by_label("Name", exact=True).fill("Greeting bot")
    page.get_by_label("Primary KPI").select_option(label="First-contact resolution")
    page.get_by_label("Variant 2 key").fill("bot")
    page.get_by_label("Variant 2 weight").fill("0")
    page.get_by_role("button", name="Create experiment").click()
    expect(page.get_by_text("An allocation weight must be")).to_be_visible()
    session.shot("refused")
    page.get_by_label("Variant 2 weight").fill("1")
    page.get_by_role("button", name="Create experiment").click()
    page.get_by_role("button", name="Start").click()
    page.get_by_label("control: Users").fill("5000")
    page.get_by_label("control: Conversions").fill("500")
    page.get_by_label("bot: Users").fill("5000")
    page.get_by_label("bot: Conversions").fill("600")
    page.get_by_role("button", name="Save results").click()

    expect(page.locator(".results-table").first).to_contain_text("+2.0 points")
    session.shot("results")
