"""An initiative's own ROI horizon and discount rate (null: the organisation's): in its live
money, its kept summary, the ROI range, the form and the API (docs/money.md)."""

from decimal import Decimal

import numpy_financial as npf
import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from improvement.models import Initiative, InitiativeMoney
from improvement.selectors.money import initiative_money
from improvement.services.initiatives import initiative_update
from tests.factories import BenefitFactory, CostFactory, InitiativeFactory

pytestmark = pytest.mark.django_db


def _monthly(rate):
    return (1 + rate) ** (1 / 12) - 1


def _worked(**fields) -> Initiative:
    """1 200 once, 300 a month."""
    initiative = InitiativeFactory(**fields)
    CostFactory(initiative=initiative, amount=Decimal("1200"))
    BenefitFactory(initiative=initiative, monthly_amount=Decimal("300"))
    return initiative


def test_the_summary_follows_the_initiatives_own_horizon_and_rate(lead, team):
    initiative = _worked(team=team, lead=lead)
    org = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    before = InitiativeMoney.objects.get(pk=initiative.pk)
    assert before.npv == pytest.approx(npf.npv(_monthly(org[1]), [-1200] + [300] * org[0]), rel=1e-12)

    initiative_update(actor=lead, initiative=initiative, horizon_months=24, discount_rate=0.15)

    stored = InitiativeMoney.objects.get(pk=initiative.pk)
    flows = [-1200] + [300] * 24
    assert stored.npv == pytest.approx(npf.npv(_monthly(0.15), flows), rel=1e-12)
    assert stored.roi_percent == pytest.approx((300 * 24 - 1200) / 1200 * 100, rel=1e-12)
    assert stored.irr_monthly == pytest.approx(npf.irr(flows), rel=1e-9)
    assert (stored.initiative_horizon_months, stored.initiative_discount_rate) == (24, 0.15)
    # The roll-up's parts stay over the organisation's horizon: the portfolio is one investment.
    assert (stored.horizon_months, stored.discount_rate) == org
    assert stored.derived == before.derived
    assert initiative.money_months.count() == org[0]
    live = initiative_money(initiative=initiative)
    assert (live.horizon_months, live.discount_rate) == (24, 0.15)
    assert live.npv == pytest.approx(stored.npv, rel=1e-12)

    initiative_update(actor=lead, initiative=initiative, horizon_months=None, discount_rate=None)

    again = InitiativeMoney.objects.get(pk=initiative.pk)
    assert again.npv == pytest.approx(before.npv, rel=1e-12)
    assert (again.initiative_horizon_months, again.initiative_discount_rate) == (None, None)


def test_the_portfolio_keeps_the_organisations_horizon(executive, lead, team):
    initiative = _worked(team=team, lead=lead)
    client = APIClient()
    client.force_login(executive)
    before = client.get("/api/v1/portfolio/summary/").json()["money"]

    initiative_update(actor=lead, initiative=initiative, horizon_months=36, discount_rate=0.2)
    after = client.get("/api/v1/portfolio/summary/").json()["money"]

    assert after == before


def test_the_api_sets_the_horizon_and_rate_and_refuses_them_out_of_range(lead, team):
    initiative = _worked(team=team, lead=lead)
    client = APIClient()
    client.force_login(lead)
    url = f"/api/v1/initiatives/{initiative.pk}/"
    version = Initiative.objects.get(pk=initiative.pk).version

    refused = client.patch(url, {"horizon_months": 0, "discount_rate": 1.5}, format="json")
    too_long = client.patch(url, {"horizon_months": 121}, format="json")
    negative = client.patch(url, {"discount_rate": -0.01}, format="json")

    for response in (refused, too_long, negative):
        assert response.status_code == 400
    assert refused.json()["fields"] == {
        "horizon_months": ["Ensure this value is greater than or equal to 1."],
        "discount_rate": ["Ensure this value is less than or equal to 1.0."],
    }
    assert too_long.json()["fields"] == {
        "horizon_months": ["Ensure this value is less than or equal to 120."]
    }
    assert negative.json()["fields"] == {
        "discount_rate": ["Ensure this value is greater than or equal to 0.0."]
    }
    unchanged = Initiative.objects.get(pk=initiative.pk)
    assert (unchanged.horizon_months, unchanged.discount_rate, unchanged.version) == (None, None, version)
    assert InitiativeMoney.objects.get(pk=initiative.pk).initiative_horizon_months is None

    changed = client.patch(url, {"horizon_months": 24, "discount_rate": 0.1}, format="json")
    money = client.get(url + "progress/").json()["money"]

    assert changed.status_code == 200
    assert (money["horizon_months"], money["discount_rate"]) == (24, 0.1)
    assert money["npv"] == pytest.approx(npf.npv(_monthly(0.1), [-1200] + [300] * 24), rel=1e-9)


def test_the_edit_form_sets_the_horizon_and_reports_a_bad_one_on_its_field(client, lead, team):
    initiative = _worked(team=team, lead=lead)
    client.force_login(lead)
    url = reverse("improvement:initiative_edit", args=[initiative.pk])
    form = {
        "title": initiative.title,
        "team": team.pk,
        "start_date": initiative.start_date.isoformat(),
        "lead": lead.pk,
        "category": initiative.category,
        "breakpoint_type": initiative.breakpoint_type,
        "impact": initiative.impact,
        "effort": initiative.effort,
        "version": initiative.version,
    }

    page = client.get(url).content.decode()
    for name in ("payback_target_months", "horizon_months", "discount_rate"):
        assert f'name="{name}"' in page

    refused = client.post(url, {**form, "horizon_months": "200", "discount_rate": "0.1"})
    assert refused.status_code == 200
    assert refused.context["form"].errors == {
        "horizon_months": ["Ensure this value is less than or equal to 120."]
    }
    assert Initiative.objects.get(pk=initiative.pk).horizon_months is None

    saved = client.post(url, {**form, "horizon_months": "18", "discount_rate": "0.1"})
    assert saved.status_code == 302
    initiative.refresh_from_db()
    assert (initiative.horizon_months, initiative.discount_rate) == (18, 0.1)
