"""The ROI range in the progress endpoint (docs/money.md, "ROI range")."""

from decimal import Decimal

import numpy_financial as npf
import pytest
from django.conf import settings

from improvement import selectors
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from improvement.services.money import cost_create
from kpis.models import Kpi
from tests.factories import KpiTargetFactory

AB = [{"key": "control", "is_control": True}, {"key": "callback"}]


@pytest.fixture
def fcr():
    return Kpi.objects.get(code="fcr_rate")


def _running(initiative, lead, fcr):
    experiment = ex.experiment_create(
        actor=lead, initiative=initiative, name="Callback offer", primary_kpi=fcr, variants=AB, mde=0.1
    )
    return ex.experiment_start(actor=lead, experiment=experiment)


def test_progress_gives_the_roi_range_of_the_experiment(api, viewer, lead, initiative, fcr):
    KpiTargetFactory(initiative=initiative, kpi=fcr, unit_value_per_month=Decimal("800"))
    cost_create(actor=lead, initiative=initiative, kind="one_time", description="Dialler", amount=10_000)
    experiment = _running(initiative, lead, fcr)
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": "control", "users": 5000, "conversions": 3500},
            {"variant": "callback", "users": 5000, "conversions": 3650},
        ],
    )
    (comparison,) = selectors.experiment_results(experiment=experiment)["comparisons"]
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    monthly = (1 + rate) ** (1 / 12) - 1

    response = api(viewer).get(f"/api/v1/initiatives/{initiative.pk}/progress/")

    assert response.status_code == 200
    body = response.json()["roi_range"]
    assert (body["currency"], body["horizon_months"], body["experiment"]) == (
        settings.PDCA_CURRENCY,
        horizon,
        experiment.pk,
    )
    low, high = comparison["absolute_ci"]
    for name, effect in (("low", low), ("point", comparison["absolute_effect"]), ("high", high)):
        benefit = effect * 100 * 800
        assert body[name]["monthly_benefit"] == pytest.approx(benefit, rel=1e-9)
        assert body[name]["npv"] == pytest.approx(npf.npv(monthly, [-10_000] + [benefit] * horizon), rel=1e-9)
        assert body[name]["payback_months"] == pytest.approx(10_000 / benefit, rel=1e-9)


def test_progress_without_an_experiment_has_no_roi_range(api, viewer, initiative, fcr):
    KpiTargetFactory(initiative=initiative, kpi=fcr, unit_value_per_month=Decimal("800"))

    response = api(viewer).get(f"/api/v1/initiatives/{initiative.pk}/progress/")

    assert response.status_code == 200
    assert response.json()["roi_range"] is None
