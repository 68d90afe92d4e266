"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright against the live server.

pytest-playwright is not used: the sync API is driven directly. Every page a test opens is watched
for console errors and uncaught exceptions; any of them fails the test.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import DEFAULT_PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "screenshots"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}
TIMEOUT_MS = 15_000
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOT_NAME_LENGTH = 30

# Playwright's sync API runs an event loop in this thread; the live server's database calls made
# from the test itself (factories, assertions) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing (.ci/run installs the chromium apt package)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Session:
    """One signed-in person in their own browser context."""

    def __init__(self, browser, base_url: str, test_name: str, viewport: dict, counter: list[int]):
        self.context = browser.new_context(viewport=viewport, base_url=base_url)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.test_name = test_name.removeprefix("test_")[:SCREENSHOT_NAME_LENGTH]
        self.counter = counter

    def login(self, email: str, password: str = DEFAULT_PASSWORD) -> "Session":
        self.page.goto("/accounts/login/")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        self.page.wait_for_load_state()
        return self

    def go(self, path: str) -> "Session":
        self.page.goto(path)
        self.page.wait_for_load_state()
        return self

    def wait_for_charts(self) -> None:
        # Locator waits, not wait_for_function: the page's CSP forbids the eval the latter needs.
        charts = self.page.locator("[data-chart]")
        for index in range(charts.count()):
            charts.nth(index).locator(".main-svg").first.wait_for(state="attached")

    def accessibility_violations(self, impacts=("serious", "critical")) -> list[str]:
        """axe-core's WCAG 2.x A/AA violations of the open page at the given impacts, one line each."""
        from axe_playwright_python.sync_playwright import Axe

        options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
        self.wait_for_charts()
        results = Axe().run(self.page, options=options)
        return [
            f"{self.page.url} {violation['impact']} {violation['id']}: {violation['help']} -> "
            + "; ".join(
                node["target"][0] if isinstance(node["target"][0], str) else str(node["target"])
                for node in violation["nodes"][:5]
            )
            for violation in results.response["violations"]
            if violation["impact"] in impacts
        ]

    def assert_accessible(self) -> None:
        violations = self.accessibility_violations()
        assert not violations, "axe-core violations:\n" + "\n".join(violations)

    def shot(self, name: str) -> None:
        self.wait_for_charts()
        self.counter[0] += 1
        SCREENSHOTS.mkdir(exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", f"{self.test_name}-{self.counter[0]:02d}-{name}".lower()).strip("-")
        self.page.screenshot(path=SCREENSHOTS / f"{slug}.png", full_page=True)


@pytest.fixture
def browse(request, chromium, live_server):
    """Open a browser session: ``browse(viewport=PHONE)``; console errors fail the test."""
    sessions: list[Session] = []
    counter = [0]

    def open_session(viewport: dict = DESKTOP) -> Session:
        session = Session(chromium, live_server.url, request.node.name, viewport, counter)
        sessions.append(session)
        return session

    yield open_session
    errors = [error for session in sessions for error in session.errors]
    for session in sessions:
        session.context.close()
    if errors:
        pytest.fail("Browser console errors:\n" + "\n".join(errors))
