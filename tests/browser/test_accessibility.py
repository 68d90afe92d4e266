"""Every page of the site, for every role at 1440 px and for every route at 390 px as well: axe-core
finds no serious or critical WCAG 2.2 A/AA violation.

The pages are not listed by hand: each role's crawl starts at its home page and follows the links the
site offers it (one page per route), and the crawl must reach every route of the URLconf that
renders a page, so a new page is checked as soon as it is linked. The demo portfolio is the data: it
has initiatives in every stage with charts, experiments, milestones, money and notifications.
"""

import datetime as dt
import io
import re
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from playwright.sync_api import expect

from accounts.models import Role, User
from improvement.management.demo_people import DEMO_PASSWORD, DEMO_USERS
from improvement.models import Experiment, Initiative, Stage, Status
from improvement.services.experiments import experiment_create
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import InitiativeFactory, KpiFactory, KpiTargetFactory, MeasurementFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Not pages of this site's own templates: the Django admin, the API and static files.
OUTSIDE_PREFIXES = ("/admin/", "/api/", "/static/")
# Routes that answer no page: form posts, downloads, feeds and probes. Every other named route of the
# URLconf must be reached by the crawl (see the last assertion).
NOT_PAGES = frozenset(
    {
        "logout",
        # The signed-out visitor's language switch: a form post that sets a cookie and redirects.
        "set_language",
        "healthz",
        "readyz",
        "api_token_revoke",
        "notifications:read",
        "notifications:mute",
        "improvement:dashboard_csv",
        "improvement:dashboard_xlsx",
        "improvement:initiative_money_xlsx",
        "improvement:initiative_measurements_xlsx",
        "improvement:initiative_a3",
        "improvement:pack_start",
        "improvement:pack_download",
        "improvement:calendar_feed",
        "improvement:calendar_rotate",
        "improvement:status_post",
        "improvement:initiative_decide",
        "improvement:target_evaluate",
        "improvement:apply_plan",
        "improvement:milestone_complete",
        "improvement:milestone_reopen",
        "metrics",
        "improvement:benefit_validate",
        "improvement:experiment_start",
        "improvement:experiment_stop",
        "improvement:experiment_conclude",
        "improvement:experiment_data",
        "improvement:experiment_upload",
        "improvement:experiment_guardrail",
        "improvement:experiment_guardrail_data",
        "improvement:experiment_cluster_upload",
        "improvement:experiment_randomisation",
        "improvement:experiment_segments",
        "improvement:experiment_site_values_upload",
        "improvement:share_initiative",
        "improvement:share_experiment",
        "improvement:share_revoke",
        "improvement:chat_destination_test",
        "improvement:chat_destination_enable",
        "improvement:chat_destination_remove",
        "improvement:kpi_phase_break_add",
        "improvement:kpi_survey_upload",
        "improvement:share_a3",
        "improvement:import_run",
        "improvement:import_status",
        "improvement:import_template",
        "improvement:sign_off_request",
        "improvement:sign_off_approve",
        "improvement:sign_off_send_back",
        "improvement:sign_off_withdraw",
        "improvement:comment_post",
        "improvement:comment_archive",
        "improvement:attachment_download",
        "improvement:attachment_archive",
        # An idea's decisions and submission, and starting a draft from a KPI alert: POST actions.
        "improvement:idea_submit",
        "improvement:idea_accept",
        "improvement:idea_decline",
        "improvement:idea_merge",
        "improvement:kpi_alert_start_improvement",
        # Single sign-on: redirects to the identity provider, its answers and SAML metadata (tests/sso).
        "sso_login",
        "sso_callback",
        "sso_logout",
        "saml2_login",
        "saml2_acs",
        "saml2_logout",
        "saml2_ls",
        "saml2_ls_post",
        "saml2_metadata",
    }
)
# Reached only after a form is sent, not by a link.
# The public share page opens at the address shown once after "Create link" (tests/web/test_share_links.py).
# A pack's page opens after "Build a pack now" (tests/web/test_reports.py); an import's page after
# its file is uploaded (tests/browser/test_imports.py).
AFTER_A_FORM = frozenset(
    {
        "password_change_done",
        "login_code",
        "improvement:share",
        "improvement:pack_detail",
        "improvement:import_detail",
        # A comment's Edit page: offered to its author only (tests/browser/test_conversation.py checks it).
        "improvement:comment_edit",
    }
)
# Password reset pages reached from an email or after its form; checked signed out below.
RESET_PAGES = {
    "password_reset_done": "/accounts/password/reset/sent/",
    "password_reset_confirm": "/accounts/password/reset/MQ/not-a-valid-token/",
    "password_reset_complete": "/accounts/password/reset/complete/",
}
MISSING_PATH = "/no-such-page/"
FORBIDDEN_FOR_VIEWER = "/initiatives/new/"
LINKS = "els => els.map(e => e.getAttribute('href'))"


def _named_routes(patterns=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith(("admin/", "api/", "scim/")):
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

    def __init__(self, session, role: str, phone_routes: set[str]):
        self.session = session
        self.role = role
        self.phone_routes = phone_routes
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
        widths = [("1440px", DESKTOP)]
        route = _route(landed) or landed
        if route not in self.phone_routes:
            # Every route at phone width once, by the first role that reaches it: the layout does not
            # change with the role, and a second width for each role would double the run time.
            self.phone_routes.add(route)
            widths.append(("390px", PHONE))
        for width, viewport in widths:
            page.set_viewport_size(viewport)
            found = self.session.accessibility_violations()
            self.problems += [f"[{self.role} {width}] {line}" for line in found]
        hrefs = page.locator("a[href]").evaluate_all(LINKS)
        return [urljoin(page.url, href) for href in hrefs]

    def run(self, start: str = "/") -> None:
        queue = [start]
        self.seen[_route(start)] = start
        while queue:
            path = queue.pop(0)
            for url in self.check(path):
                parts = urlsplit(url)
                outside = parts.netloc != urlsplit(self.session.page.url).netloc
                if outside or parts.path.startswith(OUTSIDE_PREFIXES):
                    continue
                name = _route(parts.path)
                if name is None or name in NOT_PAGES or name in self.seen:
                    continue
                self.seen[name] = parts.path
                queue.append(parts.path)


def _draft_experiment(lead_email: str) -> Experiment:
    """The demo's experiments have all started; a draft one has its own design page."""
    lead = User.objects.get(email=lead_email)
    initiative = Initiative.objects.filter(lead=lead, status=Status.ACTIVE).exclude(stage=Stage.ACT).first()
    experiment = initiative.experiments.first() or Experiment.objects.first()
    return experiment_create(
        actor=lead,
        initiative=initiative,
        name="Shorter web form",
        primary_kpi=experiment.primary_kpi,
        variants=[
            {"key": "A", "name": "Current form", "weight": 1, "is_control": True},
            {"key": "B", "name": "Three fields", "weight": 1, "is_control": False},
        ],
    )


def test_every_page_for_every_role_passes_axe(browse, kpi_catalogue):
    call_command("load_demo", stdout=io.StringIO())
    people = {}
    for user in DEMO_USERS:
        people.setdefault(user.role, user.email)
    assert set(people) == set(Role)
    draft = _draft_experiment(people[Role.LEAD])

    problems: list[str] = []
    reached: set[str] = set()
    phone_routes: set[str] = set()
    for role, email in people.items():
        crawl = Crawl(browse().login(email, DEMO_PASSWORD), role, phone_routes)
        crawl.run()
        crawl.check(MISSING_PATH, expect_status=404)
        if role == Role.VIEWER:
            crawl.check(FORBIDDEN_FOR_VIEWER, expect_status=403)
        if role == Role.LEAD:
            for path in (f"/experiments/{draft.pk}/", f"/experiments/{draft.pk}/edit/"):
                crawl.check(path)
                reached.add(_route(path))
        problems += crawl.problems
        reached |= set(crawl.seen)

    anonymous = Crawl(browse(), "anonymous", phone_routes)
    anonymous.run("/accounts/login/")  # and the password reset page it links to
    for path in RESET_PAGES.values():
        anonymous.check(path)
    problems += anonymous.problems
    reached |= set(anonymous.seen) | set(RESET_PAGES)

    assert not problems, "\n".join(problems)
    unreached = _named_routes() - NOT_PAGES - AFTER_A_FORM - reached
    assert not unreached, f"pages no role's crawl reached: {sorted(unreached)}"


@pytest.fixture
def falling_kpi(lead):
    """An initiative whose KPI (higher is better) fell far below its baseline: −283 % of the way."""
    initiative = InitiativeFactory(team=lead.teams.first(), lead=lead, title="Callback promise kept")
    kpi = KpiFactory(code="fcr_a11y", name="First-contact resolution", unit="percent", direction="higher")
    target = KpiTargetFactory(initiative=initiative, kpi=kpi, baseline_value=70, target_value=85)
    for day, value in ((dt.date(2026, 1, 5), 68.0), (dt.date(2026, 2, 2), 41.0), (dt.date(2026, 3, 2), 27.5)):
        MeasurementFactory(kpi=kpi, period=day, value=value)
    return target


def test_charts_have_no_keyboard_stops_and_give_their_data_as_text(browse, lead, falling_kpi):
    session = browse().login(lead.email)
    session.go(f"/initiatives/{falling_kpi.initiative_id}/")
    session.wait_for_charts()
    page = session.page
    chart = page.locator("[data-chart]").first
    expect(chart).to_have_attribute("role", "img")
    assert chart.locator("a, button, input, [tabindex]").count() == 0, "no mode bar buttons inside the image"

    data = page.locator(".chart-data").first
    data.get_by_text("Chart data as text").click()
    expect(data).to_contain_text("Measured — 5 Jan 2026: 68, 2 Feb 2026: 41, 2 Mar 2026: 27.5")
    expect(data).to_contain_text("reference lines: Baseline 70, Target 85")
    rows = data.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2).locator("th")).to_have_text("2 Mar 2026")
    expect(rows.nth(2).locator("td")).to_have_text("27.5")
    session.shot("chart-data-open")
    session.assert_accessible()


def test_a_progress_bar_is_drawn_clamped_but_announces_the_true_value(browse, lead, falling_kpi):
    session = browse().login(lead.email)
    session.go(f"/initiatives/{falling_kpi.initiative_id}/")
    bar = session.page.get_by_role("progressbar", name="Progress to target")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(bar).to_have_attribute("aria-valuetext", re.compile(r"^-283 % of the way to the target, further"))
    expect(bar.locator("span")).to_have_attribute("style", re.compile(r"width: 0%"))
    expect(session.page.locator("td[data-label='Progress']")).to_contain_text("-283 %")


def test_a_form_page_starts_at_its_first_field_and_a_refused_one_at_the_wrong_field(
    browse, lead, falling_kpi
):
    csat = KpiFactory(code="csat_a11y", name="Customer satisfaction", unit="percent", direction="higher")
    session = browse(viewport=PHONE).login(lead.email)
    page = session.page
    session.go(f"/initiatives/{falling_kpi.initiative_id}/targets/new/")
    expect(page.get_by_label("KPI")).to_be_focused()
    page.get_by_label("KPI").select_option(label=str(csat))
    page.get_by_label("Baseline", exact=True).fill("70")
    page.get_by_label("Target", exact=True).fill("60")
    page.get_by_role("button", name="Add target").click()
    expect(page.get_by_label("Target", exact=True)).to_be_focused()
    expect(page.get_by_label("Target", exact=True)).to_have_attribute("aria-invalid", "true")
    session.assert_accessible()
