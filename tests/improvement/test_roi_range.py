"""The ROI range (docs/money.md) against numpy-financial, computed here from the cash flows."""

import numpy_financial as npf
import pytest

from improvement import roi_range

RATE = 0.08
MONTHLY = (1 + RATE) ** (1 / 12) - 1


def _range(gains, *, unit_value=500.0, one_time=6000.0, recurring=(200.0,) * 12, horizon=12, rate=RATE):
    return roi_range.roi_range(
        gains=gains,
        unit_value_per_month=unit_value,
        one_time_cost=one_time,
        recurring_costs=list(recurring),
        horizon=horizon,
        annual_rate=rate,
        confidence=0.95,
        experiment_id=1,
        experiment_name="Macros",
        kpi_name="FCR",
    )


def test_each_end_is_the_money_of_its_monthly_benefit_against_numpy_financial():
    result = _range((1.5, 3.0, 4.5))
    for end, gain in zip(result.ends, (1.5, 3.0, 4.5), strict=True):
        benefit = gain * 500.0
        flows = [-6000.0] + [benefit - 200.0] * 12
        assert end.monthly_benefit == pytest.approx(benefit)
        assert end.npv == pytest.approx(npf.npv(MONTHLY, flows), rel=1e-12)
        total_cost = 6000.0 + 200.0 * 12
        assert end.roi_percent == pytest.approx((benefit * 12 - total_cost) / total_cost * 100, rel=1e-12)
    # Payback: 6000 recovered at 550, 1300 and 2050 a month net.
    assert result.low.payback_months == pytest.approx(6000 / 550, rel=1e-12)
    assert result.point.payback_months == pytest.approx(6000 / 1300, rel=1e-12)
    assert result.high.payback_months == pytest.approx(6000 / 2050, rel=1e-12)


def test_the_npv_at_each_end_uses_the_horizon_and_rate_given():
    result = _range((1.0, 2.0, 3.0), horizon=24, rate=0.12, recurring=(200.0,) * 30)
    monthly = (1.12) ** (1 / 12) - 1
    assert result.point.npv == pytest.approx(npf.npv(monthly, [-6000.0] + [1000.0 - 200.0] * 24), rel=1e-12)
    assert result.horizon_months == 24


def test_a_low_end_that_never_pays_back_has_no_payback():
    result = _range((-1.0, 2.0, 5.0))
    assert result.low.monthly_benefit == pytest.approx(-500.0)
    assert result.low.payback_months is None
    assert result.low.npv == pytest.approx(npf.npv(MONTHLY, [-6000.0] + [-700.0] * 12), rel=1e-12)


def test_a_lower_is_better_kpi_gains_from_a_negative_effect():
    # Handle time down 30 s (interval −45…−15): a gain of 15…45 s.
    assert roi_range.monthly_gains(effect=-30.0, interval=[-45.0, -15.0], higher_is_better=False) == (
        15.0,
        30.0,
        45.0,
    )


def test_a_higher_is_better_proportion_on_a_percent_kpi_counts_percentage_points():
    gains = roi_range.monthly_gains(
        effect=0.02, interval=[0.01, 0.03], higher_is_better=True, scale=roi_range.PERCENT_PER_FRACTION
    )
    assert gains == pytest.approx((1.0, 2.0, 3.0))


def test_the_payback_reads_from_the_high_end_to_the_low_end():
    # 6000 paid back at 2050 a month (high) and at 550 a month (low).
    assert _range((1.5, 3.0, 4.5)).payback_text == f"{6000 / 2050:.1f}–{6000 / 550:.1f} months"
    assert _range((-1.0, 2.0, 5.0)).payback_text == f"{6000 / 2300:.1f} months to not within 12 months"
    assert _range((-3.0, -2.0, -1.0)).payback_text == "not within 12 months"
