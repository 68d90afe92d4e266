"""Amounts in the site's currency: ``{{ money.npv|money }}``, ``{{ line.amount|money:"cents" }}``."""

from django import template
from django.conf import settings
from django.utils import translation

from improvement.currency import format_amount

register = template.Library()


@register.filter
def money(value, precision: str = "") -> str:
    """Whole units by default; ``"cents"`` keeps the currency's minor units (monthly lines)."""
    if value in ("", None):
        return format_amount(None, currency=settings.PDCA_CURRENCY)
    # The active language's way of writing amounts (English as always; improvement/currency.py).
    locale = translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
    return format_amount(
        float(value), currency=settings.PDCA_CURRENCY, cents=precision == "cents", locale=locale
    )


@register.simple_tag
def currency_code() -> str:
    return settings.PDCA_CURRENCY
