"""How amounts are written, and the currency setting checked at startup."""

import pytest
from django.core.checks import Error
from django.template import Context, Template

from improvement.checks import MSG_BAD_CURRENCY, currency_check
from improvement.currency import format_amount


@pytest.mark.parametrize(
    ("value", "currency", "cents", "text"),
    [
        (12400, "EUR", False, "€12,400"),
        (12399.5, "EUR", False, "€12,400"),
        (-1200.5, "EUR", True, "−€1,200.50"),
        (-0.4, "EUR", False, "€0"),
        (1234567.891, "USD", False, "$1,234,568"),
        (99.5, "GBP", True, "£99.50"),
        (12400, "CHF", False, "CHF\u202f12,400"),
        (-12400, "SEK", False, "−SEK\u202f12,400"),
        (1500.4, "JPY", True, "¥1,500"),
        (1.2345, "KWD", True, "KWD\u202f1.235"),
        (1e300, "EUR", False, "€1" + ",000" * 100),
        (None, "EUR", False, "—"),
        (float("nan"), "EUR", False, "—"),
    ],
)
def test_amounts_are_written_with_the_currency(value, currency, cents, text):
    assert format_amount(value, currency=currency, cents=cents) == text


def test_the_money_filter_uses_the_configured_currency(settings):
    settings.PDCA_CURRENCY = "GBP"
    template = Template(
        '{% load money %}{{ a|money }} {{ b|money:"cents" }} {{ c|money }} {% currency_code %}'
    )
    assert template.render(Context({"a": 12400.4, "b": "3.5", "c": None})) == "£12,400 £3.50 — GBP"


@pytest.mark.parametrize("value", ["EUR", "USD", "CHF", "JPY"])
def test_a_currency_code_passes_the_startup_check(settings, value):
    settings.PDCA_CURRENCY = value
    assert currency_check(None) == []


@pytest.mark.parametrize("value", ["eur", "EURO", "XYZ", "", None, "€"])
def test_anything_but_an_iso_4217_code_fails_the_startup_check(settings, value):
    settings.PDCA_CURRENCY = value
    assert currency_check(None) == [Error(MSG_BAD_CURRENCY.format(value=value), id="improvement.E001")]
