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
    "# H\n- item\n1. one\n> quote\n+ plus\n2) two\n===",
    "a\\b <b> & |t| \\* \\",
    "IMP-12 v2.0 - go-live. snake_case_name **x**",
]


def message(**kw) -> ChatMessage:
    base = {"title": "T", "summary": "S", "link_url": "https://pdca.example.com/x/", "link_label": "Open"}
    return ChatMessage(**{**base, **kw})


def test_escaped_markdown_renders_as_the_text_typed():
    md = MarkdownIt("commonmark", {"html": False})
    for text in TRICKY:
        # Rendered as a whole, so line-start markers (lists, headings, quotes) are checked too.
        rendered = md.render(markdown_escape(text))
        plain = (
            rendered.removeprefix("<p>")
            .removesuffix("</p>\n")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", '"')
            .replace("&amp;", "&")
        )
        assert plain == text, (text, rendered)


def test_teams_cards_escape_only_the_markdown_teams_reads():
    card = teams_payload(
        message(
            title="IMP-12 v2.0 - go-live. *now* _soon_ [win](https://x.test) `x`",
            summary="- first\r2. second\nok-ish.",
            facts=(("Lead", "Anne-Marie O. *Smith*"),),
            link_label="Open IMP-12 [win]",
        )
    )["attachments"][0]["content"]

    title, summary, facts = card["body"]
    assert title["text"] == "IMP-12 v2.0 - go-live. \\*now\\* \\_soon\\_ \\[win\\](https://x.test) \\`x\\`"
    assert summary["text"] == "\\- first\r2\\. second\nok-ish."
    assert facts["facts"] == [{"title": "Lead", "value": "Anne-Marie O. \\*Smith\\*"}]
    # A button's title is plain text, not Markdown.
    assert card["actions"][0]["title"] == "Open IMP-12 [win]"


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
