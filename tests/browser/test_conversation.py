"""A conversation journey: the lead comments on an initiative, mentions a contributor and attaches a
CSV; the contributor sees the notification, follows it to the comment and downloads the file."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.factories import InitiativeFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = "queue,minutes\nchat,3\nphone,9\n"


@pytest.fixture
def initiative(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    team = TeamFactory(name="Customer Care", slug="customer-care")
    lead = UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team])
    UserFactory(email="carl@example.com", full_name="Carl Contributor", role=Role.CONTRIBUTOR, teams=[team])
    return InitiativeFactory(team=team, lead=lead, code="IMP-321", title="Answer chats within 30 seconds")


def test_a_mention_and_a_file_reach_the_contributor(browse, initiative, tmp_path):
    upload = tmp_path / "queue-times.csv"
    upload.write_text(CSV)
    lead = browse().login("lena@example.com").go(f"/initiatives/{initiative.pk}/")
    page = lead.page
    conversation = page.locator("#conversation")
    expect(conversation).to_contain_text("No comments yet.")
    conversation.get_by_label("Comment").fill(
        "@[Carl Contributor] the queue times are attached.\nCan you check phone?"
    )
    conversation.get_by_label("Attach a file").set_input_files(str(upload))
    conversation.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Comment posted.")).to_be_visible()
    comment = page.locator("#conversation .comment").first
    expect(comment.locator(".mention")).to_have_text("@Carl Contributor")
    expect(comment).to_contain_text("Can you check phone?")
    expect(comment.get_by_role("link", name="queue-times.csv")).to_be_visible()
    lead.assert_accessible()
    comment.scroll_into_view_if_needed()
    lead.shot("lead-posted")
    comment.get_by_role("link", name="Edit").click()
    page.wait_for_load_state()
    lead.assert_accessible()
    page.get_by_label("Comment").fill(
        "@[Carl Contributor] the queue times are attached.\nCan you check phone and chat?"
    )
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Comment updated.")).to_be_visible()
    expect(page.locator("#conversation .comment").first).to_contain_text("phone and chat?")

    carl = browse().login("carl@example.com").go("/notifications/")
    note = carl.page.get_by_role(
        "link", name="Lena Lead mentioned you on IMP-321 Answer chats within 30 seconds"
    )
    expect(note).to_be_visible()
    carl.shot("notification")
    note.click()
    carl.page.wait_for_load_state()
    assert "#comment-" in carl.page.url
    seen = carl.page.locator("#conversation .comment").first
    expect(seen).to_contain_text("the queue times are attached.")
    with carl.page.expect_download() as download:
        seen.get_by_role("link", name="queue-times.csv").click()
    assert download.value.suggested_filename == "queue-times.csv"
    assert Path(download.value.path()).read_text() == CSV
    carl.assert_accessible()
