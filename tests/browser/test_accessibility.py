"""Every page of the site, for every role, at 1440 px and 390 px: axe-core finds no serious or
critical WCAG 2.2 A/AA violation.

The pages are not listed by hand: each role's crawl starts at its home page and follows the links the
site offers it (one page per route), and the crawl must reach every route of the URLconf that
renders a page, so a new page is checked as soon as it is linked. The demo portfolio is the data: it
has initiatives in every stage with charts, experiments, milestones, money and notifications.
"""

from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, Resolver404, get_resolver, resolve

from accounts.models import Role
from improvement.management.demo_cases import DEMO_PASSWORD, DEMO_USERS
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not pages of this site's own templates: the Django admin, the API and static files.
OUTSIDE_PREFIXES = ("/admin/", "/api/", "/static/")
# Routes that answer no page: form posts, downloads, feeds and probes. Every other named route of the
# URLconf must be reached by the crawl (see the last assertion).
NOT_PAGES = frozenset(
    {
        "logout",
        "healthz",
        "readyz",
        "api_token_revoke",
        "notifications:read",
        "notifications:mute",
        "improvement:dashboard_csv",
        "improvement:calendar_feed",
        "improvement:calendar_rotate",
        "improvement:status_post",
        "improvement:initiative_decide",
        "improvement:target_evaluate",
        "improvement:apply_plan",
        "improvement:milestone_complete",
        "improvement:benefit_validate",
        "improvement:experiment_start",
        "improvement:experiment_stop",
        "improvement:experiment_conclude",
    }
)
# Reached only after a form is sent, not by a link.
AFTER_A_FORM = frozenset({"password_change_done"})
MISSING_PATH = "/no-such-page/"
FORBIDDEN_FOR_VIEWER = "/initiatives/new/"
LINKS = "els => els.map(e => e.getAttribute('href'))"


def _named_routes(patterns=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith(("admin/", "api/")):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def _route(path: str) -> str | None:
    try:
        return resolve(path).view_name
    except Resolver404:
        return None


class Crawl:
    """One signed-in role in one browser context: every page it can reach, checked at both widths."""

    def __init__(self, session, role: str):
        self.session = session
        self.role = role
        self.seen: dict[str, str] = {}
        self.checked: set[str] = set()
        self.problems: list[str] = []

    def check(self, path: str, *, expect_status: int = 200) -> list[str]:
        page = self.session.page
        page.set_viewport_size(DESKTOP)
        response = page.goto(path)
        page.wait_for_load_state()
        status = response.status if response else None
        if status != expect_status:
            self.problems.append(f"[{self.role}] {path} answered {status}, not {expect_status}")
        if expect_status != 200:
            # The browser logs the error status of the page itself; it is the point of this visit.
            self.session.errors[:] = [e for e in self.session.errors if f"status of {expect_status}" not in e]
        landed = urlsplit(page.url).path
        if landed in self.checked and expect_status == 200:
            return []
        self.checked.add(landed)
        for width, viewport in (("1440px", DESKTOP), ("390px", PHONE)):
            page.set_viewport_size(viewport)
            self.problems += [f"[{self.role} {width}] {line}" for line in self.session.accessibility_violations()]
        hrefs = page.locator("a[href]").evaluate_all(LINKS)
        return [urljoin(page.url, href) for href in hrefs]

    def run(self, start: str = "/") -> None:
        queue = [start]
        self.seen[_route(start)] = start
        while queue:
            path = queue.pop(0)
            for url in self.check(path):
                parts = urlsplit(url)
                if parts.netloc != urlsplit(self.session.page.url).netloc or parts.path.startswith(OUTSIDE_PREFIXES):
                    continue
                name = _route(parts.path)
                if name is None or name in NOT_PAGES or name in self.seen:
                    continue
                self.seen[name] = parts.path
                queue.append(parts.path)


def test_every_page_for_every_role_passes_axe_at_both_widths(browse):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - the demo's own report is not wanted
    people = {}
    for user in DEMO_USERS:
        people.setdefault(user.role, user.email)
    assert set(people) == set(Role)

    problems: list[str] = []
    reached: set[str] = set()
    for role, email in people.items():
        session = browse().login(email, DEMO_PASSWORD)
        crawl = Crawl(session, role)
        crawl.run()
        crawl.check(MISSING_PATH, expect_status=404)
        if role == Role.VIEWER:
            crawl.check(FORBIDDEN_FOR_VIEWER, expect_status=403)
        problems += crawl.problems
        reached |= set(crawl.seen)

    anonymous = Crawl(browse(), "anonymous")
    anonymous.check("/accounts/login/")
    problems += anonymous.problems
    reached.add("login")

    assert not problems, "\n".join(problems)
    unreached = _named_routes() - NOT_PAGES - AFTER_A_FORM - reached
    assert not unreached, f"pages no role's crawl reached: {sorted(unreached)}"
