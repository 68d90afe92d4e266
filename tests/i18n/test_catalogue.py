"""The translations are complete and current (docs/i18n.md).

(a) every template's visible text is marked for translation; (b) the Simplified Chinese catalogue has
no untranslated or fuzzy entry and keeps every placeholder; (c) it holds every message the sources
mark (makemessages on a copy of the tree); (d) the compiled ``.mo`` says what the ``.po`` says.
"""

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import DebugLexer, TokenType

BASE = Path(settings.BASE_DIR)
TEMPLATES = BASE / "templates"
PO = BASE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")

# Templates still being marked on other branches: the lead empties this list once they are merged.
NOT_YET_MARKED: tuple[str, ...] = ()

# Brand names, abbreviations and units that read the same in every language.
ALLOWED_WORDS = frozenset(
    """
    PDCA Tracker KPI KPIs CSV XLSX PDF API ROI NPS CSAT CES IRR NPV JSON SCIM SSO SAML OIDC TOTP A3 ID
    URL UTC EUR USD GBP REST QR IANA Slack Microsoft Teams Webhook Webhooks Power BI iCalendar ICS
    s min h ms p N
    """.split()  # noqa: SIM905 -- a list of words reads better as text
)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Attributes people read (or hear): checked like text.
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "label"}
# Machine text: code samples, the contents of scripts and styles.
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp"}
# Tags whose content is a translation (or no text at all).
SKIPPED_BLOCKS = {
    "blocktranslate": "endblocktranslate",
    "blocktrans": "endblocktrans",
    "comment": "endcomment",
    "verbatim": "endverbatim",
}


def unmarked_words(text: str) -> list[str]:
    return [word for word in WORD.findall(text) if word not in ALLOWED_WORDS]


def neutral_source(source: str) -> str:
    """The template with every tag and variable a space, translated blocks and comments dropped; each
    line stays on its line, so the HTML parser's line numbers are the template's."""
    out: list[str] = []
    closing = None
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        raw = source[start:end]
        if closing is not None:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            out.append("\n" * raw.count("\n"))
            continue
        if token.token_type == TokenType.TEXT:
            out.append(raw)
            continue
        if token.token_type == TokenType.BLOCK:
            closing = SKIPPED_BLOCKS.get(token.contents.split()[0])
        out.append(" " + "\n" * raw.count("\n"))
    return "".join(out)


class TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self.skipping.append(tag)
        values = dict(attrs)
        checked = set(READ_ATTRIBUTES)
        # A <button>'s value is posted, not shown (its content is); an input button shows its value.
        if tag == "input" and values.get("type") in ("submit", "button", "reset"):
            checked.add("value")
        for name, value in attrs:
            if name in checked and value and unmarked_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value.strip()}"'))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in SKIPPED_ELEMENTS:
            self.skipping.pop()

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()

    def handle_data(self, data):
        if not self.skipping and unmarked_words(data):
            leading = data[: len(data) - len(data.lstrip())]
            self.found.append((self.getpos()[0] + leading.count("\n"), " ".join(data.split())))


def unmarked_text(path: Path) -> list[str]:
    finder = TextFinder()
    finder.feed(neutral_source(path.read_text(encoding="utf-8")))
    finder.close()
    name = path.relative_to(TEMPLATES)
    return [f"templates/{name}:{line}: {text}" for line, text in finder.found]


def template_paths() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in (".html", ".txt"))


def test_the_scanner_finds_text_and_attributes_that_are_not_marked(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Fine" %}</h1>\n<p>Not marked {{ x }}</p>\n'
        '<img alt="A chart" src="x.png"><button value="go">{% translate "Go" %}</button>'
        '<input type="submit" value="Send">\n'
        "{% blocktranslate %}Also fine {{ x }}{% endblocktranslate %}<code>raw_code</code> PDCA · KPI\n"
        "{% comment %}A note{% endcomment %}<script>let a = 1;</script>"
    )
    finder = TextFinder()
    finder.feed(neutral_source(page.read_text()))
    assert finder.found == [(2, "Not marked"), (3, 'alt="A chart"'), (3, 'value="Send"')]


def test_every_template_marks_its_visible_text_for_translation():
    problems = []
    for path in template_paths():
        if str(path.relative_to(TEMPLATES)).startswith(NOT_YET_MARKED):
            continue
        problems += unmarked_text(path)
    assert not problems, "Text not marked for translation:\n" + "\n".join(problems)


def _catalogue():
    polib = pytest.importorskip("polib")
    if not PO.exists():
        pytest.skip(f"{PO.relative_to(BASE)} does not exist (makemessages, compilemessages: docs/i18n.md)")
    return polib, polib.pofile(str(PO))


PLACEHOLDER = re.compile(r"%\((\w+)\)[sdfr]|\{(\w*)\}")


def _placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def test_the_chinese_catalogue_is_complete_and_keeps_every_placeholder():
    _, po = _catalogue()
    assert "nplurals=1; plural=0;" in po.metadata.get("Plural-Forms", "")
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    assert not untranslated, "Untranslated:\n" + "\n".join(untranslated)
    fuzzy = [e.msgid for e in po.fuzzy_entries() if not e.obsolete]
    assert not fuzzy, "Fuzzy:\n" + "\n".join(fuzzy)
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        wanted = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural or "")
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if _placeholders(text) != wanted:
                problems.append(f"{entry.msgid!r}: {sorted(wanted)} became {sorted(_placeholders(text))}")
        if re.search(r"%\(\w+\)[sdfr]", entry.msgid) and "python-format" not in entry.flags:
            problems.append(f"{entry.msgid!r}: no python-format flag")
    assert not problems, "Placeholders:\n" + "\n".join(problems)


# What makemessages reads: the apps and the templates (tests, docs and benchmarks are not translated).
SOURCES = ("accounts", "common", "config", "improvement", "kpis", "templates")


def test_the_chinese_catalogue_holds_every_marked_message(tmp_path):
    polib, po = _catalogue()
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext is missing (Debian's gettext package): makemessages cannot run")
    for name in SOURCES:
        shutil.copytree(BASE / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(BASE / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete", "--verbosity", "0"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=300,
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    committed = {(e.msgctxt, e.msgid) for e in po if not e.obsolete}
    missing = [
        f"{e.msgid!r}" + (f" (context {e.msgctxt!r})" if e.msgctxt else "")
        for e in fresh
        if (e.msgctxt, e.msgid) not in committed
    ]
    assert not missing, (
        "Marked in the sources but not in locale/zh_Hans/LC_MESSAGES/django.po (run makemessages, "
        "translate, compilemessages):\n" + "\n".join(missing)
    )


def test_the_compiled_catalogue_says_what_the_po_says():
    polib, po = _catalogue()
    assert MO.exists(), "Compile the catalogue: manage.py compilemessages -l zh_Hans"
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, dict(e.msgstr_plural)) for e in polib.mofile(str(MO))}
    expected = {
        (e.msgctxt, e.msgid): (e.msgstr, {int(k): v for k, v in e.msgstr_plural.items()})
        for e in po.translated_entries()
        if not e.obsolete
    }
    stale = sorted(
        str(key[1]) for key, value in expected.items() if _normal(compiled.get(key)) != _normal(value)
    )
    assert not stale, "The .mo is older than the .po (run compilemessages) for:\n" + "\n".join(stale)


def _normal(value):
    if value is None:
        return None
    text, plural = value
    return text, {int(k): v for k, v in plural.items()}
