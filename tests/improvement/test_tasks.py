"""Background jobs, run in-process (no broker): reminders, stage and target notices, digest, beat table."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Role
from accounts.notifications import notification_mute_set
from common.models import OutboxMessage, OutboxState
from common.outbox import outbox_relay
from config.celery import app
from improvement import tasks
from improvement.models import (
    DeliveryStatus,
    MilestoneStatus,
    NotificationKind,
    ReminderReason,
    SentReminder,
    Stage,
    StatusUpdate,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
)
from improvement.services import digest, notifications
from improvement.services.notifications import MSG_ESCALATION_TITLE, MSG_OVERDUE_TITLE
from improvement.services.stages import initiative_transition
from improvement.services.webhooks import webhook_event_emit, webhook_subscription_create
from tests.factories import InitiativeFactory, KpiTargetFactory, MilestoneFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def initiative(team, lead, executive):
    return InitiativeFactory(team=team, lead=lead, sponsor=executive, code="IMP-042")


def late(initiative, owner, days: int, **fields):
    return MilestoneFactory(
        initiative=initiative,
        owner=owner,
        due_date=TODAY - dt.timedelta(days=days),
        title="Pilot queue",
        **fields,
    )


def test_the_daily_job_reminds_the_owner_of_an_overdue_milestone_once(
    initiative, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    milestone = late(initiative, contributor, days=2)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.mark_overdue_milestones.delay(TODAY.isoformat())
    with django_capture_on_commit_callbacks(execute=True):
        tasks.mark_overdue_milestones.delay(TODAY.isoformat())
    tasks.send_reminders.delay((TODAY + dt.timedelta(days=1)).isoformat())

    milestone.refresh_from_db()
    assert milestone.overdue_since == TODAY
    notice = Notification.objects.get(recipient=contributor)
    assert notice.kind == NotificationKind.MILESTONE_OVERDUE
    assert notice.title == MSG_OVERDUE_TITLE.format(title="Pilot queue", code="IMP-042", due="2026-03-08")
    assert [m.to for m in mailoutbox] == [[contributor.email]]
    assert SentReminder.objects.get().reason == ReminderReason.OWNER_OVERDUE


def test_a_milestone_a_week_late_is_escalated_to_the_lead_once(
    initiative, lead, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    late(initiative, contributor, days=7)

    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.mark_overdue_milestones.delay(TODAY.isoformat())

    escalation = Notification.objects.get(recipient=lead)
    assert escalation.kind == NotificationKind.MILESTONE_ESCALATION
    assert escalation.title == MSG_ESCALATION_TITLE.format(
        days=7, title="Pilot queue", code="IMP-042", owner=contributor
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted([contributor.email, lead.email])


def test_six_days_late_is_not_escalated(initiative, lead, contributor, django_capture_on_commit_callbacks):
    late(initiative, contributor, days=6)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.mark_overdue_milestones.delay(TODAY.isoformat())
    assert not Notification.objects.filter(recipient=lead).exists()


def test_done_milestones_and_muted_owners_get_no_reminder(
    initiative, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    late(initiative, contributor, days=3, status=MilestoneStatus.DONE)
    other = UserFactory(role=Role.CONTRIBUTOR)
    late(initiative, other, days=3)
    notification_mute_set(actor=other, kind=NotificationKind.MILESTONE_OVERDUE, muted=True)

    with django_capture_on_commit_callbacks(execute=True):
        tasks.mark_overdue_milestones.delay(TODAY.isoformat())

    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_a_newly_overdue_milestone_emits_one_webhook_event(
    initiative, contributor, django_capture_on_commit_callbacks
):
    milestone = late(initiative, contributor, days=1)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            tasks.mark_overdue_milestones.delay(TODAY.isoformat())
    event = WebhookEvent.objects.get()
    assert event.type == WebhookEventType.MILESTONE_OVERDUE
    assert event.data["milestone_id"] == milestone.pk
    assert event.data["overdue_since"] == TODAY.isoformat()


def ready_for_do(initiative):
    KpiTargetFactory(initiative=initiative)
    MilestoneFactory(initiative=initiative)


def test_a_stage_move_tells_the_sponsor_and_members_but_not_the_mover(
    initiative, lead, executive, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    initiative.members.add(contributor)
    ready_for_do(initiative)

    with django_capture_on_commit_callbacks(execute=True):
        transition = initiative_transition(
            actor=lead, initiative=initiative, to=Stage.DO, note="Pilot starts"
        )
    tasks.notify_stage_changed.delay(transition.pk)  # delivered twice: still one notice each

    notices = Notification.objects.order_by("recipient__email")
    assert [(n.recipient, n.kind) for n in notices] == [
        (contributor, NotificationKind.STAGE_CHANGED),
        (executive, NotificationKind.STAGE_CHANGED),
    ]
    assert notices[0].title == "IMP-042 moved from Plan to Do"
    assert len(mailoutbox) == 2
    event = WebhookEvent.objects.get(type=WebhookEventType.STAGE_CHANGED)
    assert event.data["from_stage"] == "plan" and event.data["to_stage"] == "do"


def test_a_refused_move_emits_nothing(initiative, lead, django_capture_on_commit_callbacks):
    from common.errors import GateFailed

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(GateFailed):
        initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    assert not WebhookEvent.objects.exists()
    assert not Notification.objects.exists()


def test_a_move_on_the_site_reaches_a_webhook_subscriber(
    initiative, lead, admin, client, httpserver, settings, django_capture_on_commit_callbacks
):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True
    httpserver.expect_request("/hook").respond_with_data("ok")
    webhook_subscription_create(
        actor=admin, url=httpserver.url_for("/hook"), events=[WebhookEventType.STAGE_CHANGED]
    )
    ready_for_do(initiative)
    client.force_login(lead)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("improvement:initiative_move", args=[initiative.pk]), {"to": "do", "version": 1}
        )

    assert response.status_code == 302
    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
    assert len(httpserver.log) == 1


def test_the_weekly_digest_goes_to_leads_and_executives_once_a_week(
    initiative, lead, executive, contributor, mailoutbox, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    ready_for_do(initiative)
    with django_capture_on_commit_callbacks(execute=False):
        initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    StatusUpdate.objects.create(
        initiative=initiative, author=lead, date=today, health="at_risk", narrative="x"
    )
    MilestoneFactory(initiative=initiative, title="Train agents", due_date=today - dt.timedelta(days=3))

    assert tasks.send_digest.delay(today.isoformat()).get() == 2
    assert tasks.send_digest.delay(today.isoformat()).get() == 0

    digest = Notification.objects.get(recipient=lead, kind=NotificationKind.DIGEST)
    assert "- IMP-042: Plan → Do" in digest.body
    assert f"- IMP-042 {today}: At risk" in digest.body
    assert "Train agents" in digest.body
    assert sorted(m.to[0] for m in mailoutbox) == sorted([lead.email, executive.email])
    assert not Notification.objects.filter(recipient=contributor).exists()


def test_every_beat_entry_names_a_registered_task_exactly_once():
    app.loader.import_default_modules()
    names = [entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()]
    assert len(names) == len(set(names))
    assert [n for n in names if n not in app.tasks] == []
    assert {"improvement.mark_overdue_milestones", "improvement.send_digest"} <= set(names)


def test_every_task_acknowledges_late_and_retries_only_named_errors():
    app.loader.import_default_modules()
    ours = [t for name, t in app.tasks.items() if name.startswith(("improvement.", "kpis."))]
    assert ours
    for task in ours:
        assert task.acks_late, task.name
        assert Exception not in task.autoretry_for, task.name
        assert task.max_retries, task.name


@pytest.fixture
def hook(admin, httpserver, settings):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True
    httpserver.expect_request("/hook").respond_with_data("ok")
    webhook_subscription_create(
        actor=admin, url=httpserver.url_for("/hook"), events=[WebhookEventType.STAGE_CHANGED]
    )
    return httpserver


def emit_while_the_broker_is_down(hours: float) -> WebhookDelivery:
    """A delivery whose outbox message was never published (the post-commit publish did not run),
    made to look ``hours`` old."""
    webhook_event_emit(type=WebhookEventType.STAGE_CHANGED, dedupe_key="sweep:1", data={"n": 1})
    delivery = WebhookDelivery.objects.get()
    long_ago = timezone.now() - dt.timedelta(hours=hours)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=long_ago)
    OutboxMessage.objects.filter(task=tasks.deliver_webhook.name).update(due_at=long_ago)
    return delivery


def test_the_sweeper_leaves_a_delivery_the_outbox_still_owns_so_it_is_attempted_once(
    hook, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = emit_while_the_broker_is_down(hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_stalled_webhooks.delay().get() == 0
    assert OutboxMessage.objects.filter(task=tasks.deliver_webhook.name).count() == 1

    outbox_relay()  # the broker is back: the relay publishes the one message

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts.count() == 1
    assert len(hook.log) == 1


def test_the_sweeper_resumes_a_delivery_whose_outbox_message_failed_for_good(
    hook, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = emit_while_the_broker_is_down(hours=2)
    OutboxMessage.objects.update(state=OutboxState.FAILED)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resume_stalled_webhooks.delay().get() == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(hook.log) == 1


def test_the_hourly_digest_reaches_each_reader_on_their_own_monday_morning(
    lead, executive, initiative, settings
):
    settings.TIME_ZONE = "UTC"
    settings.PDCA_DIGEST_WEEKDAY, settings.PDCA_DIGEST_HOUR = "mon", 7
    lead.time_zone, executive.time_zone = "Asia/Shanghai", "America/Los_Angeles"
    lead.save(update_fields=["time_zone"])
    executive.save(update_fields=["time_zone"])
    StatusUpdate.objects.create(
        initiative=initiative, author=lead, date=dt.date(2026, 1, 4), health="at_risk", narrative="x"
    )
    sunday_evening_utc = dt.datetime(2026, 1, 4, 23, 30, tzinfo=dt.UTC)  # Shanghai: Mon 07:30.
    monday_afternoon_utc = dt.datetime(2026, 1, 5, 15, 5, tzinfo=dt.UTC)  # Los Angeles: Mon 07:05.

    assert digest.digest_send(now=sunday_evening_utc - dt.timedelta(hours=1)) == 0
    assert digest.digest_send(now=sunday_evening_utc) == 1
    assert Notification.objects.get(kind=NotificationKind.DIGEST).recipient == lead
    assert digest.digest_send(now=sunday_evening_utc + dt.timedelta(hours=1)) == 0  # Once.
    assert digest.digest_send(now=monday_afternoon_utc) == 1
    assert Notification.objects.get(kind=NotificationKind.DIGEST, recipient=executive).title.endswith(
        "2026-01-05"
    )


def test_the_hourly_reminder_reaches_each_owner_at_their_own_morning(initiative, contributor, lead, settings):
    settings.TIME_ZONE = "UTC"
    settings.PDCA_REMINDERS_HOUR = 6
    contributor.time_zone = "America/Los_Angeles"
    contributor.save(update_fields=["time_zone"])
    milestone = MilestoneFactory(
        initiative=initiative,
        owner=contributor,
        due_date=dt.date(2026, 3, 9),
        overdue_since=dt.date(2026, 3, 10),
    )
    # 10 March 06:30 UTC: overdue in London, but still the due date (9 March, 23:30) in Los Angeles.
    assert notifications.reminders_send(now=dt.datetime(2026, 3, 10, 6, 30, tzinfo=dt.UTC)) == 0
    # 10 March 12:00 UTC = 05:00 in Los Angeles (daylight time from 8 March): before its reminder hour.
    assert notifications.reminders_send(now=dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)) == 0
    # 13:00 UTC = 06:00 in Los Angeles: the reminder goes out, once.
    assert notifications.reminders_send(now=dt.datetime(2026, 3, 10, 13, 0, tzinfo=dt.UTC)) == 1
    assert notifications.reminders_send(now=dt.datetime(2026, 3, 10, 14, 0, tzinfo=dt.UTC)) == 0
    assert SentReminder.objects.get().milestone == milestone
    assert Notification.objects.get(kind=NotificationKind.MILESTONE_OVERDUE).recipient == contributor
