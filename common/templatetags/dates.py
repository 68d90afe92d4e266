"""Dates as each language writes them: ``{% load dates %}`` then ``{{ value|local_date:"j M Y" }}``.

The argument is the English format (Django's ``date`` syntax) and English output is exactly
``value|date:"j M Y"``; another language writes the same date its own way, from ``FORMATS``
("3 Dec 2026" in English is "2026年12月3日" in Simplified Chinese). A format a language has no
entry for is used as given (month and day names are still translated by Django).
"""

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import translation
from django.utils.formats import date_format

register = template.Library()

# English format → the language's. Keys are language codes as ``translation.get_language()`` gives.
FORMATS = {
    "zh-hans": {
        "j M Y": "Y年n月j日",
        "j F Y": "Y年n月j日",
        "j M Y H:i": "Y年n月j日 H:i",
        "j M Y, H:i": "Y年n月j日 H:i",
        "j M Y, H:i e": "Y年n月j日 H:i e",
        "j M": "n月j日",
        "M Y": "Y年n月",
        "F Y": "Y年n月",
        "D j M": "n月j日 D",
        "D j M Y": "Y年n月j日 D",
    },
}


def localized_format(english: str, language: str | None = None) -> str:
    """The format ``language`` (default: the active one) uses for the English ``english``."""
    language = (language or translation.get_language() or "").lower()
    return FORMATS.get(language, {}).get(english, english)


def local_date_format(value, english_format: str = "j M Y") -> str:
    """For Python code (chart text, form widgets): ``date_format`` in the active language's form of
    ``english_format``; English output is ``date_format(value, english_format)``."""
    return date_format(value, localized_format(english_format))


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value, english_format="j M Y"):
    """``{{ due|local_date }}`` → "3 Dec 2026" / "2026年12月3日"; ``{{ at|local_date:"j M Y, H:i" }}``."""
    return date_filter(value, localized_format(english_format))
