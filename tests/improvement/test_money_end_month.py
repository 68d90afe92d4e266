"""Costs and benefit lines that end: a cost paid in month 5 only, a benefit for six months."""

import datetime as dt
from decimal import Decimal

import numpy as np
import numpy_financial as npf
import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from improvement import roi, roi_figures, roi_portfolio
from improvement.models import Benefit, Cost, InitiativeMoney
from improvement.models.money import MSG_END_BEFORE_START, MSG_ONE_TIME_ENDS
from improvement.selectors.money import initiative_money
from improvement.services import money
from tests.factories import InitiativeFactory


def test_a_line_counts_from_its_start_month_to_its_end_month_included():
    months = roi.step_lines([0, 0, 1], [2, 5, 1], [10.0, 7.0, 3.0], [4, 5, None], n=2, horizon=6)
    assert months.tolist() == [[0, 10, 10, 10, 7, 0], [3, 3, 3, 3, 3, 3]]


def test_an_end_past_the_horizon_runs_to_the_horizon():
    months = roi.step_lines([0], [3], [5.0], [40], n=1, horizon=4)
    assert months.tolist() == [[0, 0, 5, 5]]


def test_a_one_off_cost_in_month_5_is_one_outflow_in_month_5():
    """1 200 invested, 300 a month, and a 500 one-off in month 5: the flows numpy-financial is given."""
    table = roi_portfolio.line_table(
        starts=[(1, dt.date(2024, 1, 1))],
        costs=[(1, True, 1200, 1, None), (1, False, 500, 5, 5)],
        benefits=[(1, 300, 1, True, True, None)],
        valued_targets=[],
        horizon=12,
        today=dt.date(2024, 1, 1),
    )
    m = roi_figures.money_of(table.lines(0), horizon=12, annual_rate=0.08)
    flows = [-1200, 300, 300, 300, 300, -200] + [300] * 7
    assert m.cash_flows == flows
    assert m.total_cost == 1700
    assert m.npv == pytest.approx(npf.npv(roi.monthly_rate(0.08), flows), rel=1e-12)
    assert m.irr_monthly == pytest.approx(npf.irr(flows), rel=1e-12)
    # −300 after month 3, 0 after month 4: paid back exactly at 4, before the one-off.
    assert m.payback_months == 4.0


def test_a_benefit_that_ends_is_split_by_its_evidence_over_its_months_only():
    table = roi_portfolio.line_table(
        starts=[(1, dt.date(2024, 1, 1))],
        costs=[],
        benefits=[(1, 100, 2, True, False, 4), (1, 50, 1, False, True, None)],
        valued_targets=[],
        horizon=6,
        today=dt.date(2024, 1, 1),
    )
    lines = table.lines(0)
    assert lines.benefits == [50, 150, 150, 150, 50, 50]
    assert lines.split.validated_soft == 300
    assert lines.split.claimed_hard == 300
    assert np.isclose(lines.split.total, sum(lines.benefits))


@pytest.mark.django_db
def test_the_summary_keeps_the_end_months(lead):
    initiative = InitiativeFactory(lead=lead)
    money.cost_create(actor=lead, initiative=initiative, kind="one_time", description="Bot", amount="1200")
    money.cost_create(
        actor=lead,
        initiative=initiative,
        kind="recurring",
        description="Training day",
        amount="500",
        start_month=5,
        end_month=5,
    )
    money.benefit_create(
        actor=lead,
        initiative=initiative,
        kind="cost_saving",
        description="Hours",
        monthly_amount=Decimal("300"),
        end_month=10,
    )
    stored = InitiativeMoney.objects.get(pk=initiative.pk)
    flows = [-1200, 300, 300, 300, 300, -200, 300, 300, 300, 300, 300, 0, 0]
    assert initiative_money(initiative=initiative).cash_flows == flows
    assert stored.total_cost == 1700
    assert stored.total_benefit == 3000
    assert stored.npv == pytest.approx(npf.npv(roi.monthly_rate(0.08), flows), rel=1e-12)


@pytest.mark.django_db
def test_an_end_before_the_start_is_refused_and_nothing_is_written(lead):
    initiative = InitiativeFactory(lead=lead)
    with pytest.raises(ValidationError) as excinfo:
        money.benefit_create(
            actor=lead,
            initiative=initiative,
            kind="cost_saving",
            description="Hours",
            monthly_amount="300",
            start_month=4,
            end_month=3,
        )
    assert excinfo.value.message_dict == {"end_month": [MSG_END_BEFORE_START]}
    with pytest.raises(ValidationError) as excinfo:
        money.cost_create(
            actor=lead, initiative=initiative, kind="one_time", description="Bot", amount="9", end_month=2
        )
    assert excinfo.value.message_dict == {"end_month": [MSG_ONE_TIME_ENDS]}
    assert not Benefit.objects.exists() and not Cost.objects.exists()
    assert InitiativeMoney.objects.get(pk=initiative.pk).total_cost == 0


@pytest.mark.django_db
def test_the_api_takes_an_end_month_and_refuses_one_before_the_start(lead):
    initiative = InitiativeFactory(lead=lead)
    client = APIClient()
    client.force_login(lead)
    line = {"initiative": initiative.pk, "kind": "recurring", "description": "Audit", "amount": "800.00"}

    refused = client.post("/api/v1/costs/", {**line, "start_month": 6, "end_month": 2}, format="json")
    created = client.post("/api/v1/costs/", {**line, "start_month": 5, "end_month": 5}, format="json")

    assert refused.status_code == 400
    assert refused.json()["fields"] == {"end_month": [MSG_END_BEFORE_START]}
    assert created.status_code == 201
    assert (created.json()["start_month"], created.json()["end_month"]) == (5, 5)
    cost = Cost.objects.get()
    assert (cost.start_month, cost.end_month) == (5, 5)
    assert InitiativeMoney.objects.get(pk=initiative.pk).total_cost == 800
