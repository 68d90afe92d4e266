"""Chat destinations: a team's Slack or Teams incoming webhooks, what they post, test messages,
and the chat-only events (executive sign-offs, KPI alerts, the weekly team digest).

Deliveries go through ``webhooks``: the same event store, delivery rows, retries and attempt log.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from common.errors import PermissionDenied
from common.services import model_update
from improvement import policies
from improvement.models import (
    CHAT_TEST,
    ChatDestination,
    ChatEventType,
    ChatKind,
    KpiTarget,
    StageTransition,
    Status,
    WebhookDelivery,
)
from improvement.services.digest import digest_text
from improvement.services.webhooks import chat_url_check, initiative_ref, webhook_event_emit
from kpis.models import KpiAlert

MSG_CANNOT_MANAGE = gettext_noop("Only an admin or a lead of the team can manage its chat destinations.")
MSG_NO_EVENTS = gettext_noop("Choose at least one event.")
MSG_UNKNOWN_EVENT = gettext_noop("Unknown event type: {event}.")
MSG_UNKNOWN_KIND = gettext_noop("Choose Slack or Microsoft Teams.")
MSG_INACTIVE = gettext_noop("Switch the destination on before sending a test message.")
UPDATABLE = ("name", "url", "events", "is_active")


def _check_can_manage(actor: User, team_id: int) -> None:
    if not policies.can_manage_team_chat(actor, team_id):
        raise PermissionDenied(_(MSG_CANNOT_MANAGE))


def _clean_events(events: list[str]) -> list[str]:
    if not events:
        raise ValidationError({"events": _(MSG_NO_EVENTS)})
    unknown = [e for e in events if e not in ChatEventType.values]
    if unknown:
        raise ValidationError({"events": _(MSG_UNKNOWN_EVENT).format(event=", ".join(unknown))})
    return sorted(set(events))


@transaction.atomic
def chat_destination_create(
    *, actor: User, team: Team, kind: str, url: str, events: list[str], name: str = ""
) -> ChatDestination:
    """Post ``events`` of the team's initiatives to a Slack or Teams incoming webhook."""
    _check_can_manage(actor, team.pk)
    if kind not in ChatKind.values:
        raise ValidationError({"kind": _(MSG_UNKNOWN_KIND)})
    url = url.strip()
    chat_url_check(url, kind=kind)
    destination = ChatDestination(
        team=team,
        kind=kind,
        url=url,
        events=_clean_events(events),
        name=name.strip() or str(ChatKind(kind).label),
        created_by=actor,
    )
    destination.full_clean()
    destination.save()
    return destination


@transaction.atomic
def chat_destination_update(*, actor: User, destination: ChatDestination, **data) -> ChatDestination:
    """Change name, address, events or switch it on/off; switching on clears the failure count."""
    _check_can_manage(actor, destination.team_id)
    if "events" in data:
        data["events"] = _clean_events(data["events"])
    if "url" in data:
        data["url"] = data["url"].strip()
        chat_url_check(data["url"], kind=destination.kind)
    if data.get("is_active") and not destination.is_active:
        chat_url_check(data.get("url", destination.url), kind=destination.kind)
        data.update(consecutive_failures=0, disabled_at=None, disabled_reason="")
    model_update(
        destination,
        actor=actor,
        data=data,
        allowed=(*UPDATABLE, "consecutive_failures", "disabled_at", "disabled_reason"),
    )
    return destination


@transaction.atomic
def chat_destination_delete(*, actor: User, destination: ChatDestination) -> None:
    """Remove it with its delivery log."""
    _check_can_manage(actor, destination.team_id)
    destination.delete()


@transaction.atomic
def chat_destination_test(*, actor: User, destination: ChatDestination) -> WebhookDelivery:
    """Queue a test message to this destination alone, delivered (and logged) like any other."""
    _check_can_manage(actor, destination.team_id)
    if not destination.is_active:
        raise ValidationError(_(MSG_INACTIVE))
    event = webhook_event_emit(
        type=CHAT_TEST,
        dedupe_key=f"{CHAT_TEST}:{destination.pk}:{uuid.uuid4()}",
        data={
            "team": destination.team.name,
            "team_slug": destination.team.slug,
            "destination": destination.name,
            "actor": actor.email,
        },
        chat_destination_ids=[destination.pk],
    )
    return event.deliveries.get(destination=destination)


# --- chat-only events ----------------------------------------------------------------------------


def gate_overridden_announce(*, transition: StageTransition) -> None:
    """Inside the move's transaction: an executive signed off a failed gate."""
    if not transition.overridden:
        return
    initiative = transition.initiative
    webhook_event_emit(
        type=ChatEventType.GATE_OVERRIDDEN,
        dedupe_key=f"gate.overridden:{transition.pk}",
        data={
            "initiative": initiative_ref(initiative),
            "transition_id": transition.pk,
            "from_stage": transition.from_stage,
            "to_stage": transition.to_stage,
            "override_reason": transition.override_reason,
            "unmet": [c.get("message", "") for c in transition.gate_result if not c.get("passed", True)],
            "actor": transition.actor.email if transition.actor else None,
        },
        team_ids=[initiative.team_id],
    )


def kpi_alert_listener(alert: KpiAlert) -> None:
    """Plugged into ``kpis.alerts`` (in the alert's transaction), next to the people's listener."""
    kpi_alert_announce(alert=alert)


def kpi_alert_announce(*, alert: KpiAlert) -> None:
    """To the teams of active initiatives with a target on the alert's KPI and segment."""
    targets = (
        KpiTarget.objects.active()
        .filter(
            kpi_id=alert.kpi_id,
            segment=alert.segment,
            initiative__archived_at__isnull=True,
            initiative__status=Status.ACTIVE,
        )
        .select_related("initiative")
        .order_by("initiative__code")
    )
    initiatives = {t.initiative.pk: t.initiative for t in targets}
    if not initiatives:
        return
    webhook_event_emit(
        type=ChatEventType.KPI_ALERT,
        dedupe_key=f"kpi.alert:{alert.pk}",
        data={
            "kpi": alert.kpi.code,
            "kpi_name": alert.kpi.name,
            "segment": alert.segment,
            "level": alert.level,
            "rule": alert.rule,
            "detail": alert.detail,
            "value": alert.value,
            "threshold": alert.threshold,
            "period": alert.period.isoformat(),
            "initiatives": [initiative_ref(i) for i in initiatives.values()],
        },
        team_ids=sorted({i.team_id for i in initiatives.values()}),
    )


def chat_digest_post(*, today: dt.date | None = None) -> int:
    """Weekly: each team with a destination listening gets what moved in its active initiatives;
    once a week per team (the event's dedupe key). Returns how many digests were stored."""
    today = today or timezone.localdate()
    year, week, _weekday = today.isocalendar()
    team_ids = {
        d.team_id
        for d in ChatDestination.objects.filter(is_active=True)
        if d.listens_to(ChatEventType.DIGEST)
    }
    posted = 0
    for team in Team.objects.filter(pk__in=team_ids).order_by("pk"):
        ids = list(
            team.initiatives.filter(status=Status.ACTIVE, archived_at__isnull=True)
            .order_by("code")
            .values_list("pk", flat=True)
        )
        # A team channel has many readers: it reads the organisation's default language.
        with translation.override(settings.LANGUAGE_CODE):
            text = digest_text(initiative_ids=ids, today=today)
        if not text:
            continue
        webhook_event_emit(
            type=ChatEventType.DIGEST,
            dedupe_key=f"digest.weekly:{team.pk}:{year}-W{week:02d}",
            data={"team": team.name, "week_ending": today.isoformat(), "text": text},
            team_ids=[team.pk],
        )
        posted += 1
    return posted
