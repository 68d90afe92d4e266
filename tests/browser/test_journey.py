"""A lead runs an initiative from creation to Check; its owner and an executive see it move."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from improvement.models import Initiative, Milestone, MilestoneStatus, Stage
from improvement.services.stage_gates import COND_TARGET
from improvement.services.targets import MSG_TARGET_NOT_BETTER
from tests.browser.conftest import PHONE
from tests.factories import KpiFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    team = TeamFactory(name="Customer Care", slug="customer-care")
    return {
        "lead": UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team]),
        "owner": UserFactory(
            email="omar@example.com", full_name="Omar Owner", role=Role.CONTRIBUTOR, teams=[team]
        ),
        "executive": UserFactory(email="erin@example.com", full_name="Erin Executive", role=Role.EXECUTIVE),
    }


@pytest.fixture
def kpi():
    return KpiFactory(
        code="fcr_browser",
        name="First-contact resolution",
        unit="percent",
        direction="higher",
        min_value=0,
        max_value=100,
    )


def stat(page, label: str) -> str:
    return page.locator(".stat", has_text=label).locator("dd").inner_text().split("\n")[0].strip()


def test_a_lead_takes_an_initiative_through_plan_while_owner_and_executive_follow(browse, people, kpi):
    start = timezone.localdate() - dt.timedelta(days=14)

    executive = browse().login("erin@example.com")
    expect(executive.page.get_by_role("heading", name="Portfolio")).to_be_visible()
    assert stat(executive.page, "Total investment") == "€0"
    executive.shot("dashboard-empty")

    lead = browse().login("lena@example.com")
    page = lead.page
    expect(page.get_by_role("heading", name="My work")).to_be_visible()
    lead.shot("my-work")

    # Create the initiative with the standard 90-day plan.
    page.get_by_role("link", name="Initiatives").click()
    page.get_by_role("link", name="New initiative").click()
    page.get_by_label("Title").fill("Chat first response under 30 s")
    page.get_by_label("Category").select_option(label="Response speed")
    page.get_by_label("Problem statement").fill("Chats wait 90 s for a first answer at peak.")
    page.get_by_label("SMART goal").fill("First response under 30 s for 90% of chats within 90 days.")
    page.get_by_label("Start date").fill(start.isoformat())
    expect(page.get_by_label("Add the standard 90-day plan")).to_be_checked()
    lead.shot("new-initiative")
    page.get_by_role("button", name="Create initiative").click()
    expect(page.get_by_role("heading", name=re.compile("Chat first response under 30 s"))).to_be_visible()
    initiative = Initiative.objects.get()
    assert Milestone.objects.filter(initiative=initiative).count() == 15
    lead.shot("initiative-created")

    # The board refuses the move to Do and says why.
    page.get_by_role("link", name="Board").click()
    lead.shot("board")
    page.get_by_role("button", name=re.compile("Move to Do")).click()
    expect(page.get_by_role("heading", name="The move was refused: the gate is not met")).to_be_visible()
    expect(page.locator(".form-errors .checklist li.unmet")).to_have_text(
        [re.compile(re.escape(COND_TARGET))]
    )
    lead.shot("move-refused")
    page.get_by_role("link", name="Chat first response under 30 s").click()

    # A KPI target: a target below the baseline is refused inline, then corrected.
    page.get_by_role("link", name="Add target").click()
    page.get_by_label("KPI").select_option(label=str(kpi))
    page.get_by_label("Baseline", exact=True).fill("70")
    page.get_by_label("Target", exact=True).fill("60")
    page.get_by_role("button", name="Add target").click()
    expect(page.locator("#id_target_value_error")).to_contain_text(
        MSG_TARGET_NOT_BETTER.format(direction="higher is better")
    )
    lead.shot("target-refused-inline")
    page.get_by_label("Target", exact=True).fill("85")
    page.get_by_label("Money value of one unit per month").fill("400")
    page.get_by_role("button", name="Add target").click()
    expect(page.get_by_text("Target for First-contact resolution added.")).to_be_visible()

    # A measurement after the start date.
    page.get_by_role("link", name="Record measurement").click()
    page.get_by_label("Period").fill(timezone.localdate().isoformat())
    page.get_by_label("Value").fill("78")
    page.get_by_role("button", name="Save measurement").click()
    expect(page.get_by_text("Measurement saved (1 created).")).to_be_visible()

    # Now the gate passes: Plan → Do, then Do → Check.
    page.get_by_role("button", name="Move to Do").click()
    expect(page.get_by_text(f"{initiative.code} moved to Do.")).to_be_visible()
    page.get_by_role("button", name="Move to Check").click()
    expect(page.get_by_text(f"{initiative.code} moved to Check.")).to_be_visible()
    expect(page.locator(".stage-bar li.current")).to_have_text("Check")
    initiative.refresh_from_db()
    assert initiative.stage == Stage.CHECK

    # The lead's status update.
    page.get_by_label("Health").select_option(label="At risk")
    page.get_by_label("What happened").fill("Routing rules are late; pilot runs in one queue only.")
    page.get_by_role("button", name="Post update").click()
    expect(page.locator(".feed li", has_text="Routing rules are late")).to_be_visible()

    # Money: the investment and the benefit it brings.
    page.get_by_role("link", name="Add cost").click()
    page.get_by_label("Kind").select_option(label="One-time investment")
    page.get_by_label("Description").fill("Chatbot licence and setup")
    page.get_by_label("Amount").fill("12000")
    page.get_by_role("button", name="Add a cost").click()
    page.get_by_role("link", name="Add benefit").click()
    page.get_by_label("Description").fill("Fewer agent hours at peak")
    page.get_by_label("Monthly amount").fill("3000")
    page.get_by_role("button", name="Add a benefit").click()
    expect(page.locator("#money")).to_contain_text("Fewer agent hours at peak")
    lead.shot("initiative-in-check")

    # The lead hands a milestone to its owner.
    milestone = Milestone.objects.filter(initiative=initiative).order_by("due_date").first()
    page.goto(f"/milestones/{milestone.pk}/edit/")
    page.get_by_label("Owner").select_option(label="Omar Owner")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Milestone “{milestone.title}” saved.")).to_be_visible()

    # The owner completes it from "My work".
    owner = browse().login("omar@example.com")
    row = owner.page.locator("tr", has_text=milestone.title)
    expect(row).to_contain_text("Overdue" if milestone.due_date < timezone.localdate() else milestone.title)
    owner.shot("owner-my-work")
    row.get_by_role("button", name=re.compile("Mark done")).click()
    expect(owner.page.get_by_text(f"Milestone “{milestone.title}” done.")).to_be_visible()
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.DONE

    # The executive's dashboard now shows the money and the initiative at risk.
    executive.go("/dashboard/")
    assert stat(executive.page, "Total investment") == "€12,000"
    assert stat(executive.page, "Projected 12-month benefit") != "€0"
    expect(executive.page.locator("#risk-heading ~ .table-wrap")).to_contain_text(initiative.code)
    executive.shot("dashboard-after")
    executive.go(f"/initiatives/{initiative.pk}/")
    expect(executive.page.get_by_role("button", name="Post update")).to_have_count(0)
    executive.shot("initiative-as-executive")

    for path, name in [
        ("/initiatives/", "initiative-list"),
        ("/roadmap/", "roadmap"),
        ("/calendar/", "calendar"),
    ]:
        lead.go(path)
        lead.shot(name)


def test_every_page_renders_at_phone_width_without_errors(browse, people, kpi):
    from improvement.services.initiatives import initiative_create
    from improvement.services.targets import kpi_target_create

    lead_user = people["lead"]
    initiative = initiative_create(
        actor=lead_user,
        title="Self-service FAQ coverage to 80%",
        team=lead_user.teams.get(),
        start_date=timezone.localdate() - dt.timedelta(days=40),
        smart_goal="Cover 80% of contact reasons in the FAQ by the end of the quarter.",
        with_standard_plan=True,
    )
    kpi_target_create(actor=lead_user, initiative=initiative, kpi=kpi, baseline_value=40, target_value=65)

    phone = browse(viewport=PHONE).login("lena@example.com")
    for path, name in [
        ("/my-work/", "my-work"),
        ("/dashboard/", "dashboard"),
        ("/initiatives/", "initiatives"),
        (f"/initiatives/{initiative.pk}/", "initiative"),
        ("/board/", "board"),
        ("/roadmap/", "roadmap"),
        ("/calendar/", "calendar"),
        (f"/initiatives/{initiative.pk}/move/", "move"),
        ("/initiatives/new/", "new-initiative"),
    ]:
        phone.go(path)
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways at phone width ({width}px)"
        phone.shot(name)


def tab_to(page, text: str, limit: int = 20) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == text:
            return
    raise AssertionError(f"{text!r} is not reachable with Tab")


def test_the_site_works_with_the_keyboard_alone(browse, people):
    session = browse()
    page = session.page
    page.goto("/accounts/login/")
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type("lena@example.com")
    page.keyboard.press("Tab")
    page.keyboard.type("correct-horse-battery-staple")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    tab_to(page, "Board")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="PDCA board")).to_be_visible()
    session.shot("keyboard-board")


def test_dragging_a_card_to_the_next_column_runs_the_gate(browse, people):
    from improvement.services.initiatives import initiative_create

    initiative_create(
        actor=people["lead"],
        title="Smart routing cuts handle time",
        team=people["lead"].teams.get(),
        start_date=timezone.localdate(),
    )
    session = browse().login("lena@example.com")
    session.go("/board/")

    session.page.locator("[data-card]").drag_to(session.page.locator("[data-stage-column='do']"))

    expect(
        session.page.get_by_role("heading", name="The move was refused: the gate is not met")
    ).to_be_visible()
    session.shot("dragged-card-refused")


STRICT_SCRIPT_POLICY = "script-src 'self'; object-src 'none'; base-uri 'none'"


def test_pages_with_charts_run_under_a_strict_script_policy(browse, people, kpi):
    """No inline script and no eval: every page still works when only same-origin scripts may run."""
    from improvement.services.initiatives import initiative_create
    from improvement.services.money import cost_create
    from improvement.services.targets import kpi_target_create

    lead_user = people["lead"]
    initiative = initiative_create(
        actor=lead_user, title="FCR to 85%", team=lead_user.teams.get(), start_date=timezone.localdate()
    )
    kpi_target_create(actor=lead_user, initiative=initiative, kpi=kpi, baseline_value=70, target_value=85)
    cost_create(actor=lead_user, initiative=initiative, kind="one_time", description="Training", amount=5000)
    session = browse()

    def with_policy(route):
        response = route.fetch()
        headers = {**response.headers, "content-security-policy": STRICT_SCRIPT_POLICY}
        route.fulfill(response=response, headers=headers)

    session.page.route("**/*", with_policy)
    session.login("lena@example.com")
    for path in ("/dashboard/", f"/initiatives/{initiative.pk}/", "/board/", "/roadmap/"):
        session.go(path)
        session.wait_for_charts()
    # A request still in flight (the favicon) must not reach the handler once the context closes.
    session.page.unroute_all(behavior="ignoreErrors")
