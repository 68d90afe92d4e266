"""The help pages: the project's written rules (``docs/*.md``) served as pages of the site.

Pages link here ("How these are computed") instead of naming files of the repository. The Markdown
is rendered with markdown-it-py (CommonMark plus tables) with raw HTML switched off, so whatever a
document holds reaches the browser escaped; headings get ids so pages can link to a section.
Formulas are plain text in indented blocks and stay as written.
"""

from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from markdown_it import MarkdownIt

from common.web import site_view

DOCS_DIR = Path(settings.BASE_DIR) / "docs"
# The documents a reader of the site needs; architecture, deployment and performance notes are
# for the people who run and change the code.
HELP_PAGES = {
    "statistics": ("Statistics of experiments and checks", "statistics.md"),
    "money": ("Money: ROI, payback and NPV", "money.md"),
    "domain": ("Rules of initiatives, stages and targets", "domain.md"),
    "exports": ("Exports: CSV, XLSX and PDF", "exports.md"),
    "chat": ("Slack and Microsoft Teams messages", "chat.md"),
    "ideas": ("Ideas, priorities, break-points and conversations", "ideas.md"),
}
# Wide formula blocks and tables scroll inside themselves, so keyboard users must reach them.
SCROLLABLE = {"table_open", "code_block", "fence"}


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).enable("table")


@lru_cache(maxsize=len(HELP_PAGES))
def help_html(slug: str) -> tuple[SafeString, list[dict[str, str]]]:
    """The page's HTML and its table of contents (level-2 headings), rendered once per process."""
    _, filename = HELP_PAGES[slug]
    md = _markdown()
    tokens = md.parse((DOCS_DIR / filename).read_text(encoding="utf-8"))
    contents, seen = [], set()
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            title = tokens[index + 1].content.replace("`", "")
            anchor = slugify(title) or "section"
            while anchor in seen:
                anchor += "-1"
            seen.add(anchor)
            token.attrSet("id", anchor)
            if token.tag == "h2":
                contents.append({"title": title, "anchor": anchor})
        elif token.type in SCROLLABLE:
            token.attrSet("tabindex", "0")
    # html=False: markdown-it escapes every tag in the source, so its output is safe to embed.
    return mark_safe(md.renderer.render(tokens, md.options, {})), contents


@site_view
def help_page(request, page: str):
    if page not in HELP_PAGES:
        raise Http404("No such help page.")
    html, contents = help_html(page)
    title, _ = HELP_PAGES[page]
    pages = [{"slug": slug, "title": name} for slug, (name, _) in HELP_PAGES.items()]
    return render(
        request,
        "common/help.html",
        {"title": title, "html": html, "contents": contents, "pages": pages, "page": page},
    )
