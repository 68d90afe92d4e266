"""A contributor finds their milestone, updates its schedule, completes it and takes it back.

Also every page a contributor uses day to day (roadmap, notifications, tokens, board, my work,
calendar) at both widths, checked with axe-core.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from improvement.models import Milestone, MilestoneStatus
from tests.browser.conftest import WIDTHS
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CRITERIA = "Queue B answers 80 % of chats within 30 s for two weeks"
MILESTONE = "Pilot the callback queue"


@pytest.fixture
def pilot():
    """Omar owns an in-progress milestone of Lena's initiative; his inbox has a notification."""
    from accounts.notifications import notification_send
    from improvement.models import NotificationKind
    from improvement.services.initiatives import initiative_create
    from improvement.services.roadmap import milestone_create, milestone_update

    team = TeamFactory(name="Customer Care", slug="customer-care")
    lead = UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team])
    owner = UserFactory(email="omar@example.com", full_name="Omar Owner", role=Role.CONTRIBUTOR, teams=[team])
    initiative = initiative_create(
        actor=lead, title="Callbacks instead of queues", team=team, start_date=timezone.localdate()
    )
    milestone = milestone_create(
        actor=lead,
        initiative=initiative,
        title=MILESTONE,
        due_date=timezone.localdate() + dt.timedelta(days=10),
        owner=owner,
    )
    milestone_update(actor=owner, milestone=milestone, status=MilestoneStatus.IN_PROGRESS)
    notification_send(
        recipient=owner,
        kind=NotificationKind.STAGE_CHANGED,
        title=f"{initiative.code} moved to Do",
        dedupe_key="browser-stage",
        email=False,
    )
    return milestone


class Clicks:
    """Counts what a person clicks, so the journey can say how many clicks a job takes."""

    def __init__(self):
        self.count = 0

    def __call__(self, locator) -> None:
        self.count += 1
        locator.click()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_contributor_updates_completes_and_undoes_their_milestone(browse, pilot, width):
    session = browse(viewport=WIDTHS[width]).login("omar@example.com")
    page = session.page
    click = Clicks()
    new_due = timezone.localdate() + dt.timedelta(days=21)

    # Find it: on the roadmap's list, written out with its owner, and in My work.
    click(page.get_by_role("link", name="Roadmap"))
    click(page.get_by_role("link", name="List"))
    row = page.get_by_role("row").filter(has_text=MILESTONE)
    expect(row).to_contain_text("Omar Owner")
    expect(row).to_contain_text("In progress")
    session.shot(f"{width}-roadmap-list")
    click(page.get_by_role("link", name="My work"))
    expect(page.get_by_role("heading", name="My milestones")).to_be_visible()

    # Update: the owner moves the due date and writes the acceptance criteria.
    click(page.get_by_role("link", name=re.compile(f"^Update.*{MILESTONE}")))
    page.get_by_label("Due date").fill(new_due.isoformat())
    page.get_by_label("Acceptance criteria").fill(CRITERIA)
    session.shot(f"{width}-update-form")
    click(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status")).to_contain_text(f"Milestone “{MILESTONE}” saved.")
    milestone = Milestone.objects.get(pk=pilot.pk)
    assert (milestone.due_date, milestone.acceptance_criteria) == (new_due, CRITERIA)

    # Complete and undo: the job the count below is about.
    before = click.count
    click(page.get_by_role("button", name=re.compile(f"^Mark done.*{MILESTONE}")))
    status = page.get_by_role("status")
    expect(status).to_contain_text(f"Milestone “{MILESTONE}” done.")
    assert Milestone.objects.get(pk=pilot.pk).status == MilestoneStatus.DONE
    session.shot(f"{width}-done-with-undo")
    click(status.get_by_role("button", name=re.compile("^Undo")))
    expect(page.get_by_role("status")).to_contain_text(f"Milestone “{MILESTONE}” reopened: in progress.")
    expect(page.get_by_role("row").filter(has_text=MILESTONE)).to_contain_text("In progress")
    session.shot(f"{width}-undone")
    assert click.count - before == 2, "complete and undo a milestone takes two clicks"
    milestone = Milestone.objects.get(pk=pilot.pk)
    assert (milestone.status, milestone.completed_at) == (MilestoneStatus.IN_PROGRESS, None)
    assert [h.status for h in milestone.history.order_by("history_date")][-2:] == ["done", "in_progress"]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_contributors_pages_pass_axe(browse, pilot, width):
    session = browse(viewport=WIDTHS[width]).login("omar@example.com")
    violations = []
    for path, name in [
        ("/roadmap/", "roadmap"),
        ("/roadmap/?view=list", "roadmap-list"),
        ("/notifications/", "notifications"),
        ("/accounts/tokens/", "tokens"),
        ("/board/", "board"),
        ("/my-work/", "my-work"),
        ("/calendar/", "calendar"),
    ]:
        session.go(path)
        width_px = session.page.evaluate("document.documentElement.scrollWidth")
        assert width_px <= WIDTHS[width]["width"], f"{path} scrolls sideways ({width_px}px)"
        session.shot(f"{width}-{name}")
        violations += session.accessibility_violations()
    assert not violations, "axe-core violations:\n" + "\n".join(violations)


def test_the_calendar_address_is_copied_with_one_click_and_said_so(browse, pilot):
    session = browse().login("omar@example.com")
    session.go("/calendar/")
    page = session.page

    page.get_by_role("button", name="Copy address").click()

    # Copied through the clipboard API, or selected for Ctrl+C where the browser refuses it.
    expect(page.locator("#feed-url-copied")).to_have_text(re.compile(r"^(Copied|Selected)"))
    session.shot("calendar-copied")


def test_a_viewer_is_offered_reading_and_submitting_ideas_only(browse, pilot):
    UserFactory(email="vera@example.com", full_name="Vera Viewer", role=Role.VIEWER)
    session = browse().login("vera@example.com")
    session.go("/accounts/tokens/")
    page = session.page

    # Reading, and submitting ideas (anyone signed in may); nothing a viewer's services would refuse.
    expect(page.get_by_role("checkbox")).to_have_count(2)
    page.get_by_label("Name").fill("Power BI")
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Create token").click()

    expect(page.get_by_role("button", name="Copy secret")).to_be_visible()
    session.shot("viewer-token")
