"""The evidence a lead reads: a verdict before the numbers, readable without scrolling sideways.

At 1440 px and 390 px a lead opens an underpowered experiment and reads "not enough data" with the
power and users needed beside it, opens one with enough data and reads the interval in points,
enters a mean experiment's data as mean and SD, and follows the link to the statistics help.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from kpis.models import Unit
from tests.browser.conftest import SCREENSHOTS, WIDTHS
from tests.factories import InitiativeFactory, KpiFactory, TeamFactory, UserFactory

E_NOTATION = re.compile(r"\d[eE][+-]?\d")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _experiment(lead, initiative, kpi, *, name, mde, rows, metric="proportion", variants=None):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name=name,
        primary_kpi=kpi,
        metric_type=metric,
        mde=mde,
        variants=variants
        or [
            {"key": "agent", "name": "Agent greets", "is_control": True},
            {"key": "bot", "name": "Greeting bot"},
        ],
    )
    ex.experiment_start(actor=lead, experiment=experiment)
    if rows:
        data.experiment_data_replace(actor=lead, experiment=experiment, rows=rows)
    return experiment


def _fits(session) -> None:
    """Nothing wider than its box: the page, and each results table inside its wrapper."""
    widths = session.page.evaluate(
        """() => ({
            page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
            tables: [...document.querySelectorAll('.results-wrap')]
                .filter(wrap => wrap.offsetParent !== null)
                .map(wrap => [wrap.scrollWidth, wrap.clientWidth]),
        })"""
    )
    assert widths["page"][0] <= widths["page"][1], widths
    assert widths["tables"], widths
    for scroll, box in widths["tables"]:
        assert scroll <= box, widths


def _in_view_horizontally(session, locator) -> None:
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0
    assert box["x"] + box["width"] <= session.page.viewport_size["width"]


@pytest.mark.parametrize("width", WIDTHS)
def test_lead_reads_evidence(browse, width):
    """Verdict before numbers at each width, data by mean and SD, then the statistics help."""
    team = TeamFactory(name="Customer Care", slug="customer-care")
    lead = UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team])
    initiative = InitiativeFactory(team=team, lead=lead, title="Greeting bot on chat")
    rate = KpiFactory(
        code="fcr_ev", name="First-contact resolution", unit=Unit.PERCENT, min_value=0, max_value=100
    )
    score = KpiFactory(code="csat_ev", name="Satisfaction score", unit=Unit.SCORE, min_value=1, max_value=5)
    early = _experiment(
        lead,
        initiative,
        rate,
        name="Bot pilot, week one",
        mde=0.1,
        rows=[
            {"variant": "agent", "users": 1200, "conversions": 360},
            {"variant": "bot", "users": 1200, "conversions": 384},
        ],
    )
    settled = _experiment(
        lead,
        initiative,
        rate,
        name="Bot on every chat",
        mde=0.03,
        rows=[
            {"variant": "agent", "users": 8012, "conversions": 5609},
            {"variant": "bot", "users": 7988, "conversions": 5783},
        ],
    )
    scored = _experiment(
        lead,
        initiative,
        score,
        name="Itinerary message",
        metric="mean",
        mde=0.03,
        rows=None,
        variants=[
            {"key": "plain", "name": "Plain confirmation", "is_control": True, "weight": 2},
            {"key": "itinerary", "name": "Itinerary"},
        ],
    )
    session = browse(viewport=WIDTHS[width]).login("lena@example.com")
    page = session.page

    # An underpowered test: the verdict says so first, with power and users needed beside it.
    session.go(f"/experiments/{early.pk}/")
    verdict = page.locator("article.verdict").first
    expect(verdict).to_contain_text(
        "Not enough data yet: about 2,563 more users per arm, ~3 days at the current rate."
    )
    expect(verdict).to_contain_text("Power at the minimum detectable effect")
    expect(verdict).to_contain_text("Agent greets: 1,200 of 3,763 needed")
    _in_view_horizontally(session, verdict)
    _fits(session)
    session.shot("not-enough-data")
    session.assert_accessible()

    # Enough data: the interval in points, no "pp", no e-notation, no raw p-values.
    session.go(f"/experiments/{settled.pk}/")
    expect(page.locator("article.verdict").first).to_contain_text(
        "Greeting bot converts better than Agent greets: up by 1.0 to 3.8 points. Enough data."
    )
    results = page.locator("#results")
    expect(results).to_contain_text("< 0.001")
    assert " pp" not in results.inner_text()
    assert not E_NOTATION.search(results.inner_text())
    _fits(session)
    session.shot("enough-data")

    # A mean experiment's data go in as users, mean and SD.
    session.go(f"/experiments/{scored.pk}/#data")
    entry = page.get_by_role("form", name="Results per variant")
    for name, users, mean, sd in (
        ("plain", "3020", "3.82", "1.05"),
        ("itinerary", "1492", "4.05", "1.0"),
    ):
        entry.get_by_label(f"{name}: Users").fill(users)
        entry.get_by_label(f"{name}: Mean").fill(mean)
        entry.get_by_label(f"{name}: Standard deviation").fill(sd)
    entry.get_by_role("button", name="Save results").click()
    expect(page.locator("article.verdict").first).to_contain_text(
        "Itinerary does better than Plain confirmation: up by"
    )
    expect(page.locator(".results-table").first).to_contain_text("3.82")
    _fits(session)
    session.shot("mean-and-sd")

    # The formulas are a page of the site, not a file of the repository.
    assert "docs/" not in page.content()
    page.get_by_role("link", name="How these are computed").click()
    expect(page.get_by_role("heading", name="2. Treatment against control")).to_be_visible()
    assert page.url.endswith("/help/statistics/#2-treatment-against-control")
    # The viewport only: the whole document is many screens tall.
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"lead-reads-evidence-{width}-04-help.png")
