"""Numbers on pages: no scientific notation, p-values bounded, rate differences in points."""

import math

import pytest
from django.template import Context, Template

from common import numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5327.4, "5,330"),
        (5330.0, "5,330"),
        (2489, "2,489"),
        (92.43, "92.4"),
        (24.0, "24"),
        (0.5, "0.5"),
        (0.012345, "0.0123"),
        (-3.14159, "−3.14"),
        (1_234_567.0, "1.23 million"),
        (2_500_000_000, "2.5 billion"),
        (2.18e-7, "2.18 × 10⁻⁷"),
        (3.1e20, "3.1 × 10²⁰"),
        (0, "0"),
        (None, "—"),
        (math.nan, "—"),
        (math.inf, "—"),
    ],
)
def test_readable_numbers_never_use_e_notation(value, expected):
    assert numbers.readable(value) == expected


def test_readable_can_sign_gains():
    assert numbers.readable(0.25, sign=True) == "+0.25"
    assert numbers.readable(-0.25, sign=True) == "−0.25"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.18e-12, "< 0.001"),
        (0.0009999, "< 0.001"),
        (0.001, "0.001"),
        (0.0234, "0.023"),
        (0.5, "0.500"),
        (0.99991, "> 0.999"),
        (None, "—"),
    ],
)
def test_p_values_are_bounded_and_plain(value, expected):
    assert numbers.p_value(value) == expected


def test_rate_differences_are_points_and_rates_are_percentages():
    assert numbers.points(0.036) == "+3.6 points"
    assert numbers.points(-0.0125, 2) == "−1.25 points"
    assert numbers.points(0.036, sign=False) == "3.6 points"
    assert numbers.percent(0.4913) == "49.1 %"
    assert numbers.percent(0.4913, 0) == "49 %"
    assert numbers.percent(0.03, -1) == "3 %"
    assert numbers.percent(0.025, -1) == "2.5 %"
    assert numbers.percent(0.034, sign=True) == "+3.4 %"
    assert numbers.count(2489) == "2,489"
    assert numbers.span(0.036, 0.106, lambda v: numbers.points(v, sign=False)) == "3.6 points to 10.6 points"


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (5327.4, "seconds", "5,330 s"),
        (92.43, "percent", "92.4 %"),
        (4.21, "score", "4.21"),
        (12.5, "minutes", "12.5 min"),
        (1200, "count", "1,200"),
        (None, "seconds", "—"),
    ],
)
def test_kpi_values_carry_their_unit(value, unit, expected):
    assert numbers.with_unit(value, unit) == expected


def test_the_template_filters_write_the_same_formats():
    template = Template(
        "{% load numbers %}{{ p|p_value }} | {{ d|points }} | {{ n|count }} | {{ x|readable }} | "
        "{{ r|percent:0 }} | {{ v|with_unit:'seconds' }} | {{ s|signed }}"
    )
    html = template.render(
        Context({"p": 2.18e-12, "d": 0.036, "n": 2489, "x": 5.33e3, "r": 0.49, "v": 5327.4, "s": 0.2})
    )
    # Escaped as HTML, read as "< 0.001".
    assert html == "&lt; 0.001 | +3.6 points | 2,489 | 5,330 | 49 % | 5,330 s | +0.2"


def test_a_p_value_in_a_sentence_never_reads_p_equals_less_than():
    assert numbers.p_statement(0.0234) == "p = 0.023"
    assert numbers.p_statement(2.18e-12) == "p < 0.001"
    assert numbers.p_statement(0.9999) == "p > 0.999"
    assert numbers.p_statement(None) == "p = —"
