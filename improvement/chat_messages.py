"""Chat messages as Slack Block Kit and Microsoft Teams Adaptive Card payloads. Pure: no Django.

A ``ChatMessage`` says what to post; ``slack_payload`` and ``teams_payload`` lay it out for an
incoming webhook. Text written by people (titles, notes, names) never becomes markup: Slack gets it
in ``plain_text`` objects (header, fields, body, context), and the one ``mrkdwn`` text (the summary
line, and the notification fallback) has ``&``, ``<`` and ``>`` escaped so no ``<!channel>`` or
``<url|label>`` gets through; Teams gets the Markdown its text blocks read backslash-escaped, and
only that: Teams shows an escape it has no need for as typed (a backslash before the dash of ``IMP-12``).
"""

import re
from dataclasses import dataclass

ADAPTIVE_CARD_VERSION = "1.4"
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
# Block Kit limits: header text 150 characters, section text 3,000, a field 2,000, 10 fields,
# button text 75; the fallback ``text`` is cut well below Slack's 40,000.
SLACK_HEADER_CHARS = 150
SLACK_TEXT_CHARS = 3000
SLACK_FIELD_CHARS = 2000
SLACK_FIELDS = 10
SLACK_BUTTON_CHARS = 75
FALLBACK_CHARS = 3000
ELLIPSIS = "…"

# Adaptive Card text blocks read a subset of Markdown: **bold**, _italic_, [links](url), and lists
# ("- item", "1. item") at the start of a line. Anywhere in a line, the characters of emphasis, links
# and code are escaped (and a backslash that would escape the next one); at the start of a line,
# the marker of a list, heading, quote or heading underline. Dots and dashes elsewhere stay as typed.
_MARKDOWN_INLINE = re.compile(r"([`*_\[\]]|\\(?=[!-/:-@\[-`{-~]|$))")
# A line starts after "\n" or "\r" (Teams breaks list lines on either).
_MARKDOWN_LINE_START = re.compile(
    r"(?:^|(?<=[\r\n]))([ \t]*)("
    r"[-+](?=[ \t\r\n]|$)"  # a bullet
    r"|#{1,6}(?=[ \t\r\n]|$)"  # a heading
    r"|>"  # a quote
    r"|[-=]+(?=[ \t]*(?:[\r\n]|$))"  # a heading underline or a rule
    r"|\d{1,9}(?=[.)](?:[ \t\r\n]|$))"  # a numbered item
    r")"
)


@dataclass(frozen=True)
class ChatMessage:
    title: str
    summary: str
    link_url: str
    link_label: str
    facts: tuple[tuple[str, str], ...] = ()
    body: str = ""
    context: str = ""


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters, so ``<!channel>`` or ``<url|label>`` in a title stay text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_escape(text: str) -> str:
    """Adaptive Card text blocks render Markdown: a title's ``*``, ``[x](y)`` or leading ``- `` shows
    as typed, and its dots and dashes carry no backslash."""
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    return _MARKDOWN_LINE_START.sub(_escape_line_start, text)


def _escape_line_start(match: re.Match) -> str:
    indent, marker = match.groups()
    # "12. " is a list item; "12\. " is not (CommonMark escapes the delimiter, not the digits).
    if marker[0].isdigit():
        return f"{indent}{marker}\\"
    return f"{indent}\\{marker}"


def _plain(text: str, limit: int) -> dict:
    # Slack refuses an empty text object.
    return {"type": "plain_text", "text": cut(text, limit) or "—", "emoji": False}


def slack_payload(message: ChatMessage) -> dict:
    """Header, summary section (with the facts as fields), the body, context and a link button."""
    summary = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": cut(mrkdwn_escape(message.summary), SLACK_TEXT_CHARS)},
    }
    if message.facts:
        # Plain text: a value typed by someone (an experiment's name, a reason) is never markup.
        summary["fields"] = [
            _plain(f"{label}\n{value}", SLACK_FIELD_CHARS) for label, value in message.facts[:SLACK_FIELDS]
        ]
    blocks = [{"type": "header", "text": _plain(message.title, SLACK_HEADER_CHARS)}, summary]
    if message.body:
        blocks.append({"type": "section", "text": _plain(message.body, SLACK_TEXT_CHARS)})
    if message.context:
        blocks.append({"type": "context", "elements": [_plain(message.context, SLACK_TEXT_CHARS)]})
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "open",
                    "text": _plain(message.link_label, SLACK_BUTTON_CHARS),
                    "url": message.link_url,
                }
            ],
        }
    )
    fallback = cut(mrkdwn_escape(f"{message.title}: {message.summary}"), FALLBACK_CHARS)
    return {"text": fallback, "blocks": blocks}


def _text_block(text: str, **style) -> dict:
    return {"type": "TextBlock", "text": markdown_escape(text), "wrap": True, **style}


def teams_payload(message: ChatMessage) -> dict:
    """An Adaptive Card 1.4 in the ``message`` envelope Teams' incoming webhooks take."""
    body = [
        _text_block(message.title, size="Medium", weight="Bolder"),
        _text_block(message.summary),
    ]
    if message.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [
                    {"title": markdown_escape(k), "value": markdown_escape(v)} for k, v in message.facts
                ],
            }
        )
    if message.body:
        body.append(_text_block(message.body))
    if message.context:
        body.append(_text_block(message.context, isSubtle=True, size="Small"))
    card = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": ADAPTIVE_CARD_VERSION,
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": message.link_label, "url": message.link_url}],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }
