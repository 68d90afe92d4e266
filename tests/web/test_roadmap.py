"""Roadmap, the calendar feed and "My work"."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from improvement.forms.common import MSG_SITE_DATE
from improvement.models import Health, Milestone, MilestoneStatus, Status
from improvement.views.calendar import calendar_token
from improvement.views.roadmap import LOOK_BACK_DAYS
from tests.factories import (
    BenefitFactory,
    InitiativeFactory,
    MilestoneFactory,
    StatusUpdateFactory,
    TeamFactory,
    UserFactory,
)
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

ROADMAP = reverse("improvement:roadmap")
MY_WORK = reverse("improvement:my_work")


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def shown(response) -> set[int]:
    return {m.pk for m in response.context["milestones"]}


# Roadmap ----------------------------------------------------------------------------------------


def test_the_roadmap_shows_active_initiatives_milestones_in_the_window(login, executive, team):
    active = InitiativeFactory(team=team)
    in_window = MilestoneFactory(initiative=active, due_date=days(20))
    later = MilestoneFactory(initiative=active, due_date=days(200))
    slipped = MilestoneFactory(initiative=active, due_date=days(-90))
    done_long_ago = MilestoneFactory(initiative=active, due_date=days(-90), status=MilestoneStatus.DONE)
    paused = InitiativeFactory(team=team, status=Status.ON_HOLD)
    MilestoneFactory(initiative=paused, due_date=days(5))

    response = login(executive).get(ROADMAP)

    assert shown(response) == {in_window.pk, slipped.pk}
    assert later.pk not in shown(response) and done_long_ago.pk not in shown(response)


def test_the_roadmap_filters_by_team_and_owner(login, executive, lead, contributor, team, other_team):
    mine = MilestoneFactory(initiative=InitiativeFactory(team=team), owner=contributor, due_date=days(3))
    MilestoneFactory(initiative=InitiativeFactory(team=team), owner=lead, due_date=days(3))
    MilestoneFactory(initiative=InitiativeFactory(team=other_team), owner=contributor, due_date=days(3))

    response = login(executive).get(ROADMAP, {"team": team.pk, "owner": contributor.pk})

    assert shown(response) == {mine.pk}


def test_the_owner_filter_lists_the_owners_of_milestones_of_active_initiatives_the_reader_may_read(
    login, lead, contributor, team, other_team, other_lead
):
    MilestoneFactory(initiative=InitiativeFactory(team=team), owner=contributor, due_date=days(300))
    # Twice the same owner: listed once.
    MilestoneFactory(initiative=InitiativeFactory(team=team), owner=contributor, due_date=days(3))
    paused_owner, archived_owner, hidden_owner = UserFactory(), UserFactory(), UserFactory()
    MilestoneFactory(initiative=InitiativeFactory(team=team, status=Status.ON_HOLD), owner=paused_owner)
    archived = MilestoneFactory(initiative=InitiativeFactory(team=team), owner=archived_owner)
    Milestone.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    # Another team's initiative, which the lead may not read.
    MilestoneFactory(initiative=InitiativeFactory(team=other_team, lead=other_lead), owner=hidden_owner)

    owners = list(login(lead).get(ROADMAP).context["form"].fields["owner"].queryset)

    assert owners == [contributor]


def owner_options(response) -> list[tuple[str, str]]:
    """The owner filter's options as the page writes them: (value, name)."""
    select = re.search(r'<select name="owner"[^>]*>(.*?)</select>', response.content.decode(), re.S)
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))


def test_the_owner_choices_follow_every_write_they_read(
    login, executive, team, django_capture_on_commit_callbacks
):
    """For a reader of everything the choices are cached: each write they depend on shows at once."""
    client = login(executive)
    first = UserFactory(full_name="Ada Owner")
    initiative = InitiativeFactory(team=team)
    milestone = MilestoneFactory(initiative=initiative, owner=first, due_date=days(3))
    assert ("", "Everyone") in owner_options(client.get(ROADMAP))
    assert (str(first.pk), "Ada Owner") in owner_options(client.get(ROADMAP))

    second = UserFactory(full_name="Bo Second")
    with django_capture_on_commit_callbacks(execute=True):
        milestone.owner = second
        milestone.save(update_fields=["owner"])
    assert [name for _, name in owner_options(client.get(ROADMAP))] == ["Everyone", "Bo Second"]

    with django_capture_on_commit_callbacks(execute=True):
        second.full_name = "Bo Renamed"
        second.save(update_fields=["full_name"])
    assert [name for _, name in owner_options(client.get(ROADMAP))] == ["Everyone", "Bo Renamed"]

    with django_capture_on_commit_callbacks(execute=True):
        initiative.status = Status.ON_HOLD
        initiative.save(update_fields=["status"])
    assert owner_options(client.get(ROADMAP)) == [("", "Everyone")]

    # The choices the page lists are those the filter accepts.
    with django_capture_on_commit_callbacks(execute=True):
        initiative.status = Status.ACTIVE
        initiative.save(update_fields=["status"])
    chosen = client.get(ROADMAP, {"owner": second.pk})
    assert chosen.context["form"].is_valid()
    assert (str(second.pk), "Bo Renamed") in owner_options(chosen)
    assert "selected" in re.search(rf'<option value="{second.pk}"[^>]*>', chosen.content.decode()).group(0)


def test_an_owner_without_a_name_is_listed_by_email_for_every_reader(login, executive, lead, team):
    unnamed = UserFactory(full_name="", email="no.name@example.com")
    MilestoneFactory(initiative=InitiativeFactory(team=team, lead=lead), owner=unnamed, due_date=days(3))

    for reader in (executive, lead):  # the cached choices, and those read each time
        assert (str(unnamed.pk), "no.name@example.com") in owner_options(login(reader).get(ROADMAP))


def test_the_owner_choices_are_read_once_for_readers_of_everything(login, executive, lead, team):
    MilestoneFactory(
        initiative=InitiativeFactory(team=team, lead=lead), owner=UserFactory(), due_date=days(3)
    )

    def owner_queries(client) -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(ROADMAP)
        return sum(
            'FROM "accounts_user"' in q["sql"] and "improvement_milestone" in q["sql"] for q in queries
        )

    executive_client, lead_client = login(executive), login(lead)

    assert [owner_queries(executive_client) for _ in range(3)] == [1, 0, 0]
    # A reader of some initiatives only has choices of their own, read each time.
    assert [owner_queries(lead_client) for _ in range(2)] == [1, 1]


def test_the_roadmap_pages_only_initiatives_with_a_milestone_shown(login, executive, team, contributor):
    with_one = InitiativeFactory(team=team)
    MilestoneFactory(initiative=with_one, owner=contributor, due_date=days(10))
    MilestoneFactory(initiative=InitiativeFactory(team=team), due_date=days(400))  # outside the window
    done = InitiativeFactory(team=team)
    MilestoneFactory(initiative=done, due_date=days(-60), status=MilestoneStatus.DONE)  # done, before it
    someone_elses = InitiativeFactory(team=team)
    MilestoneFactory(initiative=someone_elses, due_date=days(10))

    everyone = login(executive).get(ROADMAP)
    by_owner = login(executive).get(ROADMAP, {"owner": contributor.pk})

    assert everyone.context["page"].paginator.count == 2
    assert [code for code, _ in everyone.context["page"].object_list] == sorted(
        [with_one.code, someone_elses.code]
    )
    assert by_owner.context["page"].paginator.count == 1


def test_the_roadmap_window_moves(login, executive, team):
    far = MilestoneFactory(initiative=InitiativeFactory(team=team), due_date=days(150))

    response = login(executive).get(ROADMAP, {"start": days(100).isoformat()})

    assert shown(response) == {far.pk}


def _milestones(count):
    team = TeamFactory()
    for _ in range(count):
        MilestoneFactory(initiative=InitiativeFactory(team=team), due_date=days(5))


def test_the_roadmap_runs_the_same_number_of_queries_for_3n_milestones(
    login, executive, django_capture_on_commit_callbacks
):
    client = login(executive)
    with django_capture_on_commit_callbacks(execute=True):  # as committed: the cached owners drop
        _milestones(3)
    few = queries_for(client, ROADMAP)
    with django_capture_on_commit_callbacks(execute=True):
        _milestones(6)

    assert queries_for(client, ROADMAP) == few


# Calendar ---------------------------------------------------------------------------------------


def test_the_calendar_page_gives_a_signed_feed_address(login, contributor):
    body = login(contributor).get(reverse("improvement:calendar")).content.decode()

    assert reverse("improvement:calendar_feed", args=[calendar_token(contributor)]) in body


def test_the_feed_lists_the_persons_milestones_as_all_day_events(client, contributor, lead, initiative):
    mine = MilestoneFactory(
        initiative=initiative, owner=contributor, title="Pilot in queue B", due_date=days(4)
    )
    MilestoneFactory(initiative=initiative, owner=lead, title="Not mine")

    response = client.get(reverse("improvement:calendar_feed", args=[calendar_token(contributor)]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == [f"{initiative.code}: Pilot in queue B"]
    assert events[0].decoded("dtstart") == mine.due_date
    assert str(events[0]["uid"]).startswith(f"milestone-{mine.pk}@")


def test_a_tampered_feed_address_is_not_found(client, contributor, lead):
    forged = calendar_token(contributor).replace(str(contributor.pk), str(lead.pk), 1)

    assert client.get(reverse("improvement:calendar_feed", args=[forged])).status_code == 404
    assert client.get(reverse("improvement:calendar_feed", args=["nonsense"])).status_code == 404


# My work ----------------------------------------------------------------------------------------


def test_my_work_lists_my_open_milestones_overdue_first(login, contributor, initiative):
    soon = MilestoneFactory(initiative=initiative, owner=contributor, due_date=days(2))
    overdue = MilestoneFactory(initiative=initiative, owner=contributor, due_date=days(-5))
    MilestoneFactory(initiative=initiative, owner=contributor, due_date=days(-9), status=MilestoneStatus.DONE)

    response = login(contributor).get(MY_WORK)

    assert [m.pk for m in response.context["milestones"]] == [overdue.pk, soon.pk]
    assert response.context["overdue_count"] == 1


def test_my_work_flags_initiatives_i_lead_that_need_a_status_update(login, lead, team):
    quiet = InitiativeFactory(team=team, lead=lead)
    StatusUpdateFactory(initiative=quiet, date=days(-30))
    fresh = InitiativeFactory(team=team, lead=lead)
    StatusUpdateFactory(initiative=fresh, date=days(-1))

    led = {i.pk: i.update_due for i in login(lead).get(MY_WORK).context["led"]}

    assert led == {quiet.pk: True, fresh.pk: False}


def test_finance_sees_benefits_awaiting_validation(login, finance, initiative, team):
    waiting = BenefitFactory(initiative=initiative)
    BenefitFactory(initiative=initiative, validated=True)
    # An abandoned initiative's claims count in no figure: they do not wait in the queue.
    BenefitFactory(initiative=InitiativeFactory(team=team, status=Status.ABANDONED))

    response = login(finance).get(MY_WORK)

    assert [b.pk for b in response.context["benefits"]] == [waiting.pk]
    assert response.context["benefits_page"].paginator.count == 1
    assert response.context["attention"] is None


def test_finance_reads_the_validation_queue_a_page_at_a_time_and_comes_back_to_the_page(
    login, finance, team, monkeypatch
):
    monkeypatch.setattr("improvement.views.mywork.BENEFITS_PER_PAGE", 2)
    initiatives = sorted((InitiativeFactory(team=team) for _ in range(3)), key=lambda i: i.code)
    waiting = [BenefitFactory(initiative=initiative) for initiative in initiatives]
    client = login(finance)

    first, last = client.get(MY_WORK), client.get(MY_WORK, {"page": 2})

    assert [b.pk for b in first.context["benefits"]] == [waiting[0].pk, waiting[1].pk]
    assert [b.pk for b in last.context["benefits"]] == [waiting[2].pk]
    assert "Benefits 1–2 of 3, by initiative." in first.content.decode()
    # Validating from the second page comes back to it.
    assert f'name="next" value="{MY_WORK}?page=2"' in last.content.decode()
    benefit = waiting[2]
    answer = client.post(
        reverse("improvement:benefit_validate", args=[benefit.pk]),
        {"next": f"{MY_WORK}?page=2", "version": benefit.version, "validated": "1"},
    )
    assert answer.status_code == 302 and answer["Location"] == f"{MY_WORK}?page=2"
    assert client.get(MY_WORK).context["benefits_page"].paginator.count == 2


def test_an_executive_sees_every_initiative_at_risk_worst_first(login, executive, team):
    at_risk = InitiativeFactory(team=team, health=Health.AT_RISK)
    off_track = InitiativeFactory(team=team, health=Health.OFF_TRACK)
    InitiativeFactory(team=team, health=Health.ON_TRACK)
    late = InitiativeFactory(team=team, health=Health.ON_TRACK)
    milestone = MilestoneFactory(initiative=late, due_date=timezone.localdate() - dt.timedelta(days=1))
    client = login(executive)

    response = client.get(MY_WORK)

    assert [i.pk for i in response.context["attention"]] == [off_track.pk, at_risk.pk, late.pk]
    assert response.context["attention_total"] == 3
    assert response.context["benefits"] is None
    milestone.status = MilestoneStatus.DONE
    milestone.save(update_fields=["status", "updated_at"])
    assert client.get(MY_WORK).context["attention_total"] == 2


def test_a_contributor_has_no_approvals_section(login, contributor):
    context = login(contributor).get(MY_WORK).context

    assert context["benefits"] is None and context["attention"] is None


def _work_for(user, count):
    team = TeamFactory()
    for _ in range(count):
        initiative = InitiativeFactory(team=team, lead=user, health=Health.OFF_TRACK)
        MilestoneFactory(initiative=initiative, owner=user, due_date=days(-1))
        BenefitFactory(initiative=initiative)
        StatusUpdateFactory(initiative=initiative)


def test_my_work_runs_the_same_number_of_queries_for_3n_rows(
    login, admin, django_capture_on_commit_callbacks, summaries_checked
):
    client = login(admin)
    with django_capture_on_commit_callbacks(execute=True):  # as committed: the cached rows at risk drop
        _work_for(admin, 2)
    few = queries_for(client, MY_WORK)
    with django_capture_on_commit_callbacks(execute=True):
        _work_for(admin, 4)

    assert queries_for(client, MY_WORK) == few


def test_the_roadmap_pages_by_initiative_and_keeps_its_filters(login, executive, team, monkeypatch):
    monkeypatch.setattr("improvement.selectors.roadmap.ROADMAP_INITIATIVES_PER_PAGE", 2)
    initiatives = sorted((InitiativeFactory(team=team) for _ in range(3)), key=lambda i: i.code)
    shown_by_page = [{MilestoneFactory(initiative=i, due_date=days(5)).pk} for i in initiatives]
    MilestoneFactory(initiative=InitiativeFactory(team=TeamFactory()), due_date=days(5))
    client = login(executive)

    first = client.get(ROADMAP, {"team": team.pk})
    second = client.get(ROADMAP, {"team": team.pk, "page": 2})

    assert shown(first) == shown_by_page[0] | shown_by_page[1]
    assert shown(second) == shown_by_page[2]
    assert first.context["page"].paginator.count == 3
    assert f"team={team.pk}&amp;page=2" in first.content.decode()


def test_the_roadmap_list_writes_out_title_owner_due_date_and_status(login, executive, team, contributor):
    initiative = InitiativeFactory(team=team, code="IMP-777")
    MilestoneFactory(
        initiative=initiative,
        title="Pilot the callback queue",
        owner=contributor,
        due_date=days(-3),
        status=MilestoneStatus.BLOCKED,
    )

    body = login(executive).get(ROADMAP, {"view": "list"}).content.decode()

    at = body.index("Pilot the callback queue")
    row = body[body.rindex("<tr>", 0, at) : body.index("</tr>", at)]
    assert contributor.get_full_name() in row
    assert days(-3).strftime("%-d %b %Y") in row
    assert (
        '<span class="badge badge-blocked">Blocked</span> <span class="badge badge-overdue">Overdue</span>'
        in row
    )


def test_the_timeline_legend_names_cancelled_and_blocked_and_overdue(login, executive, team):
    MilestoneFactory(initiative=InitiativeFactory(team=team), due_date=days(3))

    body = login(executive).get(ROADMAP).content.decode()

    assert '<span class="timeline-dot cancelled"></span>Cancelled' in body
    assert '<span class="timeline-dot blocked overdue"></span>Blocked and overdue' in body


@pytest.mark.parametrize("typed", ["2 Dec 2026", "2 december 2026", "2026-12-02"])
def test_the_window_starts_on_a_date_typed_as_the_site_writes_it_or_iso(login, executive, typed):
    response = login(executive).get(ROADMAP, {"start": typed})

    assert response.context["timeline"].start == dt.date(2026, 12, 2)
    assert 'value="2 Dec 2026"' in response.content.decode()


def test_the_date_box_shows_the_default_window_start_as_the_site_writes_dates(login, executive):
    body = login(executive).get(ROADMAP).content.decode()

    start = timezone.localdate() - dt.timedelta(days=LOOK_BACK_DAYS)
    assert f'value="{start.day} {start:%b %Y}"' in body


def test_a_date_the_filter_cannot_read_is_an_error_on_the_field(login, executive):
    response = login(executive).get(ROADMAP, {"start": "12/02/2026"})

    assert response.context["form"].errors["start"] == [MSG_SITE_DATE]
    assert MSG_SITE_DATE in response.content.decode()
    assert response.context["timeline"].start == timezone.localdate() - dt.timedelta(days=LOOK_BACK_DAYS)


def test_the_later_link_keeps_the_date_box_in_the_site_format(login, executive):
    response = login(executive).get(ROADMAP, {"start": "2026-12-02", "view": "list"})

    later = response.context["later"]
    assert "start=2027-01-01" in later and "view=list" in later
    follow = login(executive).get(f"{ROADMAP}?{later}")
    assert 'value="1 Jan 2027"' in follow.content.decode()


def test_the_roadmap_counts_its_initiatives_up_to_a_bound(login, executive, team, monkeypatch):
    monkeypatch.setattr("improvement.selectors.roadmap.ROADMAP_INITIATIVES_PER_PAGE", 2)
    monkeypatch.setattr("improvement.selectors.roadmap.ROADMAP_COUNTED_UP_TO", 4)
    initiatives = sorted((InitiativeFactory(team=team) for _ in range(7)), key=lambda i: i.code)
    for initiative in initiatives:
        MilestoneFactory(initiative=initiative, due_date=days(5))
    client = login(executive)

    first = client.get(ROADMAP)
    last = client.get(ROADMAP, {"page": 4})

    body = first.content.decode()
    assert "Initiatives 1–2 of more than 4, by code" in body
    assert "Page 1 of 3 or more" in body
    assert "page=2" in body
    # The last page is counted exactly, and shows the last initiative.
    assert last.context["page"].paginator.count == 7
    assert [code for code, _ in last.context["page"].object_list] == [initiatives[6].code]
    assert "Page 4 of 4" in last.content.decode()
    assert "Initiatives 7–7 of 7, by code" in last.content.decode()


@pytest.mark.parametrize("asked", ["0", "-3", "1000000000000000000000"])
def test_the_roadmap_reads_a_page_below_one_as_the_first_and_one_far_past_the_end_as_the_last(
    login, executive, team, monkeypatch, asked
):
    monkeypatch.setattr("improvement.selectors.roadmap.ROADMAP_INITIATIVES_PER_PAGE", 2)
    monkeypatch.setattr("improvement.selectors.roadmap.ROADMAP_COUNTED_UP_TO", 4)
    initiatives = sorted((InitiativeFactory(team=team) for _ in range(7)), key=lambda i: i.code)
    for initiative in initiatives:
        MilestoneFactory(initiative=initiative, due_date=days(5))

    response = login(executive).get(ROADMAP, {"page": asked})

    assert response.status_code == 200
    shown_codes = [code for code, _ in response.context["page"].object_list]
    if asked.startswith(("0", "-")):
        assert shown_codes == [initiatives[0].code, initiatives[1].code]
    else:
        assert shown_codes == [initiatives[6].code]
