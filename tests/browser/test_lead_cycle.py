"""A lead takes a new initiative from Plan to Standardise using only what the pages offer.

The journey follows the gate checklist's links, records the measurement with the date the form
suggests, and never meets a refused move; each stage is screenshot and checked with axe-core.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from improvement.models import Initiative, Stage, Status
from tests.browser.conftest import WIDTHS
from tests.factories import KpiFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Clicks, choices and ticks of the journey below (typing into fields is not counted).
JOURNEY_CLICKS = 18


class Clicks:
    """Counts what the lead clicks, and checks after each click that no move was refused."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, locator) -> None:
        self.count += 1
        locator.click()
        self.page.wait_for_load_state()
        expect(self.page.get_by_role("heading", name=re.compile("The move was refused"))).to_have_count(0)

    def select(self, locator, label: str) -> None:
        self.count += 1
        locator.select_option(label=label)

    def check(self, locator) -> None:
        self.count += 1
        locator.check()


@pytest.fixture
def lead():
    team = TeamFactory(name="Customer Care", slug="customer-care")
    return UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team])


@pytest.fixture
def kpi():
    return KpiFactory(
        code="fcr_cycle",
        name="First-contact resolution",
        unit="percent",
        direction="higher",
        min_value=0,
        max_value=100,
    )


def checklist(page):
    return page.locator("#stage .checklist li")


def stage_done(session, name: str) -> None:
    """The initiative page at one stage: its screenshot and no serious or critical axe violation."""
    width = session.page.viewport_size["width"]
    session.shot(f"{width}px-{name}")
    session.assert_accessible()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_lead_takes_a_new_initiative_from_plan_to_standardise(browse, lead, kpi, width):
    session = browse(viewport=WIDTHS[width]).login("lena@example.com")
    page = session.page
    clicks = Clicks(page)
    move = page.locator("#stage .actions")

    # Plan: a new initiative with a title only; the standard 90-day plan is on by default.
    clicks.click(page.get_by_role("link", name="Initiatives", exact=True))
    clicks.click(page.get_by_role("link", name="New initiative"))
    page.get_by_label("Title").fill("Answer chats within 30 seconds")
    clicks.click(page.get_by_role("button", name="Create initiative"))
    expect(page.locator(".stage-bar li.current")).to_have_text("Plan")
    expect(checklist(page).filter(has_text="Write a SMART goal")).to_have_class("unmet")
    waiting = move.get_by_role("button", name="Move to Do")
    expect(waiting).to_be_disabled()
    # A screen reader hears why the move is unavailable, not just that it is.
    expect(waiting).to_have_accessible_description(
        re.compile(r"^2 of 4 conditions not met yet: follow the links")
    )
    stage_done(session, "plan-unmet")

    clicks.click(page.get_by_role("link", name="Write the SMART goal"))
    page.get_by_label("SMART goal").fill("Answer 90% of chats within 30 seconds by the end of the quarter.")
    clicks.click(page.get_by_role("button", name="Save"))
    clicks.click(page.get_by_role("link", name="Add a KPI target"))
    clicks.select(page.get_by_label("KPI"), str(kpi))
    page.get_by_label("Baseline", exact=True).fill("70")
    page.get_by_label("Target", exact=True).fill("85")
    clicks.click(page.get_by_role("button", name="Add target"))
    expect(page.locator("#stage .checklist li.unmet")).to_have_count(0)
    expect(page.locator("#gate-status")).to_contain_text("All conditions met")
    stage_done(session, "plan-met")
    clicks.click(move.get_by_role("button", name="Move to Do"))
    expect(page.get_by_text("moved to Do.")).to_be_visible()

    # Do: the measurement the form suggests (today's date) is the evidence the gate asks for.
    expect(page.locator(".stage-bar li.current")).to_have_text("Do")
    expect(move.get_by_role("button", name="Move to Check")).to_be_disabled()
    stage_done(session, "do-unmet")
    clicks.click(page.get_by_role("link", name="Record a measurement"))
    page.get_by_label("Value").fill("78")
    clicks.click(page.get_by_role("button", name="Save measurement"))
    expect(page.get_by_text("Measurement saved (1 created).")).to_be_visible()
    expect(page.locator("#stage .checklist li.unmet")).to_have_count(0)
    clicks.click(move.get_by_role("button", name="Move to Check"))
    expect(page.get_by_text("moved to Check.")).to_be_visible()

    # Check: the evaluation counts today's measurement.
    expect(page.locator(".stage-bar li.current")).to_have_text("Check")
    stage_done(session, "check-unmet")
    clicks.click(page.get_by_role("link", name="Evaluate the KPI targets"))
    clicks.click(page.locator("#kpis").get_by_role("button", name="Evaluate"))
    expect(page.get_by_text("First-contact resolution: No significant change.")).to_be_visible()
    clicks.click(move.get_by_role("button", name="Move to Act"))
    expect(page.get_by_text("moved to Act.")).to_be_visible()

    # Act: standardising warns about the open milestones and the progress, and asks to confirm.
    expect(page.locator(".stage-bar li.current")).to_have_text("Act")
    open_work = page.locator("#open-work")
    expect(open_work).to_contain_text("15 milestones are not done")
    expect(open_work).to_contain_text("First-contact resolution is at 53\u00a0% of the way to its target")
    stage_done(session, "act")
    clicks.select(page.get_by_label("Decision"), "Standardise")
    clicks.check(page.get_by_label("Standardise although the work listed above is still open"))
    clicks.click(page.get_by_role("button", name="Record decision"))
    expect(page.get_by_text(re.compile(r"IMP-\d+: Standardise\."))).to_be_visible()
    stage_done(session, "standardised")

    initiative = Initiative.objects.get()
    assert (initiative.stage, initiative.status) == (Stage.ACT, Status.STANDARDISED)
    assert list(initiative.transitions.order_by("id").values_list("to_stage", "gate_passed")) == [
        ("do", True),
        ("check", True),
        ("act", True),
        ("act", True),
    ]
    assert clicks.count == JOURNEY_CLICKS
