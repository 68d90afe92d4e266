"""What a chat app accepts, as JSON schemas of the parts the site sends: Slack Block Kit
(https://api.slack.com/reference/block-kit) and a Teams incoming-webhook Adaptive Card 1.4
(https://adaptivecards.io/explorer/), with their length limits. The test receiver checks every
message against them and answers 400, as Slack does, when one does not fit."""

import jsonschema


def _text(kind: str | list[str], max_length: int) -> dict:
    kinds = [kind] if isinstance(kind, str) else kind
    return {
        "type": "object",
        "required": ["type", "text"],
        "properties": {
            "type": {"enum": kinds},
            "text": {"type": "string", "minLength": 1, "maxLength": max_length},
            "emoji": {"type": "boolean"},
        },
        "additionalProperties": False,
    }


ANY_TEXT = ["plain_text", "mrkdwn"]
HTTP_URL = {"type": "string", "pattern": "^https?://[^/]+/", "maxLength": 3000}


def _block(type_: str, properties: dict, required: list[str]) -> dict:
    return {
        "type": "object",
        "required": ["type", *required],
        "properties": {"type": {"const": type_}, **properties},
        "additionalProperties": False,
    }


SLACK_MESSAGE = {
    "type": "object",
    "required": ["text", "blocks"],
    "properties": {
        "text": {"type": "string", "minLength": 1},
        "blocks": {
            "type": "array",
            "minItems": 1,
            "maxItems": 50,
            "items": {
                "oneOf": [
                    _block("header", {"text": _text("plain_text", 150)}, ["text"]),
                    _block(
                        "section",
                        {
                            "text": _text(ANY_TEXT, 3000),
                            "fields": {"type": "array", "maxItems": 10, "items": _text(ANY_TEXT, 2000)},
                        },
                        ["text"],
                    ),
                    _block(
                        "context",
                        {
                            "elements": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 10,
                                "items": _text(ANY_TEXT, 3000),
                            }
                        },
                        ["elements"],
                    ),
                    _block(
                        "actions",
                        {
                            "elements": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 25,
                                "items": _block(
                                    "button",
                                    {
                                        "text": _text("plain_text", 75),
                                        "url": HTTP_URL,
                                        "action_id": {"type": "string", "maxLength": 255},
                                    },
                                    ["text"],
                                ),
                            }
                        },
                        ["elements"],
                    ),
                ]
            },
        },
    },
}

_TEXT_BLOCK = {
    "type": "object",
    "required": ["type", "text"],
    "properties": {"type": {"const": "TextBlock"}, "text": {"type": "string", "minLength": 1}},
}
_FACT_SET = {
    "type": "object",
    "required": ["type", "facts"],
    "properties": {
        "type": {"const": "FactSet"},
        "facts": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["title", "value"],
                "properties": {"title": {"type": "string"}, "value": {"type": "string"}},
            },
        },
    },
}
TEAMS_MESSAGE = {
    "type": "object",
    "required": ["type", "attachments"],
    "properties": {
        "type": {"const": "message"},
        "attachments": {
            "type": "array",
            "minItems": 1,
            "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["contentType", "content"],
                "properties": {
                    "contentType": {"const": "application/vnd.microsoft.card.adaptive"},
                    "content": {
                        "type": "object",
                        "required": ["type", "version", "body"],
                        "properties": {
                            "$schema": {"const": "http://adaptivecards.io/schemas/adaptive-card.json"},
                            "type": {"const": "AdaptiveCard"},
                            "version": {"const": "1.4"},
                            "body": {
                                "type": "array",
                                "minItems": 1,
                                "items": {"oneOf": [_TEXT_BLOCK, _FACT_SET]},
                            },
                            "actions": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["type", "title", "url"],
                                    "properties": {
                                        "type": {"const": "Action.OpenUrl"},
                                        "title": {"type": "string", "minLength": 1},
                                        "url": HTTP_URL,
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

SCHEMAS = {"slack": SLACK_MESSAGE, "teams": TEAMS_MESSAGE}


def shape_errors(kind: str, payload) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMAS[kind])
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(payload)]
