"""The ROI range on the initiative page and the portfolio (docs/money.md, "ROI range")."""

from decimal import Decimal

import pytest
from django.urls import reverse

from improvement.selectors.money_range import initiative_roi_range
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from improvement.services.money import cost_create
from kpis.models import Kpi
from tests.factories import InitiativeFactory, KpiTargetFactory
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

AB = [{"key": "control", "is_control": True}, {"key": "callback"}]
DASHBOARD = reverse("improvement:dashboard")


@pytest.fixture
def valued(initiative, lead):
    fcr = Kpi.objects.get(code="fcr_rate")
    KpiTargetFactory(initiative=initiative, kpi=fcr, unit_value_per_month=Decimal("800"))
    cost_create(actor=lead, initiative=initiative, kind="one_time", description="Dialler", amount=10_000)
    return fcr


def _evidence(initiative, lead, kpi):
    experiment = ex.experiment_start(
        actor=lead,
        experiment=ex.experiment_create(
            actor=lead, initiative=initiative, name="Callback offer", primary_kpi=kpi, variants=AB, mde=0.1
        ),
    )
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": "control", "users": 5000, "conversions": 3500},
            {"variant": "callback", "users": 5000, "conversions": 3650},
        ],
    )


def test_the_initiative_page_says_when_the_evidence_pays_back(login, executive, lead, initiative, valued):
    _evidence(initiative, lead, valued)
    expected = initiative_roi_range(initiative=initiative)

    url = reverse("improvement:initiative_detail", args=[initiative.pk])
    page = login(executive).get(url).content.decode()

    low, high = expected.low.payback_months, expected.high.payback_months
    assert f"Payback in {high:.1f}–{low:.1f} months" in page
    assert "Callback offer" in page


def test_the_portfolio_shows_each_initiatives_range(login, executive, lead, initiative, valued):
    _evidence(initiative, lead, valued)
    expected = initiative_roi_range(initiative=initiative)

    page = login(executive).get(DASHBOARD).content.decode()

    assert f"from the evidence: {expected.payback_text}" in page


def test_no_range_is_shown_without_evidence(login, executive, initiative, valued):
    detail = login(executive).get(reverse("improvement:initiative_detail", args=[initiative.pk]))
    dashboard = login(executive).get(DASHBOARD)

    assert "Payback in" not in detail.content.decode()
    assert "from the evidence" not in dashboard.content.decode()


def test_the_portfolio_finds_the_ranges_in_the_same_queries_whatever_its_size(
    login, executive, team, django_capture_on_commit_callbacks, summaries_checked
):
    fcr = Kpi.objects.get(code="fcr_rate")

    def add(n):
        for _ in range(n):
            initiative = InitiativeFactory(team=team)
            KpiTargetFactory(initiative=initiative, kpi=fcr, unit_value_per_month=Decimal("800"))

    client = login(executive)
    with django_capture_on_commit_callbacks(execute=True):  # as committed: cached answers drop
        add(2)
    few = queries_for(client, DASHBOARD)
    with django_capture_on_commit_callbacks(execute=True):
        add(4)
    assert queries_for(client, DASHBOARD) == few
