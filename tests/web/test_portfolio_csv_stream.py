"""The portfolio CSV is streamed in chunks and its bytes are those of the export built in memory."""

import csv
import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.conf import settings
from django.http import StreamingHttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from improvement.models import Category, CostKind, Health, MilestoneStatus, Stage, Status
from improvement.selectors.initiatives import initiative_list_at_risk, initiative_portfolio
from improvement.selectors.money import initiative_money_many, portfolio_ranking
from improvement.views.dashboard import CSV_HEADER, _filters, _round, neutralise
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

CSV_URL = reverse("improvement:dashboard_csv")


def _in_memory_export(request) -> bytes:
    """The export as it was built before streaming: model instances, a ``Money`` per initiative."""
    _, filters, (sort, descending) = _filters(request)
    portfolio = initiative_portfolio(**filters)
    order = portfolio_ranking(initiatives=portfolio, sort=sort, descending=descending).rows
    by_pk = portfolio.in_bulk([row.pk for row in order])
    initiatives = [by_pk[row.pk] for row in order if row.pk in by_pk]
    at_risk = set(initiative_list_at_risk(initiatives=portfolio).values_list("pk", flat=True))
    money = initiative_money_many(initiatives=initiatives)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for i in initiatives:
        m = money[i.pk]
        row = [
            i.code, i.title, i.team.name, i.lead.get_full_name(), i.get_category_display(),
            i.get_stage_display(), i.get_status_display(), i.get_health_display(),
            i.start_date.isoformat(), i.target_end_date.isoformat() if i.target_end_date else "",
            i.milestones_done, i.milestones_total, i.milestones_overdue, _round(m.total_cost),
            _round(m.benefit_to_date), _round(m.projected_12m_benefit), _round(m.roi_percent),
            _round(m.payback_months), _round(m.npv), _round(m.net_benefit), _round(m.split.validated),
            _round(m.split.claimed), _round(m.split.hard), _round(m.split.soft), _round(m.split.derived),
            "yes" if i.pk in at_risk else "no", settings.PDCA_CURRENCY,
        ]  # fmt: skip
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue().encode()


def _random_portfolio(seed: int, count: int) -> None:
    """Initiatives with every kind of money line, milestones and valued KPI targets, drawn at random."""
    rng = random.Random(seed)
    today = timezone.localdate()
    teams = [TeamFactory(name=name) for name in ("Support", "=Ops", "Billing, Europe")]
    leads = [UserFactory(role="lead", full_name=name) for name in ("Ana Lima", "", '"Bo" Chen')]
    kpis = [KpiFactory(direction=direction) for direction in ("higher", "lower")]
    for kpi in kpis:
        for days in range(3):
            MeasurementFactory(kpi=kpi, period=today - dt.timedelta(days=days), value=rng.uniform(0, 100))
    for n in range(count):
        initiative = InitiativeFactory(
            team=rng.choice(teams),
            lead=rng.choice(leads),
            title=rng.choice(["Plain", "-2+3", 'Commas, and "quotes"', "Été"]) + f" {n}",
            category=rng.choice(Category.values),
            stage=rng.choice(Stage.values),
            status=rng.choice([Status.ACTIVE, Status.ACTIVE, *Status.values]),
            health=rng.choice(Health.values),
            start_date=today - dt.timedelta(days=rng.randint(0, 500)),
            target_end_date=rng.choice([None, today + dt.timedelta(days=rng.randint(1, 300))]),
        )
        for _ in range(rng.randint(0, 3)):
            CostFactory(
                initiative=initiative,
                kind=rng.choice(CostKind.values),
                amount=Decimal(rng.randint(0, 2_000_000)) / 100,
                start_month=rng.randint(1, 14),
            )
        for _ in range(rng.randint(0, 3)):
            BenefitFactory(
                initiative=initiative,
                monthly_amount=Decimal(rng.randint(0, 500_000)) / 100,
                start_month=rng.randint(1, 14),
                validated=rng.random() < 0.5,
                nature=rng.choice(["hard", "soft"]),
            )
        for kpi in rng.sample(kpis, rng.randint(0, 2)):
            KpiTargetFactory(
                initiative=initiative,
                kpi=kpi,
                baseline_value=rng.uniform(0, 100),
                unit_value_per_month=rng.choice([None, Decimal(rng.randint(1, 10_000)) / 100]),
            )
        for _ in range(rng.randint(0, 3)):
            MilestoneFactory(
                initiative=initiative,
                status=rng.choice(MilestoneStatus.values),
                due_date=today + dt.timedelta(days=rng.randint(-30, 30)),
            )


QUERIES = ["", "?sort=payback_asc", "?sort=npv_desc&stage=do", "?sort=investment_asc"]


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("query", QUERIES)
def test_the_streamed_export_has_the_bytes_of_the_in_memory_export(
    login, executive, seed, query, monkeypatch
):
    monkeypatch.setattr("improvement.selectors.portfolio_export.EXPORT_CHUNK", 7)
    _random_portfolio(seed, 25)
    request = RequestFactory().get(CSV_URL + query)
    request.user = executive

    response = login(executive).get(CSV_URL + query)

    assert isinstance(response, StreamingHttpResponse)
    streamed = response.getvalue()
    assert streamed == _in_memory_export(request)
    assert streamed.count(b"\r\n") > 1


def test_the_export_is_written_a_chunk_of_rows_at_a_time(login, executive, monkeypatch):
    monkeypatch.setattr("improvement.selectors.portfolio_export.EXPORT_CHUNK", 2)
    for _ in range(5):
        CostFactory(initiative=InitiativeFactory())

    response = login(executive).get(CSV_URL)

    parts = list(response.streaming_content)
    assert len(parts) == 1 + 3  # the header, then 2 + 2 + 1 rows
    assert [part.count(b"\r\n") for part in parts] == [1, 2, 2, 1]
