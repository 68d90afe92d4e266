"""The ideas journey: a contributor submits an idea, the lead filters the triage list and accepts it
into a Plan-stage initiative that links back; another idea is declined with a reason the submitter
reads with a notification; a KPI alert's "Start an improvement" opens a pre-filled draft."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from improvement.models import Idea, IdeaStatus
from improvement.services.ideas import idea_create
from kpis.models import AlertLevel, KpiAlert
from tests.factories import KpiFactory, MeasurementFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people():
    team = TeamFactory(name="Customer Care", slug="customer-care")
    lead = UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team])
    carl = UserFactory(
        email="carl@example.com", full_name="Carl Contributor", role=Role.CONTRIBUTOR, teams=[team]
    )
    kpi = KpiFactory(code="fcr", name="First-contact resolution", direction="higher")
    return {"team": team, "lead": lead, "carl": carl, "kpi": kpi}


def test_an_idea_goes_from_submission_to_a_plan_stage_initiative_and_a_declined_one_is_explained(
    browse, people
):
    team, carl = people["team"], people["carl"]
    idea_create(actor=carl, title="Refund chatbot in Chinese", team=team, breakpoint_type="technical")

    contributor = browse().login("carl@example.com")
    page = contributor.page
    page.get_by_role("link", name="Ideas", exact=True).click()
    page.get_by_role("link", name="Submit an idea").click()
    page.get_by_label("Title").fill("Route billing chats to billing agents")
    page.get_by_label("Problem").fill("Billing questions bounce between queues twice on average.")
    page.get_by_label("Affected KPI").select_option(label="First-contact resolution")
    page.get_by_label("Segment").fill("chat")
    page.get_by_label("Service break-point").select_option("process")
    page.get_by_label("Value (1–5)").select_option("4")
    page.get_by_label("Difficulty (1–5)").select_option("2")
    page.get_by_label("Current value (optional)").fill("70")
    page.get_by_label("Target value (optional)").fill("80")
    page.get_by_label("Team", exact=True).select_option(label="Customer Care")
    contributor.shot("submit-form")
    page.get_by_role("button", name="Submit", exact=True).click()
    page.wait_for_load_state()
    expect(page.get_by_text("the leads who triage it are told")).to_be_visible()
    expect(page.locator("#idea-status")).to_have_text("Submitted")
    contributor.assert_accessible()
    billing = Idea.objects.get(title="Route billing chats to billing agents")

    lead = browse().login("lena@example.com").go("/ideas/")
    lp = lead.page
    lp.locator("form.filters").get_by_label("Service break-point").select_option("process")
    lp.get_by_role("button", name="Apply").click()
    lp.wait_for_load_state()
    rows = lp.locator("#ideas tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Route billing chats")
    lead.shot("triage-filtered")
    lead.assert_accessible()
    rows.first.get_by_role("link").click()
    lp.wait_for_load_state()
    accept = lp.locator("#accept-form")
    expect(accept.get_by_label("Team of the initiative")).to_have_value(str(team.pk))
    lead.shot("idea-page")
    lead.assert_accessible()
    accept.get_by_role("button", name="Accept").click()
    lp.wait_for_load_state()
    billing.refresh_from_db()
    code = billing.initiative.code
    expect(lp.get_by_text(f"Accepted: {code} starts in Plan.")).to_be_visible()
    lp.locator("#decision").get_by_role("link").click()
    lp.wait_for_load_state()
    expect(lp.locator(".stage-bar li.current")).to_have_text("Plan")
    expect(lp.locator("#from-idea")).to_contain_text(billing.reference)
    lead.shot("initiative-from-idea")
    lp.locator("#from-idea").get_by_role("link").click()
    lp.wait_for_load_state()
    expect(lp.locator("h1")).to_contain_text(billing.reference)

    # The other idea is declined with a reason.
    lead.go("/ideas/?q=chatbot")
    lp.locator("#ideas tbody tr").first.get_by_role("link").click()
    lp.wait_for_load_state()
    lp.locator("#decline-form").get_by_label("Reason (the submitter is told)").fill(
        "The vendor ships Chinese answers in March."
    )
    lp.locator("#decline-form").get_by_role("button", name="Decline").click()
    lp.wait_for_load_state()
    expect(lp.get_by_text("Declined; the submitter is told why.")).to_be_visible()

    declined = Idea.objects.get(title="Refund chatbot in Chinese")
    contributor.go("/notifications/")
    expect(page.get_by_text(f"Your idea {declined.reference} was declined").first).to_be_visible()
    contributor.shot("notifications")
    assert declined.status == IdeaStatus.DECLINED
    contributor.go(f"/ideas/{declined.pk}/")
    expect(page.locator("#decision")).to_contain_text("The vendor ships Chinese answers in March.")
    contributor.shot("declined")
    contributor.assert_accessible()


def test_a_kpi_alerts_start_an_improvement_opens_a_prefilled_draft(browse, people):
    kpi = people["kpi"]
    for n in range(10):
        MeasurementFactory(
            kpi=kpi, segment="chat", period=dt.date(2026, 3, 1) + dt.timedelta(days=n), value=80
        )
    MeasurementFactory(kpi=kpi, segment="chat", period=dt.date(2026, 3, 11), value=61)
    KpiAlert.objects.create(
        kpi=kpi, segment="chat", period=dt.date(2026, 3, 11), level=AlertLevel.WARNING, value=61, threshold=70
    )

    lead = browse().login("lena@example.com").go(f"/kpis/{kpi.code}/?segment=chat#alerts")
    page = lead.page
    alerts = page.locator("#alerts")
    expect(alerts).to_contain_text("Threshold crossed")
    lead.shot("kpi-alerts")
    lead.assert_accessible()
    alerts.get_by_role("button", name="Start an improvement").click()
    page.wait_for_load_state()
    expect(page.get_by_label("Title")).to_have_value("Improve First-contact resolution (chat)")
    expect(page.get_by_label("Segment")).to_have_value("chat")
    expect(page.get_by_label("Current value (optional)")).to_have_value("80.0")
    expect(page.locator("#signal")).to_contain_text(
        "Warning threshold crossed on 2026-03-11: 61 against the threshold 70."
    )
    lead.shot("draft-from-alert")
    lead.assert_accessible()

    lead.go(f"/kpis/{kpi.code}/?segment=chat")
    expect(page.locator("#alerts")).to_contain_text("Your draft IDEA-")
