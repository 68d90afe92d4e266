"""The pure layouts: limits of Block Kit, and escaping checked against the Markdown renderer the
site already uses (markdown-it, CommonMark): an escaped title renders as exactly the text typed."""

from markdown_it import MarkdownIt

from improvement.chat_messages import (
    ChatMessage,
    markdown_escape,
    mrkdwn_escape,
    slack_payload,
    teams_payload,
)
from tests.improvement.chat_shapes import shape_errors

TRICKY = [
    "*bold* _it_ ~del~ `code`",
    "[x](https://evil.test) ![i](y)",
    "# H\n- item\n1. one\n> quote",
    "a\\b <b> & |t|",
]


def message(**kw) -> ChatMessage:
    base = {"title": "T", "summary": "S", "link_url": "https://pdca.example.com/x/", "link_label": "Open"}
    return ChatMessage(**{**base, **kw})


def test_escaped_markdown_renders_as_the_text_typed():
    md = MarkdownIt("commonmark", {"html": False})
    for text in TRICKY:
        for line in text.split("\n"):
            rendered = md.renderInline(markdown_escape(line))
            plain = (
                rendered.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", '"')
                .replace("&amp;", "&")
            )
            assert plain == line, (line, rendered)


def test_slack_control_characters_are_escaped():
    assert mrkdwn_escape("<!channel> & <https://x|y>") == "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"


def test_long_texts_are_cut_to_block_kit_limits_and_still_fit():
    long = message(title="t" * 400, summary="s" * 5000, body="b" * 5000, facts=(("k", "v" * 3000),) * 12)
    payload = slack_payload(long)
    assert shape_errors("slack", payload) == []
    assert payload["blocks"][0]["text"]["text"] == "t" * 149 + "…"
    assert len(payload["blocks"][1]["fields"]) == 10


def test_empty_texts_never_make_an_empty_text_object():
    assert shape_errors("slack", slack_payload(message(facts=(("Note", ""),)))) == []
    assert shape_errors("teams", teams_payload(message(facts=(("Note", ""),)))) == []
