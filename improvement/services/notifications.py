"""Who hears about what: stage moves, targets met, overdue milestones, KPI alerts and the weekly digest.

The ``*_announce`` functions run inside the transaction of the change: they store the webhook event
with it and enqueue the people-facing work for after commit. The ``*_notify`` / ``*_send``
functions run in background jobs and send through ``notification_send``, one notification per
transaction, each with a dedupe key so a job that runs twice tells nobody twice.
"""

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from accounts.notifications import notification_send
from accounts.time_zones import zone_of
from improvement import events
from improvement.models import (
    OPEN_MILESTONE_STATUSES,
    Initiative,
    KpiTarget,
    Milestone,
    NotificationKind,
    ReminderReason,
    SentReminder,
    Stage,
    StageTransition,
    Status,
    WebhookEventType,
)
from improvement.services.webhooks import initiative_ref, webhook_event_emit
from kpis.alerts import alert_detail_display
from kpis.catalogue import display_description, display_name
from kpis.models import AlertRule, KpiAlert

# A milestone this many days past due is also brought to the initiative lead's attention.
ESCALATE_AFTER_DAYS = 7

# Written in each recipient's language (``recipient_language``) when the notification is sent: the stored
# notification and its email read as the recipient reads the site.
MSG_STAGE_TITLE = gettext_noop("{code} moved from {src} to {dst}")
MSG_DECISION_TITLE = gettext_noop("{code}: cycle {cycle} ended — {decision}")
MSG_TARGET_MET_TITLE = gettext_noop("{code}: target met for {kpi}")
MSG_TARGET_MET_BODY = gettext_noop("{title}: {kpi} reached {target:g} (baseline {baseline:g}).")
MSG_OVERDUE_TITLE = gettext_noop("Overdue: {title} ({code}) was due {due}")
MSG_ESCALATION_TITLE = gettext_noop("{days} days late: {title} ({code}), owned by {owner}")
MSG_ALERT_TITLE = gettext_noop(
    "{level} alert: {kpi}{segment} at {value:g} on {period} (threshold {threshold:g})"
)
MSG_SPC_TITLE = gettext_noop("Control-chart signal: {kpi}{segment} at {value:g} on {period} ({rule})")


def recipient_language(user: User) -> str:
    """The language a person reads the site in; the organisation's default until they choose one."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _initiative_url(initiative_id: int) -> str:
    return reverse("improvement:initiative_detail", args=[initiative_id])


def _people(initiative: Initiative, *, exclude: int | None = None) -> list[User]:
    """Lead, sponsor and members of an initiative, each once, active, without ``exclude``."""
    people = {initiative.lead_id: initiative.lead}
    if initiative.sponsor_id:
        people[initiative.sponsor_id] = initiative.sponsor
    for member in initiative.members.all():
        people[member.pk] = member
    return [u for pk, u in people.items() if pk != exclude and u.is_active]


# --- stage changed ------------------------------------------------------------------------------


def stage_changed_announce(*, transition: StageTransition) -> None:
    """Inside the move's transaction: the webhook event commits with it, people are told after."""
    initiative = transition.initiative
    webhook_event_emit(
        type=WebhookEventType.STAGE_CHANGED,
        dedupe_key=f"stage.changed:{transition.pk}",
        data={
            "initiative": initiative_ref(initiative),
            "transition_id": transition.pk,
            "cycle": transition.cycle,
            "from_stage": transition.from_stage,
            "to_stage": transition.to_stage,
            "decision": transition.decision,
            "status": initiative.status,
            "gate_passed": transition.gate_passed,
            "overridden": transition.overridden,
            "actor": transition.actor.email if transition.actor else None,
            "note": transition.note,
            "at": transition.created_at.isoformat(),
        },
        team_ids=[initiative.team_id],
    )
    events.stage_changed(transition_id=transition.pk)


def stage_changed_notify(*, transition: StageTransition) -> int:
    """Tell the initiative's people (not the one who moved it) about the move; returns how many."""
    initiative = transition.initiative
    body = "\n".join(
        filter(None, [initiative.title, transition.note, transition.reason, transition.override_reason])
    )
    sent = 0
    for person in _people(initiative, exclude=transition.actor_id):
        with translation.override(recipient_language(person)):
            sent += bool(
                notification_send(
                    recipient=person,
                    kind=NotificationKind.STAGE_CHANGED,
                    title=_stage_title(transition),
                    body=body,
                    url=_initiative_url(initiative.pk),
                    dedupe_key=f"stage_changed:{transition.pk}",
                )
            )
    return sent


def _stage_title(transition: StageTransition) -> str:
    code = transition.initiative.code
    if transition.decision:
        return _(MSG_DECISION_TITLE).format(
            code=code, cycle=transition.cycle, decision=str(transition.get_decision_display())
        )
    return _(MSG_STAGE_TITLE).format(
        code=code, src=str(Stage(transition.from_stage).label), dst=str(Stage(transition.to_stage).label)
    )


# --- target met ----------------------------------------------------------------------------------


def target_met_announce(*, target: KpiTarget) -> None:
    """Inside the evaluation's transaction; once per target and cycle."""
    initiative = target.initiative
    webhook_event_emit(
        type=WebhookEventType.TARGET_MET,
        dedupe_key=f"target.met:{target.pk}:{initiative.cycle}",
        data={
            "initiative": initiative_ref(initiative),
            "target_id": target.pk,
            "cycle": initiative.cycle,
            "kpi": target.kpi.code,
            "segment": target.segment,
            "baseline_value": target.baseline_value,
            "target_value": target.target_value,
            "evaluation": target.evaluation,
        },
    )
    events.target_met(target_id=target.pk, cycle=initiative.cycle)


def target_met_notify(*, target: KpiTarget, cycle: int) -> int:
    initiative = target.initiative
    sent = 0
    for person in _people(initiative):
        with translation.override(recipient_language(person)):
            kpi = display_name(target.kpi.name)
            sent += bool(
                notification_send(
                    recipient=person,
                    kind=NotificationKind.TARGET_MET,
                    title=_(MSG_TARGET_MET_TITLE).format(code=initiative.code, kpi=kpi),
                    body=_(MSG_TARGET_MET_BODY).format(
                        title=initiative.title,
                        kpi=kpi,
                        target=target.target_value,
                        baseline=target.baseline_value,
                    ),
                    url=_initiative_url(initiative.pk),
                    dedupe_key=f"target_met:{target.pk}:{cycle}",
                )
            )
    return sent


# --- overdue milestones and reminders ------------------------------------------------------------


def milestone_overdue_announce(*, milestone: Milestone) -> None:
    """Inside the overdue marking's transaction: one webhook event per overdue episode."""
    initiative = milestone.initiative
    webhook_event_emit(
        type=WebhookEventType.MILESTONE_OVERDUE,
        dedupe_key=f"milestone.overdue:{milestone.pk}:{milestone.overdue_since.isoformat()}",
        data={
            "initiative": initiative_ref(initiative),
            "milestone_id": milestone.pk,
            "title": milestone.title,
            "due_date": milestone.due_date.isoformat(),
            "overdue_since": milestone.overdue_since.isoformat(),
            "owner": milestone.owner.email if milestone.owner else None,
            "status": milestone.status,
        },
    )


def _remind(
    *, milestone: Milestone, recipient: User, reason: str, title: str, params: dict, kind: str
) -> bool:
    """Send one reminder and record it in the same transaction; False when it was already sent.

    ``title`` is an untranslated message, formatted with ``params`` in the recipient's language
    (an ``owner`` of None reads "nobody")."""
    if SentReminder.objects.filter(
        milestone=milestone, recipient=recipient, reason=reason, overdue_since=milestone.overdue_since
    ).exists():
        return False
    try:
        with transaction.atomic(), translation.override(recipient_language(recipient)):
            notification_send(
                recipient=recipient,
                kind=kind,
                title=_(title).format(**{**params, **_owner(params)}),
                body=f"{milestone.initiative.title}\n{milestone.acceptance_criteria}".strip(),
                url=_initiative_url(milestone.initiative_id),
                dedupe_key=f"{reason}:{milestone.pk}:{milestone.overdue_since.isoformat()}",
            )
            SentReminder.objects.create(
                milestone=milestone, recipient=recipient, reason=reason, overdue_since=milestone.overdue_since
            )
    except IntegrityError:
        # Another run recorded this reminder first; its notification is the one that counts.
        return False
    return True


def _owner(params: dict) -> dict:
    if "owner" not in params:
        return {}
    return {"owner": params["owner"] or _("nobody")}


def _local_day(user: User, *, today: dt.date | None, moment: dt.datetime) -> dt.date | None:
    """The day it is for ``user``, or None before ``PDCA_REMINDERS_HOUR`` on their clock.

    With ``today`` (a run for one date) every recipient is on that date at once.
    """
    if today is not None:
        return today
    local = moment.astimezone(zone_of(user))
    return local.date() if local.hour >= settings.PDCA_REMINDERS_HOUR else None


def reminders_send(*, today: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Remind owners of overdue milestones once per overdue episode, and the lead once 7+ days late.

    Works from ``overdue_since`` stamped by ``milestones_mark_overdue``; returns how many went out.
    Without ``today`` (the hourly job) each person is reminded on their own clock: once their date
    is past the due date and their hour has reached ``PDCA_REMINDERS_HOUR``.
    """
    moment = now or timezone.now()
    latest = today or (moment + dt.timedelta(days=1)).date()  # Zones ahead of UTC are a day on.
    overdue = (
        Milestone.objects.active()
        .filter(
            status__in=OPEN_MILESTONE_STATUSES,
            due_date__lt=latest,
            overdue_since__isnull=False,
            initiative__archived_at__isnull=True,
            initiative__status=Status.ACTIVE,
        )
        .select_related("owner", "initiative__lead")
    )
    sent = 0
    for milestone in overdue:
        initiative = milestone.initiative
        due = milestone.due_date.isoformat()
        owner = milestone.owner
        owner_day = _local_day(owner, today=today, moment=moment) if owner else None
        if owner and owner.is_active and owner_day and owner_day > milestone.due_date:
            sent += _remind(
                milestone=milestone,
                recipient=owner,
                reason=ReminderReason.OWNER_OVERDUE,
                kind=NotificationKind.MILESTONE_OVERDUE,
                title=MSG_OVERDUE_TITLE,
                params={"title": milestone.title, "code": initiative.code, "due": due},
            )
        lead_day = _local_day(initiative.lead, today=today, moment=moment)
        days_late = (lead_day - milestone.due_date).days if lead_day else 0
        if days_late >= ESCALATE_AFTER_DAYS and initiative.lead.is_active:
            sent += _remind(
                milestone=milestone,
                recipient=initiative.lead,
                reason=ReminderReason.LEAD_ESCALATION,
                kind=NotificationKind.MILESTONE_ESCALATION,
                title=MSG_ESCALATION_TITLE,
                params={
                    "days": days_late,
                    "title": milestone.title,
                    "code": initiative.code,
                    "owner": milestone.owner,
                },
            )
    return sent


# --- KPI alerts ----------------------------------------------------------------------------------


def kpi_alert_listener(alert: KpiAlert) -> None:
    """Plugged into ``kpis.alerts`` when the app is ready: tell the leads after the alert commits."""
    events.kpi_alert_raised(alert_id=alert.pk)


def kpi_alert_notify(*, alert: KpiAlert) -> int:
    """Tell the lead of every active initiative with a target on the alert's KPI and segment."""
    leads = {
        t.initiative.lead
        for t in KpiTarget.objects.active()
        .filter(
            kpi_id=alert.kpi_id,
            segment=alert.segment,
            initiative__archived_at__isnull=True,
            initiative__status=Status.ACTIVE,
        )
        .select_related("initiative__lead")
    }
    sent = 0
    for lead in sorted(leads, key=lambda u: u.pk):
        with translation.override(recipient_language(lead)):
            sent += bool(
                notification_send(
                    recipient=lead,
                    kind=NotificationKind.KPI_ALERT,
                    title=_alert_title(alert),
                    body=display_description(alert.kpi.description),
                    url=kpi_alerts_url(alert),
                    dedupe_key=f"kpi_alert:{alert.pk}",
                )
            )
    return sent


def kpi_alerts_url(alert: KpiAlert) -> str:
    """The KPI page's alerts in the alert's segment, where "Start an improvement" is one click away."""
    url = reverse("improvement:kpi_detail", args=[alert.kpi.code])
    if alert.segment:
        url += "?" + urlencode({"segment": alert.segment})
    return url + "#alerts"


def _alert_title(alert: KpiAlert) -> str:
    template = MSG_SPC_TITLE if alert.rule == AlertRule.SPC else MSG_ALERT_TITLE
    return _(template).format(
        level=str(alert.get_level_display()),
        kpi=display_name(alert.kpi.name),
        segment=f" [{alert.segment}]" if alert.segment else "",
        value=alert.value,
        period=alert.period.isoformat(),
        threshold=alert.threshold,
        rule=alert_detail_display(alert.detail),
    )
