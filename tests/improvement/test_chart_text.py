"""A chart's text alternative says what the chart draws: the same numbers, written for reading."""

import datetime as dt
from types import SimpleNamespace

import pytest

from improvement import charts, experiment_chart, target_chart
from improvement.chart_text import chart_text, format_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (5330.0, "5,330"),
        (1234567.891, "1,234,567.89"),
        (78.5, "78.5"),
        (-2.8333, "−2.83"),
        (0.0123, "0.0123"),
        (2.18e-12, "≈ 0"),
        (float("nan"), "—"),
    ],
)
def test_numbers_are_written_without_exponents_or_needless_decimals(value, text):
    assert format_number(value) == text


def test_a_kpi_chart_lists_each_measurement_by_date_and_its_reference_lines():
    spec = target_chart.kpi_chart(
        title="First response time",
        unit="seconds",
        series=[(dt.date(2026, 2, 1), 5400.0), (dt.date(2026, 1, 1), 6100.0)],
        baseline=6000,
        target=3000,
        target_date=dt.date(2026, 4, 1),
        limits=charts.ControlLimits(centre=5750, lower=4000, upper=5330.4),
    )
    text = chart_text(spec)
    assert text.columns == ["Date", "Measured (seconds)", "Target date (seconds)"]
    assert text.rows == [
        ["1 Jan 2026", "6,100", "—"],
        ["1 Feb 2026", "5,400", "—"],
        ["1 Apr 2026", "—", "3,000"],
    ]
    assert "Baseline 6,000, Target 3,000, UCL 5,330.4, LCL 4,000" in text.summary
    assert "e+" not in text.summary


def test_a_funnel_lists_each_stage_with_its_count():
    text = chart_text(charts.stage_funnel([("Plan", 5), ("Do", 3), ("Check", 2), ("Act", 1)]))
    assert text.rows == [["Plan", "5"], ["Do", "3"], ["Check", "2"], ["Act", "1"]]
    assert text.summary == "Value — Plan: 5, Do: 3, Check: 2, Act: 1."


def test_an_interval_chart_gives_each_variant_its_effect_and_interval_ends():
    spec = experiment_chart.experiment_interval_chart(
        comparisons=[
            {"variant": "B", "relative_effect": 0.071, "relative_ci": (0.036, 0.106), "significant": True},
            {"variant": "C", "relative_effect": -0.01, "relative_ci": (-0.05, 0.03), "significant": False},
        ],
        alpha=0.05,
    )
    text = chart_text(spec)
    effect = "Relative effect"
    assert text.columns[1:] == [f"{effect} (%)", f"{effect}: low end", f"{effect}: high end"]
    assert text.rows == [["B", "7.1", "3.6", "10.6"], ["C", "−1", "−5", "3"]]


def test_a_chart_without_data_says_so():
    assert chart_text({"data": [], "layout": {}}).summary == "No data to show yet."


def test_a_money_chart_lists_months_in_order_with_the_payback_point_between_them():
    lines = SimpleNamespace(one_time_cost=12000.0, recurring_costs=[100.0] * 4, benefits=[3000.0] * 4)
    money = SimpleNamespace(lines=lines, cumulative=[-12000, -9100, -6200, -3300, -400], payback_months=3.4)
    text = chart_text(charts.money_chart(money=money))
    assert [row[0] for row in text.rows] == ["0", "1", "2", "3", "3.4", "4"]
    assert text.rows[1] == ["1", "−9,100", "12,100", "3,000", "—"]
    assert "Net position: 5 values from Month 0 to Month 4, first −12,000, last −400" in text.summary
    assert text.summary.endswith("Payback: 12,340 (Month 3.4).")
