"""What a chat destination is told about a stored event: the ``ChatMessage`` of each event type,
with absolute links back to the site, laid out for Slack or Teams by ``improvement.chat_messages``.

Rendered at delivery time from the event's stored data, so one event makes a Slack and a Teams
message alike, and a retry posts the same message again.
"""

import json

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from improvement.chat_messages import ChatMessage, slack_payload, teams_payload
from improvement.models import CHAT_TEST, ChatKind, Decision, ExperimentDecision, Stage, WebhookEvent
from kpis.alerts import alert_detail_display
from kpis.catalogue import display_name
from kpis.models import AlertLevel

BRAND = "PDCA Tracker"


def absolute(path: str) -> str:
    return settings.PDCA_SITE_URL.rstrip("/") + path


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def _initiative_link(data: dict) -> tuple[str, str]:
    initiative = data.get("initiative") or {}
    if not initiative.get("id"):
        return absolute(reverse("improvement:initiative_list")), _("Open initiatives")
    path = reverse("improvement:initiative_detail", args=[initiative["id"]])
    if not initiative.get("code"):
        return absolute(path), _("Open initiative")
    return absolute(path), _("Open {code}").format(code=initiative["code"])


def _initiative_title(data: dict) -> str:
    initiative = data.get("initiative") or {}
    return f"{initiative.get('code', '')} {initiative.get('title', '')}".strip()


def _stage_changed(data: dict) -> ChatMessage:
    url, label = _initiative_link(data)
    if data.get("decision"):
        summary = _("Cycle {cycle} ended: {decision}.").format(
            cycle=data.get("cycle"), decision=_label(Decision, data["decision"])
        )
    else:
        source, target = _label(Stage, data.get("from_stage", "")), _label(Stage, data.get("to_stage", ""))
        summary = _("Moved from {source} to {target} in cycle {cycle}.").format(
            source=source, target=target, cycle=data.get("cycle")
        )
    gate = _("overridden by an executive") if data.get("overridden") else _("passed")
    facts = [(_("Moved by"), data.get("actor") or "—"), (_("Gate"), gate)]
    return ChatMessage(
        title=_initiative_title(data),
        summary=summary,
        facts=tuple(facts),
        body=data.get("note", ""),
        link_url=url,
        link_label=label,
    )


def _gate_overridden(data: dict) -> ChatMessage:
    url, label = _initiative_link(data)
    move = f"{_label(Stage, data.get('from_stage', ''))} → {_label(Stage, data.get('to_stage', ''))}"
    return ChatMessage(
        title=_initiative_title(data),
        summary=_("A failed gate was signed off by an executive ({move}).").format(move=move),
        facts=(
            (_("Signed off by"), data.get("actor") or "—"),
            (_("Unmet"), ", ".join(data.get("unmet", [])) or "—"),
        ),
        body=_("Reason: {reason}").format(reason=data.get("override_reason", "")),
        link_url=url,
        link_label=label,
    )


def _kpi_alert(data: dict) -> ChatMessage:
    segment = f" [{data['segment']}]" if data.get("segment") else ""
    level = _label(AlertLevel, data.get("level", "")) if data.get("level") else ""
    level = level.capitalize() if level == data.get("level") else level
    if data.get("rule") == "spc":
        summary = _("Control-chart signal on {period}: {detail}.").format(
            period=data.get("period"), detail=alert_detail_display(data.get("detail", ""))
        )
    else:
        summary = _("{value} on {period}, past the threshold {threshold}.").format(
            value=data.get("value"), period=data.get("period"), threshold=data.get("threshold")
        )
    initiatives = ", ".join(i["code"] for i in data.get("initiatives", [])) or "—"
    kpi = display_name(data["kpi_name"]) if "kpi_name" in data else data.get("kpi", "")
    return ChatMessage(
        title=_("{level} alert: {kpi}{segment}").format(level=level, kpi=kpi, segment=segment),
        summary=summary,
        facts=((_("KPI"), data.get("kpi", "")), (_("Initiatives targeting it"), initiatives)),
        link_url=absolute(reverse("improvement:initiative_list")),
        link_label=_("Open initiatives"),
    )


def _experiment_concluded(data: dict) -> ChatMessage:
    experiment = data.get("experiment") or {}
    lines = []
    for c in data.get("comparisons", []):
        effect = c.get("relative_effect")
        shown = f"{effect:+.1%}" if isinstance(effect, int | float) else _("n/a")
        line = _("{variant}: {effect} (significant)") if c.get("significant") else "{variant}: {effect}"
        lines.append(line.format(variant=c.get("variant"), effect=shown))
    url = (
        absolute(reverse("improvement:experiment_detail", args=[experiment["id"]]))
        if experiment.get("id")
        else ""
    )
    return ChatMessage(
        title=_initiative_title(data),
        summary=_("Experiment concluded: {decision}.").format(
            decision=_label(ExperimentDecision, data.get("decision", ""))
        ),
        facts=(
            (_("Experiment"), experiment.get("name", "")),
            (_("Decided by"), data.get("actor") or "—"),
        ),
        body="\n".join(filter(None, [data.get("note", ""), *lines])),
        link_url=url or _initiative_link(data)[0],
        link_label=_("Open the experiment"),
    )


def _digest(data: dict) -> ChatMessage:
    return ChatMessage(
        title=_("Weekly digest: {team}").format(team=data.get("team", "")),
        summary=_("The week ending {date} in the team's active initiatives.").format(
            date=data.get("week_ending")
        ),
        body=data.get("text", ""),
        link_url=absolute(reverse("improvement:dashboard")),
        link_label=_("Open the dashboard"),
    )


def _test(data: dict) -> ChatMessage:
    return ChatMessage(
        title=_("Test message for {team}").format(team=data.get("team", "")),
        summary=_("This channel is connected to PDCA Tracker."),
        facts=((_("Destination"), data.get("destination", "")), (_("Sent by"), data.get("actor") or "—")),
        link_url=absolute(reverse("improvement:team_settings", args=[data.get("team_slug", "-")])),
        link_label=_("Open the team's settings"),
    )


COMPOSERS = {
    "stage.changed": _stage_changed,
    "gate.overridden": _gate_overridden,
    "kpi.alert": _kpi_alert,
    "experiment.concluded": _experiment_concluded,
    "digest.weekly": _digest,
    CHAT_TEST: _test,
}


def chat_message_for(event: WebhookEvent) -> ChatMessage:
    # A team channel has many readers, whatever language each reads the site in: it gets the
    # organisation's default language.
    with translation.override(settings.LANGUAGE_CODE):
        message = COMPOSERS[event.type](event.data)
    context = f"{BRAND} · {event.created_at:%d %b %Y %H:%M} UTC"
    return ChatMessage(**{**message.__dict__, "context": context})


def chat_payload(*, kind: str, event: WebhookEvent) -> dict:
    message = chat_message_for(event)
    return slack_payload(message) if kind == ChatKind.SLACK else teams_payload(message)


def chat_body(*, kind: str, event: WebhookEvent) -> bytes:
    return json.dumps(chat_payload(kind=kind, event=event), separators=(",", ":")).encode()


# --- sign-offs (improvement/services/signoffs.py) ---------------------------------------------------


def _sign_off_move(data: dict) -> str:
    return f"{_label(Stage, data.get('from_stage', ''))} → {_label(Stage, data.get('to_stage', ''))}"


def _sign_off_requested(data: dict) -> ChatMessage:
    url, label = _initiative_link(data)
    return ChatMessage(
        title=_initiative_title(data),
        summary=_("Review requested for the move %(move)s.") % {"move": _sign_off_move(data)},
        facts=(
            (_("Requested by"), data.get("requested_by") or "—"),
            (_("Reviewer"), data.get("reviewers") or "—"),
        ),
        body=data.get("note", ""),
        link_url=absolute(reverse("improvement:reviews")) if data.get("request_id") else url,
        link_label=_("Open the reviews") if data.get("request_id") else label,
    )


def _sign_off_decided(data: dict) -> ChatMessage:
    url, label = _initiative_link(data)
    if data.get("status") == "approved":
        summary = _("The move %(move)s is approved.") % {"move": _sign_off_move(data)}
    else:
        summary = _("The move %(move)s was sent back.") % {"move": _sign_off_move(data)}
    return ChatMessage(
        title=_initiative_title(data),
        summary=summary,
        facts=(
            (_("Decided by"), data.get("decided_by") or "—"),
            (_("Requested by"), data.get("requested_by") or "—"),
        ),
        body=data.get("comment", ""),
        link_url=url,
        link_label=label,
    )


COMPOSERS["sign_off.requested"] = _sign_off_requested
COMPOSERS["sign_off.decided"] = _sign_off_decided
