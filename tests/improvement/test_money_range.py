"""The ROI range of an initiative from its experiment (docs/money.md, "ROI range")."""

from decimal import Decimal

import numpy_financial as npf
import pytest
from django.conf import settings

from improvement import selectors
from improvement.models import KpiTarget
from improvement.selectors.money_range import initiative_roi_range
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from improvement.services.initiatives import initiative_update
from improvement.services.money import cost_create
from improvement.services.targets import kpi_target_create
from tests.improvement.conftest import make

pytestmark = pytest.mark.django_db

FCR_ROWS = [
    {"variant": "control", "users": 5000, "conversions": 3500},
    {"variant": "callback", "users": 5000, "conversions": 3650},
]


def _monthly(rate):
    return (1 + rate) ** (1 / 12) - 1


def _value(initiative, kpi, amount):
    KpiTarget.objects.filter(initiative=initiative, kpi=kpi).update(unit_value_per_month=Decimal(amount))


def test_the_range_values_the_interval_of_the_effect_on_a_percent_kpi(initiative, running, lead, fcr):
    _value(initiative, fcr, "800")
    cost_create(actor=lead, initiative=initiative, kind="one_time", description="Dialler", amount=10_000)
    data.experiment_data_replace(actor=lead, experiment=running, rows=FCR_ROWS)
    (comparison,) = selectors.experiment_results(experiment=running)["comparisons"]
    low, high = comparison["absolute_ci"]
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE

    result = initiative_roi_range(initiative=initiative)

    # FCR is in percent: a 0.03 rise of the rate is 3 points, each worth 800 a month.
    for end, effect in zip(result.ends, (low, comparison["absolute_effect"], high), strict=True):
        benefit = effect * 100 * 800
        flows = [-10_000.0] + [benefit] * horizon
        assert end.monthly_benefit == pytest.approx(benefit, rel=1e-9)
        assert end.npv == pytest.approx(npf.npv(_monthly(rate), flows), rel=1e-9)
        assert end.roi_percent == pytest.approx((benefit * horizon - 10_000) / 10_000 * 100, rel=1e-9)
        assert end.payback_months == pytest.approx(10_000 / benefit, rel=1e-9)
    assert result.low.payback_months > result.point.payback_months > result.high.payback_months
    assert result.confidence == pytest.approx(0.95)
    assert result.experiment_id == running.pk


def test_a_lower_is_better_kpi_turns_a_fall_into_a_benefit(initiative, lead, aht):
    kpi_target_create(
        actor=lead,
        initiative=initiative,
        kpi=aht,
        baseline_value=400,
        target_value=340,
        unit_value_per_month=Decimal("50"),
    )
    experiment = ex.experiment_start(
        actor=lead, experiment=make(initiative, lead, aht, metric_type="mean", mde=0.05)
    )
    # Control averages 400 s, the treatment 370 s (sd about 60 s).
    rows = [
        {"variant": key, "users": 2000, "mean": mean, "sd": 60.0}
        for key, mean in (("control", 400.0), ("callback", 370.0))
    ]
    data.experiment_data_replace(actor=lead, experiment=experiment, rows=rows)
    (comparison,) = selectors.experiment_results(experiment=experiment)["comparisons"]
    low, high = comparison["absolute_ci"]
    assert high < 0

    result = initiative_roi_range(initiative=initiative)

    assert result.kpi_name == aht.name
    assert result.point.monthly_benefit == pytest.approx(30 * 50, rel=1e-9)
    assert result.low.monthly_benefit == pytest.approx(-high * 50, rel=1e-9)
    assert result.high.monthly_benefit == pytest.approx(-low * 50, rel=1e-9)


def test_no_range_without_an_experiment_or_without_a_unit_value(initiative, running, lead, fcr):
    data.experiment_data_replace(actor=lead, experiment=running, rows=FCR_ROWS)
    # The FCR target has no unit value: nothing to value the effect with.
    assert initiative_roi_range(initiative=initiative) is None

    _value(initiative, fcr, "800")
    ex.experiment_archive(actor=lead, experiment=running)
    assert initiative_roi_range(initiative=initiative) is None


def test_no_range_while_the_experiment_has_no_data(initiative, running, fcr):
    _value(initiative, fcr, "800")
    assert initiative_roi_range(initiative=initiative) is None


def test_a_draft_experiment_gives_no_range(initiative, lead, fcr):
    _value(initiative, fcr, "800")
    make(initiative, lead, fcr, mde=0.1, name="Not started")
    assert initiative_roi_range(initiative=initiative) is None


def test_the_range_uses_the_initiatives_own_horizon_and_rate(initiative, running, lead, fcr):
    _value(initiative, fcr, "800")
    cost_create(actor=lead, initiative=initiative, kind="one_time", description="Dialler", amount=10_000)
    data.experiment_data_replace(actor=lead, experiment=running, rows=FCR_ROWS)
    initiative.refresh_from_db()
    initiative = initiative_update(actor=lead, initiative=initiative, horizon_months=30, discount_rate=0.2)
    (comparison,) = selectors.experiment_results(experiment=running)["comparisons"]

    result = initiative_roi_range(initiative=initiative)

    benefit = comparison["absolute_effect"] * 100 * 800
    assert (result.horizon_months, result.discount_rate) == (30, 0.2)
    assert result.point.npv == pytest.approx(npf.npv(_monthly(0.2), [-10_000] + [benefit] * 30), rel=1e-9)
