"""What a chat destination is told about a stored event: the ``ChatMessage`` of each event type,
with absolute links back to the site, laid out for Slack or Teams by ``improvement.chat_messages``.

Rendered at delivery time from the event's stored data, so one event makes a Slack and a Teams
message alike, and a retry posts the same message again.
"""

import json

from django.conf import settings
from django.urls import reverse

from improvement.chat_messages import ChatMessage, slack_payload, teams_payload
from improvement.models import CHAT_TEST, ChatKind, Decision, ExperimentDecision, Stage, WebhookEvent

BRAND = "PDCA Tracker"


def absolute(path: str) -> str:
    return settings.PDCA_SITE_URL.rstrip("/") + path


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value or "—"


def _initiative_link(data: dict) -> tuple[str, str]:
    initiative = data.get("initiative") or {}
    if not initiative.get("id"):
        return absolute(reverse("improvement:initiative_list")), "Open initiatives"
    path = reverse("improvement:initiative_detail", args=[initiative["id"]])
    return absolute(path), f"Open {initiative.get('code', 'initiative')}"


def _initiative_title(data: dict) -> str:
    initiative = data.get("initiative") or {}
    return f"{initiative.get('code', '')} {initiative.get('title', '')}".strip()


def _stage_changed(data: dict) -> ChatMessage:
    url, label = _initiative_link(data)
    if data.get("decision"):
        summary = f"Cycle {data.get('cycle')} ended: {_label(Decision, data['decision'])}."
    else:
        source, target = _label(Stage, data.get("from_stage", "")), _label(Stage, data.get("to_stage", ""))
        summary = f"Moved from {source} to {target} in cycle {data.get('cycle')}."
    gate = "overridden by an executive" if data.get("overridden") else "passed"
    facts = [("Moved by", data.get("actor") or "—"), ("Gate", gate)]
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
        summary=f"A failed gate was signed off by an executive ({move}).",
        facts=(
            ("Signed off by", data.get("actor") or "—"),
            ("Unmet", ", ".join(data.get("unmet", [])) or "—"),
        ),
        body=f"Reason: {data.get('override_reason', '')}",
        link_url=url,
        link_label=label,
    )


def _kpi_alert(data: dict) -> ChatMessage:
    segment = f" [{data['segment']}]" if data.get("segment") else ""
    level = str(data.get("level", "")).capitalize()
    if data.get("rule") == "spc":
        summary = f"Control-chart signal on {data.get('period')}: {data.get('detail', '')}."
    else:
        summary = f"{data.get('value')} on {data.get('period')}, past the threshold {data.get('threshold')}."
    initiatives = ", ".join(i["code"] for i in data.get("initiatives", [])) or "—"
    return ChatMessage(
        title=f"{level} alert: {data.get('kpi_name', data.get('kpi', ''))}{segment}",
        summary=summary,
        facts=(("KPI", data.get("kpi", "")), ("Initiatives targeting it", initiatives)),
        link_url=absolute(reverse("improvement:initiative_list")),
        link_label="Open initiatives",
    )


def _experiment_concluded(data: dict) -> ChatMessage:
    experiment = data.get("experiment") or {}
    lines = []
    for c in data.get("comparisons", []):
        effect = c.get("relative_effect")
        shown = f"{effect:+.1%}" if isinstance(effect, int | float) else "n/a"
        lines.append(f"{c.get('variant')}: {shown}{' (significant)' if c.get('significant') else ''}")
    url = (
        absolute(reverse("improvement:experiment_detail", args=[experiment["id"]]))
        if experiment.get("id")
        else ""
    )
    return ChatMessage(
        title=_initiative_title(data),
        summary=f"Experiment concluded: {_label(ExperimentDecision, data.get('decision', ''))}.",
        facts=(("Experiment", experiment.get("name", "")), ("Decided by", data.get("actor") or "—")),
        body="\n".join(filter(None, [data.get("note", ""), *lines])),
        link_url=url or _initiative_link(data)[0],
        link_label="Open the experiment",
    )


def _digest(data: dict) -> ChatMessage:
    return ChatMessage(
        title=f"Weekly digest: {data.get('team', '')}",
        summary=f"The week ending {data.get('week_ending')} in the team's active initiatives.",
        body=data.get("text", ""),
        link_url=absolute(reverse("improvement:dashboard")),
        link_label="Open the dashboard",
    )


def _test(data: dict) -> ChatMessage:
    return ChatMessage(
        title=f"Test message for {data.get('team', '')}",
        summary="This channel is connected to PDCA Tracker.",
        facts=(("Destination", data.get("destination", "")), ("Sent by", data.get("actor") or "—")),
        link_url=absolute(reverse("improvement:team_settings", args=[data.get("team_slug", "-")])),
        link_label="Open the team's settings",
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
    message = COMPOSERS[event.type](event.data)
    context = f"{BRAND} · {event.created_at:%d %b %Y %H:%M} UTC"
    return ChatMessage(**{**message.__dict__, "context": context})


def chat_payload(*, kind: str, event: WebhookEvent) -> dict:
    message = chat_message_for(event)
    return slack_payload(message) if kind == ChatKind.SLACK else teams_payload(message)


def chat_body(*, kind: str, event: WebhookEvent) -> bytes:
    return json.dumps(chat_payload(kind=kind, event=event), separators=(",", ":")).encode()
