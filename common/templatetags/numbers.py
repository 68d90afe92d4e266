"""Template filters for numbers people read: ``{% load numbers %}`` then ``{{ p|p_value }}``.

The formats live in ``common.numbers``; these are their names in templates.
"""

from django import template

from common import numbers

register = template.Library()


@register.filter
def readable(value, digits=numbers.SIGNIFICANT_DIGITS):
    """3 significant digits, separators, no "e+03": ``{{ 5327.4|readable }}`` → 5,330."""
    return numbers.readable(value, int(digits))


@register.filter
def signed(value, digits=numbers.SIGNIFICANT_DIGITS):
    """Like ``readable`` with a plus on positive numbers."""
    return numbers.readable(value, int(digits), sign=True)


@register.filter
def count(value):
    return numbers.count(value)


@register.filter
def p_value(value):
    return numbers.p_value(value)


@register.filter
def p_statement(value):
    return numbers.p_statement(value)


@register.filter
def percent(value, digits=1):
    return numbers.percent(value, int(digits))


@register.filter
def points(value, digits=1):
    return numbers.points(value, int(digits))


@register.filter
def with_unit(value, unit):
    return numbers.with_unit(value, unit)
