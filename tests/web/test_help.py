"""Help pages: the project's docs served by the site, so pages link to them instead of naming files."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from common import help as site_help
from tests.web.test_experiments import _experiment

pytestmark = pytest.mark.django_db

REPOSITORY_PATH = re.compile(r"docs/[\w-]+\.md")


@pytest.mark.parametrize(
    ("page", "heading"),
    [
        ("statistics", '<h1 id="the-statistics-of-check">The statistics of Check</h1>'),
        ("money", "<h1 id="),
        ("domain", '<h1 id="the-domain-rules">The domain rules</h1>'),
    ],
)
def test_every_help_page_renders_its_document_with_linkable_sections(login, viewer, page, heading):
    response = login(viewer).get(reverse("help", args=[page]))

    html = response.content.decode()
    assert response.status_code == 200
    assert heading in html
    assert "<table" in html or page != "statistics"


def test_the_statistics_page_keeps_formulas_as_written_and_lists_its_sections(login, viewer):
    html = login(viewer).get(reverse("help", args=["statistics"])).content.decode()

    assert '<h2 id="2-treatment-against-control">2. Treatment against control</h2>' in html
    assert '<a href="#2-treatment-against-control">2. Treatment against control</a>' in html
    assert "s² = (Q − S·(S/n)) / (n − 1)" in html
    assert '<pre tabindex="0"><code>' in html


def test_help_needs_a_sign_in_and_knows_only_its_pages(client, login, viewer):
    assert client.get(reverse("help", args=["statistics"])).status_code == 302
    assert login(viewer).get(reverse("help", args=["architecture"])).status_code == 404


def test_markup_in_a_document_reaches_the_page_escaped(login, viewer, tmp_path, monkeypatch):
    (tmp_path / "statistics.md").write_text(
        "# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[link](javascript:alert(1))\n"
    )
    monkeypatch.setattr(site_help, "DOCS_DIR", tmp_path)
    site_help.help_html.cache_clear()
    try:
        html = login(viewer).get(reverse("help", args=["statistics"])).content.decode()
    finally:
        site_help.help_html.cache_clear()

    article = html[html.index('<article class="card help-page">') :]
    assert "<script>alert" not in article and "&lt;script&gt;alert(1)&lt;/script&gt;" in article
    assert "<img" not in article
    assert 'href="javascript:' not in article


def test_the_experiment_page_links_to_the_statistics_help(login, lead, initiative):
    experiment = _experiment(initiative, lead)

    html = login(lead).get(reverse("improvement:experiment_detail", args=[experiment.pk])).content.decode()

    assert f'href="{reverse("help", args=["statistics"])}#2-treatment-against-control"' in html


def test_no_page_or_view_names_a_file_of_the_repository():
    """Pages link to /help/… instead of writing "docs/statistics.md"."""
    root = Path(settings.BASE_DIR)
    apps = ("common", "accounts", "kpis", "improvement", "config")
    sources = [*root.glob("templates/**/*.html"), root / "common" / "web.py"]
    for app in apps:
        sources += [
            *root.glob(f"{app}/views/*.py"),
            *root.glob(f"{app}/views.py"),
            *root.glob(f"{app}/api/**/*.py"),
        ]

    offenders = [
        f"{path.relative_to(root)}: {m}"
        for path in sources
        for m in REPOSITORY_PATH.findall(path.read_text())
    ]

    assert sources and offenders == []
