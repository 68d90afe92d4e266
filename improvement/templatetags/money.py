"""Amounts in the site's currency: ``{{ money.npv|money }}``, ``{{ line.amount|money:"cents" }}``."""

from django import template
from django.conf import settings

from improvement.currency import format_amount

register = template.Library()


@register.filter
def money(value, precision: str = "") -> str:
    """Whole units by default; ``"cents"`` keeps the currency's minor units (monthly lines)."""
    if value in ("", None):
        return format_amount(None, currency=settings.PDCA_CURRENCY)
    return format_amount(float(value), currency=settings.PDCA_CURRENCY, cents=precision == "cents")


@register.simple_tag
def currency_code() -> str:
    return settings.PDCA_CURRENCY
