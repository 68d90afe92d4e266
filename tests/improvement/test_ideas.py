"""Ideas: submitted by anyone, triaged by the leads of their team (accept, decline, merge), and
drafts started from a KPI alert."""

import datetime as dt
import re
import statistics

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Notification, Role
from common.errors import Conflict, PermissionDenied, StaleVersion
from improvement.models import Idea, IdeaStatus, Initiative, KpiTarget, NotificationKind, Stage
from improvement.selectors.ideas import idea_list, idea_status_counts, idea_triage
from improvement.services import idea_signals, ideas
from improvement.services.initiatives import initiative_create
from improvement.services.notifications import kpi_alert_notify
from improvement.services.targets import kpi_target_create
from kpis.alerts import SPC_BASELINE_POINTS
from kpis.models import AlertLevel, AlertRule, KpiAlert, PhaseBreak
from tests.factories import KpiFactory, MeasurementFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kpi(db):
    return KpiFactory(code="fcr", name="First-contact resolution", direction="higher")


@pytest.fixture
def idea(contributor, team, kpi):
    return ideas.idea_create(
        actor=contributor,
        title="Route billing chats to billing agents",
        problem="Billing questions bounce between queues.",
        kpi=kpi,
        segment="chat",
        team=team,
        value=4,
        difficulty=2,
        current_value=70,
        target_value=80,
        unit_value="2.50",
        monthly_volume=1000,
    )


# --- create, edit, submit -------------------------------------------------------------------------


def test_anyone_signed_in_submits_an_idea_and_the_team_leads_are_told(
    viewer, team, lead, other_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        idea = ideas.idea_create(actor=viewer, title="Shorter forms", team=team)

    assert idea.status == IdeaStatus.SUBMITTED and idea.submitted_at is not None
    notice = Notification.objects.get(kind=NotificationKind.IDEA_SUBMITTED)
    assert notice.recipient == lead  # the other team's lead is not told
    assert notice.title == f"New idea to triage: {idea.reference} Shorter forms"


def test_an_idea_without_a_team_tells_every_lead(
    contributor, lead, other_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ideas.idea_create(actor=contributor, title="Answer in the customer's language")

    recipients = set(
        Notification.objects.filter(kind=NotificationKind.IDEA_SUBMITTED).values_list("recipient", flat=True)
    )
    assert recipients == {lead.pk, other_lead.pk}


def test_a_draft_is_seen_by_its_author_only_until_submitted(contributor, lead, team):
    draft = ideas.idea_create(actor=contributor, title="Half a thought", team=team, submit=False)

    assert draft.status == IdeaStatus.DRAFT
    assert not idea_list(user=lead).filter(pk=draft.pk).exists()
    assert idea_list(user=contributor).filter(pk=draft.pk).exists()

    ideas.idea_submit(actor=contributor, idea=draft)

    assert idea_list(user=lead).filter(pk=draft.pk).exists()
    with pytest.raises(Conflict, match=re.escape(str(ideas.MSG_NOT_DRAFT))):
        ideas.idea_submit(actor=contributor, idea=draft)


def test_only_the_author_submits_a_draft(contributor, lead, team):
    draft = ideas.idea_create(actor=contributor, title="Half a thought", team=team, submit=False)
    with pytest.raises(PermissionDenied, match=re.escape(str(ideas.MSG_CANNOT_SUBMIT))):
        ideas.idea_submit(actor=lead, idea=draft)


def test_bad_input_is_refused_on_its_field(contributor):
    with pytest.raises(ValidationError) as caught:
        ideas.idea_create(actor=contributor, title="  ", value=9)
    assert caught.value.message_dict["title"] == [str(ideas.MSG_TITLE_REQUIRED)]
    with pytest.raises(ValidationError) as caught:
        ideas.idea_create(actor=contributor, title="Fine", value=9)
    assert "value" in caught.value.message_dict
    assert not Idea.objects.exists()


def test_the_author_and_the_team_leads_edit_others_do_not(idea, contributor, lead, other_lead, viewer):
    ideas.idea_update(actor=contributor, idea=idea, title="Route billing chats")
    ideas.idea_update(actor=lead, idea=idea, difficulty=3)
    idea.refresh_from_db()
    assert (idea.title, idea.difficulty, idea.version) == ("Route billing chats", 3, 3)

    with pytest.raises(PermissionDenied, match=re.escape(str(ideas.MSG_CANNOT_EDIT))):
        ideas.idea_update(actor=other_lead, idea=idea, title="Mine now")
    with pytest.raises(PermissionDenied):
        ideas.idea_update(actor=viewer, idea=idea, title="Mine now")


def test_an_edit_against_an_old_version_is_refused(idea, contributor):
    ideas.idea_update(actor=contributor, idea=idea, title="First", expected_version=1)
    with pytest.raises(StaleVersion):
        ideas.idea_update(actor=contributor, idea=idea, title="Second", expected_version=1)


# --- accept ---------------------------------------------------------------------------------------


def test_accepting_creates_a_plan_stage_initiative_with_the_ideas_fields(
    idea, lead, contributor, kpi, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ideas.idea_accept(actor=lead, idea=idea)

    idea.refresh_from_db()
    initiative = idea.initiative
    assert idea.status == IdeaStatus.ACCEPTED and idea.decided_by == lead
    assert initiative.stage == Stage.PLAN
    assert (initiative.title, initiative.problem_statement) == (idea.title, idea.problem)
    assert (initiative.impact, initiative.effort) == (4, 2)
    assert (initiative.team, initiative.lead, initiative.breakpoint_type) == (
        idea.team,
        lead,
        idea.breakpoint_type,
    )
    target = KpiTarget.objects.get(initiative=initiative)
    assert (target.kpi, target.segment, target.baseline_value, target.target_value) == (kpi, "chat", 70, 80)
    assert target.is_primary
    # 2.50 a contact × 1,000 contacts a month.
    assert target.unit_value_per_month == 2500
    notice = Notification.objects.get(recipient=contributor, kind=NotificationKind.IDEA_DECIDED)
    assert notice.title == f"Your idea {idea.reference} was accepted: {initiative.code}"


def test_accepting_an_idea_without_a_team_needs_one(contributor, lead, team):
    idea = ideas.idea_create(actor=contributor, title="No team yet")

    with pytest.raises(ValidationError) as caught:
        ideas.idea_accept(actor=lead, idea=idea)
    assert caught.value.message_dict["team"] == [str(ideas.MSG_TEAM_REQUIRED)]

    other = UserFactory(role=Role.LEAD, teams=[team])
    ideas.idea_accept(actor=lead, idea=idea, team=team, lead=other)
    idea.refresh_from_db()
    assert (idea.team, idea.initiative.lead) == (team, other)
    assert not KpiTarget.objects.exists()  # no KPI: no target


def test_only_the_team_leads_and_admins_decide(idea, other_lead, contributor, executive, admin):
    for person in (other_lead, contributor, executive):
        with pytest.raises(PermissionDenied, match=re.escape(str(ideas.MSG_CANNOT_TRIAGE))):
            ideas.idea_accept(actor=person, idea=idea)
    ideas.idea_decline(actor=admin, idea=idea, reason="Out of scope this year.")


def test_a_decided_idea_refuses_another_decision(idea, lead):
    ideas.idea_decline(actor=lead, idea=idea, reason="Covered by IMP-007.")

    with pytest.raises(Conflict, match="already decided"):
        ideas.idea_accept(actor=lead, idea=idea)
    with pytest.raises(Conflict):
        ideas.idea_update(actor=lead, idea=idea, title="Again")
    assert not Idea.objects.get(pk=idea.pk).initiative


def test_a_failed_target_leaves_nothing_half_written(idea, lead):
    # Lower than the current value on a higher-is-better KPI: the target service refuses it.
    Idea.objects.filter(pk=idea.pk).update(target_value=60)
    idea.refresh_from_db()

    with pytest.raises(ValidationError):
        ideas.idea_accept(actor=lead, idea=idea)

    idea.refresh_from_db()
    assert idea.status == IdeaStatus.SUBMITTED
    assert not idea.initiative and not KpiTarget.objects.exists()
    assert not Initiative.objects.exists()


# --- decline and merge ----------------------------------------------------------------------------


def test_declining_needs_a_reason_and_tells_the_submitter(
    idea, lead, contributor, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as caught:
        ideas.idea_decline(actor=lead, idea=idea, reason="  ")
    assert caught.value.message_dict["reason"] == [str(ideas.MSG_REASON_REQUIRED)]

    with django_capture_on_commit_callbacks(execute=True):
        ideas.idea_decline(actor=lead, idea=idea, reason="The vendor fixes this in March.")

    notice = Notification.objects.get(recipient=contributor, kind=NotificationKind.IDEA_DECIDED)
    assert notice.title == f"Your idea {idea.reference} was declined"
    assert notice.body == "The vendor fixes this in March."


def test_merging_closes_the_duplicate_into_the_kept_idea(
    idea, lead, viewer, team, django_capture_on_commit_callbacks
):
    duplicate = ideas.idea_create(actor=viewer, title="Billing chats go to the wrong queue", team=team)

    with django_capture_on_commit_callbacks(execute=True):
        ideas.idea_merge(actor=lead, idea=duplicate, into=idea)

    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (IdeaStatus.MERGED, idea)
    assert list(idea.merged_ideas.all()) == [duplicate]
    notice = Notification.objects.get(recipient=viewer, kind=NotificationKind.IDEA_DECIDED)
    assert notice.title == f"Your idea {duplicate.reference} was merged into {idea.reference}"


def test_merging_refuses_itself_closed_ideas_and_cycles(idea, lead, contributor, team):
    with pytest.raises(ValidationError) as caught:
        ideas.idea_merge(actor=lead, idea=idea, into=idea)
    assert caught.value.message_dict["into"] == [str(ideas.MSG_MERGE_ITSELF)]

    declined = ideas.idea_create(actor=contributor, title="Declined", team=team)
    ideas.idea_decline(actor=lead, idea=declined, reason="No.")
    with pytest.raises(ValidationError) as caught:
        ideas.idea_merge(actor=lead, idea=idea, into=declined)
    assert caught.value.message_dict["into"] == [str(ideas.MSG_MERGE_CLOSED % {"status": "declined"})]

    # A chain that would come back to the idea (only inconsistent data can hold one).
    other = ideas.idea_create(actor=contributor, title="Other", team=team)
    Idea.objects.filter(pk=other.pk).update(merged_into=idea)
    with pytest.raises(ValidationError) as caught:
        ideas.idea_merge(actor=lead, idea=idea, into=other)
    assert caught.value.message_dict["into"] == [str(ideas.MSG_MERGE_CYCLE)]


# --- triage list ----------------------------------------------------------------------------------


def test_the_triage_list_filters_and_counts(idea, contributor, lead, viewer, team, other_team, kpi):
    ideas.idea_create(
        actor=viewer, title="Self-service refunds", team=other_team, breakpoint_type="technical"
    )
    ideas.idea_create(actor=lead, title="Draft of the lead", submit=False)

    assert [i.title for i in idea_triage(user=lead, q="billing")] == [idea.title]
    assert [i.title for i in idea_triage(user=lead, breakpoint_type="technical")] == ["Self-service refunds"]
    assert [i.title for i in idea_triage(user=lead, kpi=kpi)] == [idea.title]
    assert [i.title for i in idea_triage(user=lead, team=other_team)] == ["Self-service refunds"]
    assert [i.title for i in idea_triage(user=viewer, mine=True)] == ["Self-service refunds"]
    assert idea_status_counts(user=lead)["draft"] == 1
    assert idea_status_counts(user=contributor) == {
        "draft": 0,
        "submitted": 2,
        "accepted": 0,
        "declined": 0,
        "merged": 0,
    }


# --- a KPI alert becomes a draft ------------------------------------------------------------------


@pytest.fixture
def watched(db):
    return KpiFactory(code="csat_w", name="CSAT", direction="higher", kind="warning")


def _series(kpi, values, *, segment="email", start=dt.date(2026, 1, 1)):
    for n, value in enumerate(values):
        MeasurementFactory(kpi=kpi, segment=segment, period=start + dt.timedelta(days=n), value=value)


def test_a_threshold_alert_starts_a_prefilled_draft(watched, contributor):
    values = [80 + (n % 3) for n in range(25)]
    _series(watched, values)
    period = dt.date(2026, 1, 1) + dt.timedelta(days=25)
    MeasurementFactory(kpi=watched, segment="email", period=period, value=61)
    alert = KpiAlert.objects.create(
        kpi=watched, segment="email", period=period, level=AlertLevel.WARNING, value=61, threshold=70
    )

    draft = idea_signals.idea_draft_from_alert(actor=contributor, alert=alert)

    window = values[-SPC_BASELINE_POINTS:]
    assert draft.status == IdeaStatus.DRAFT and draft.submitted_by == contributor
    assert (draft.kpi, draft.segment, draft.alert) == (watched, "email", alert)
    assert draft.title == "Improve CSAT (email)"
    assert draft.current_value == pytest.approx(statistics.fmean(window))
    assert draft.baseline_from == dt.date(2026, 1, 6) and draft.baseline_to == dt.date(2026, 1, 25)
    assert draft.signal == "Warning threshold crossed on 2026-01-26: 61 against the threshold 70."
    # Starting again from the same alert gives the same draft back.
    assert idea_signals.idea_draft_from_alert(actor=contributor, alert=alert) == draft
    assert Idea.objects.count() == 1


def test_a_control_chart_signal_takes_its_baseline_from_the_latest_phase(watched, lead):
    _series(watched, [50] * 10 + [80, 82, 81, 79, 80, 82, 81, 80, 79, 81])
    period = dt.date(2026, 1, 21)
    PhaseBreak.objects.create(kpi=watched, segment="email", starts=dt.date(2026, 1, 11), label="New tool")
    alert = KpiAlert.objects.create(
        kpi=watched,
        segment="email",
        period=period,
        rule=AlertRule.SPC,
        level=AlertLevel.WARNING,
        value=60,
        threshold=75.5,
        detail="A point beyond 3σ",
    )

    draft = idea_signals.idea_draft_from_alert(actor=lead, alert=alert)

    assert draft.current_value == pytest.approx(80.5)
    assert (draft.baseline_from, draft.baseline_to) == (dt.date(2026, 1, 11), dt.date(2026, 1, 20))
    assert draft.signal == (
        "Control-chart signal on 2026-01-21 (A point beyond 3σ): 60 beyond the control limit 75.5."
    )


def test_someone_else_starting_from_the_same_alert_gets_their_own_draft(watched, lead, contributor):
    alert = KpiAlert.objects.create(
        kpi=watched, segment="", period=dt.date(2026, 2, 1), level=AlertLevel.CRITICAL, value=1, threshold=2
    )
    first = idea_signals.idea_draft_from_alert(actor=lead, alert=alert)
    second = idea_signals.idea_draft_from_alert(actor=contributor, alert=alert)

    assert first != second and second.title == "Improve CSAT"
    assert second.current_value is None  # nothing measured before the alert


def test_the_kpi_alert_notification_links_to_the_kpi_pages_alerts(watched, lead, team):
    initiative = initiative_create(
        actor=lead, title="CSAT by email", team=team, start_date=dt.date(2026, 1, 1)
    )
    kpi_target_create(
        actor=lead, initiative=initiative, kpi=watched, segment="email", baseline_value=70, target_value=80
    )
    alert = KpiAlert.objects.create(
        kpi=watched,
        segment="email",
        period=dt.date(2026, 2, 1),
        level=AlertLevel.WARNING,
        value=61,
        threshold=70,
    )

    assert kpi_alert_notify(alert=alert) == 1

    assert Notification.objects.get(recipient=lead).url == f"/kpis/{watched.code}/?segment=email#alerts"
