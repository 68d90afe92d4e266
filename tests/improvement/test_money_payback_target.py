"""Discounted payback, net benefit, IRR, and the payback target (the organisation's or an
initiative's own) with each initiative's status against it: in the figures, the site and the API."""

import re
from decimal import Decimal

import numpy_financial as npf
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from improvement import roi
from improvement.models import Initiative, InitiativeMoney, Stage
from improvement.selectors.money import initiative_money
from improvement.services.stages import initiative_transition
from tests.factories import BenefitFactory, CostFactory, InitiativeFactory

RATE = 0.08


def _discounted_payback_by_numpy_financial(flows, annual_rate):
    """The month the NPV of the flows up to it (numpy-financial's npv of a prefix) turns ≥ 0,
    interpolated inside the month on its discounted flow."""
    i = roi.monthly_rate(annual_rate)
    for k in range(1, len(flows)):
        before, after = npf.npv(i, flows[:k]), npf.npv(i, flows[: k + 1])
        if before < 0 <= after:
            return (k - 1) + (-before) / (flows[k] / (1 + i) ** k)
    return None


@pytest.mark.parametrize(
    "flows",
    [
        [-1200] + [300] * 12,
        [-1000] + [300] * 12,
        [-5000, 200, 400, 800, 1200, 1200, 1200, 1200, 1200, 1200, 1200, 1200, 1200],
        [-900, -100, 250, 250, 250, 250, 250, 250, 250, 250, 250, 250, 250],
    ],
)
def test_discounted_payback_is_where_the_npv_of_the_flows_so_far_turns_positive(flows):
    expected = _discounted_payback_by_numpy_financial(flows, RATE)
    assert roi.discounted_payback_months(flows, annual_rate=RATE) == pytest.approx(expected, rel=1e-12)
    # Discounting only delays the payback.
    assert roi.discounted_payback_months(flows, annual_rate=RATE) > roi.payback_months(flows)


def test_discounted_payback_at_a_zero_rate_is_the_payback_of_the_worked_example():
    # docs/money.md: 1 200 invested, 300 a month, paid back in exactly 4 months.
    assert roi.discounted_payback_months([-1200] + [300] * 12, annual_rate=0.0) == 4.0


def test_a_discounted_payback_beyond_the_horizon_is_none():
    # Undiscounted it pays back in month 12 exactly; discounted, not within the horizon.
    flows = [-1200] + [100] * 12
    assert roi.payback_months(flows) == 12.0
    assert roi.discounted_payback_months(flows, annual_rate=RATE) is None


@pytest.mark.parametrize(
    ("payback", "target", "has_benefit", "status"),
    [
        (4.0, 4.0, True, roi.PAYBACK_ON_TARGET),
        (3.1, 4.0, True, roi.PAYBACK_ON_TARGET),
        (4.01, 4.0, True, roi.PAYBACK_LATE),
        (None, 4.0, True, roi.PAYBACK_NEVER),
        (None, 4.0, False, None),
        (2.0, None, True, None),
    ],
)
def test_payback_status_against_a_target(payback, target, has_benefit, status):
    assert roi.payback_status(payback, target=target, has_benefit=has_benefit) == status


def _worked(**fields) -> Initiative:
    """docs/money.md's worked example: 1 200 once, 300 a month: payback 4 months."""
    initiative = InitiativeFactory(**fields)
    CostFactory(initiative=initiative, amount=Decimal("1200"))
    BenefitFactory(initiative=initiative, monthly_amount=Decimal("300"))
    return initiative


@pytest.mark.django_db
def test_the_organisation_target_applies_unless_the_initiative_sets_its_own(settings):
    on_default, own = _worked(), _worked(payback_target_months=Decimal("3.5"))

    assert initiative_money(initiative=on_default).payback_status == roi.PAYBACK_ON_TARGET
    assert initiative_money(initiative=own).payback_target_months == 3.5
    assert initiative_money(initiative=own).payback_status == roi.PAYBACK_LATE
    settings.PDCA_PAYBACK_TARGET_MONTHS = 3
    assert initiative_money(initiative=on_default).payback_status == roi.PAYBACK_LATE


@pytest.mark.django_db
def test_the_summary_keeps_the_discounted_payback():
    initiative = _worked()
    flows = [-1200] + [300] * 12
    stored = InitiativeMoney.objects.get(pk=initiative.pk)
    assert stored.discounted_payback_months == pytest.approx(
        _discounted_payback_by_numpy_financial(flows, RATE), rel=1e-12
    )


@pytest.mark.django_db
def test_the_api_reports_every_figure_and_the_status_against_the_target(lead, team):
    initiative = _worked(team=team, lead=lead)
    client = APIClient()
    client.force_login(lead)
    url = f"/api/v1/initiatives/{initiative.pk}/"

    refused = client.patch(url, {"payback_target_months": "0"}, format="json")
    changed = client.patch(url, {"payback_target_months": "3.5"}, format="json")
    money = client.get(url + "progress/").json()["money"]

    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"payback_target_months"}
    assert changed.status_code == 200
    initiative.refresh_from_db()
    assert initiative.payback_target_months == Decimal("3.5")
    flows = [-1200] + [300] * 12
    assert money["currency"] == "EUR"
    assert money["net_benefit"] == 2400
    assert money["irr_monthly"] == pytest.approx(npf.irr(flows), rel=1e-9)
    assert money["irr_annual"] == pytest.approx((1 + npf.irr(flows)) ** 12 - 1, rel=1e-9)
    assert money["discounted_payback_months"] == pytest.approx(
        _discounted_payback_by_numpy_financial(flows, RATE), rel=1e-9
    )
    assert (money["payback_months"], money["payback_target_months"], money["payback_status"]) == (
        4.0,
        3.5,
        "late",
    )


@pytest.mark.django_db
def test_the_portfolio_summary_is_judged_against_the_organisation_target(executive, team):
    _worked(team=team)
    client = APIClient()
    client.force_login(executive)
    money = client.get("/api/v1/portfolio/summary/").json()["money"]
    assert (money["payback_target_months"], money["payback_status"]) == (4.0, "on_target")
    assert money["net_benefit"] == 2400


@pytest.mark.django_db
def test_the_pages_show_the_figures_in_the_currency_and_the_status_against_the_target(
    client, executive, team, settings
):
    settings.PDCA_CURRENCY = "CHF"
    initiative = _worked(team=team, payback_target_months=Decimal("3"))
    client.force_login(executive)

    page = client.get(reverse("improvement:initiative_detail", args=[initiative.pk])).content.decode()
    money = page[page.index('id="money"') : page.index('id="history"')]
    dashboard = client.get(reverse("improvement:dashboard")).content.decode()

    assert "Discounted payback" in money
    assert "Net benefit" in money and "CHF\u202f2,400" in money
    assert "IRR" in money and "% a year" in money
    assert "Later than the target (target 3 months)" in money
    assert "later than the target (3 mo)" in dashboard


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cost", "note"),
    [(None, "No payback yet: add costs and benefits"), ("1200", "No payback yet: add benefits")],
)
def test_an_initiative_in_do_without_benefits_has_no_payback_yet_rather_than_a_missed_one(
    client, executive, team, cost, note
):
    initiative = InitiativeFactory(team=team)
    if cost:
        CostFactory(initiative=initiative, amount=Decimal(cost))
    initiative_transition(actor=executive, initiative=initiative, to=Stage.DO, override_reason="Pilot now")
    client.force_login(executive)
    api = APIClient()
    api.force_authenticate(executive)

    page = client.get(reverse("improvement:initiative_detail", args=[initiative.pk])).content.decode()
    money = _text(page[page.index('id="money"') : page.index('id="history"')])
    dashboard = _text(client.get(reverse("improvement:dashboard")).content.decode())
    figures = api.get(f"/api/v1/initiatives/{initiative.pk}/progress/").json()["money"]

    assert note in money
    assert "not within" not in money.lower()
    assert "payback none: no benefit was forecast" in money
    assert "not within the horizon" not in dashboard.lower()
    assert (figures["payback_months"], figures["payback_status"]) == (None, None)
