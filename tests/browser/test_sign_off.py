"""A sign-off journey: the lead requests review on the initiative page, the sponsor approves in
/reviews/, the lead moves Plan → Do and the stage history names the approver."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from improvement.models import SignOffRule, Stage
from tests.factories import (
    DEFAULT_PASSWORD,
    InitiativeFactory,
    KpiTargetFactory,
    MilestoneFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def initiative():
    team = TeamFactory(name="Customer Care", slug="customer-care")
    lead = UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team])
    sponsor = UserFactory(email="sam@example.com", full_name="Sam Sponsor", role=Role.EXECUTIVE)
    SignOffRule.objects.create(to_stage=Stage.DO, reviewer_roles=["sponsor"])
    initiative = InitiativeFactory(
        team=team,
        lead=lead,
        sponsor=sponsor,
        title="Answer chats within 30 seconds",
        smart_goal="Answer 90% of chats within 30 seconds by the end of the quarter.",
        start_date=timezone.localdate() - dt.timedelta(days=10),
    )
    KpiTargetFactory(initiative=initiative)
    MilestoneFactory(initiative=initiative, owner=lead)
    return initiative


def test_the_lead_requests_review_the_sponsor_approves_and_the_move_names_the_approver(browse, initiative):
    detail = f"/initiatives/{initiative.pk}/"
    lead = browse().login("lena@example.com").go(detail)
    page = lead.page
    move = page.locator("#stage .actions")
    sign_off = page.locator("#stage .checklist li").filter(has_text="Get the sign-off of")
    expect(sign_off).to_have_class("unmet")
    expect(move.get_by_role("button", name="Move to Do")).to_be_disabled()

    page.get_by_label("Note for the reviewer").fill("Targets and milestones are planned.")
    page.get_by_role("button", name="Request review").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Review requested.")).to_be_visible()
    expect(page.locator("#sign-off")).to_contain_text("Waiting for review")
    lead.assert_accessible()

    # Straight to the queue: an executive's home is the dashboard, which this journey does not need.
    sponsor = browse()
    sponsor.page.goto("/accounts/login/?next=/reviews/")
    sponsor.page.get_by_label("Email").fill("sam@example.com")
    sponsor.page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    sponsor.page.get_by_role("button", name="Log in").click()
    sponsor.page.wait_for_load_state()
    review = sponsor.page.locator(".review").filter(has_text=initiative.code)
    expect(review).to_contain_text("Targets and milestones are planned.")
    sponsor.assert_accessible()
    review.get_by_label("Comment (optional)").fill("Go ahead with the pilot.")
    review.get_by_role("button", name="Approve").click()
    sponsor.page.wait_for_load_state()
    expect(sponsor.page.get_by_text(f"Approved: {initiative.code} may move on.")).to_be_visible()
    expect(sponsor.page.get_by_text("Nothing waits for your sign-off.")).to_be_visible()

    lead.go(detail)
    expect(sign_off).to_have_class("met")
    move.get_by_role("button", name="Move to Do").click()
    page.wait_for_load_state()
    expect(page.get_by_text("moved to Do.")).to_be_visible()
    expect(page.locator(".stage-bar li.current")).to_have_text("Do")
    history = page.locator("#history .sign-off-used")
    expect(history).to_contain_text("Approved by Sam Sponsor on")
