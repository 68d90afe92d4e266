"""Numbers as people read them: no scientific notation, thousands separated, p-values bounded.

Plain functions used by the template filters in ``common/templatetags/numbers.py`` and by the chart
builders, so a page and its charts write the same number the same way. They write in the active
language (Django's): English as always ("1,234.5", "1.23 million"); another language with its own
separators and large-number words from Babel's CLDR data (Simplified Chinese: "123万", "1.23亿").
"""

import math
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_compact_decimal
from django.utils import translation

DASH = "—"
MINUS = "−"
SIGNIFICANT_DIGITS = 3
# Below this a p-value is written "< 0.001": more digits only invite reading noise as precision.
P_FLOOR = 0.001
P_CEILING = 0.999
# Beyond these magnitudes a number is written with a word or a power of ten, never "e+06".
LARGE_WORDS = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))
HUGE = 1e15
TINY = 1e-6
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
# The suffix written after a value of each KPI unit (``kpis.models.Unit``); currency is formatted
# by the money pages, so a bare number here.
UNIT_SUFFIX = {
    "seconds": " s",
    "minutes": " min",
    "hours": " h",
    "percent": " %",
    "score": "",
    "count": "",
    "currency": "",
}


@lru_cache(maxsize=16)
def _babel_locale(language: str) -> Locale | None:
    """Babel's locale for a Django language code ("zh-hans" → zh_Hans); None for English."""
    if not language or language.lower().startswith("en"):
        return None
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return None


def active_locale() -> Locale | None:
    """The active language's Babel locale, or None when numbers are written the English way."""
    return _babel_locale(translation.get_language() or "")


def localize(text: str, locale: Locale | None = None) -> str:
    """English separators ("1,234.5") written as ``locale`` (default: the active language) writes them."""
    locale = locale or active_locale()
    if locale is None:
        return text
    group, decimal = locale.number_symbols["latn"]["group"], locale.number_symbols["latn"]["decimal"]
    if (group, decimal) == (",", "."):
        return text
    return text.translate(str.maketrans({",": "\0", ".": decimal})).replace("\0", group)


def _finite(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _strip_zeros(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _power_of_ten(number: float, digits: int) -> str:
    mantissa, exponent = f"{number:.{digits - 1}e}".split("e")
    return f"{_strip_zeros(mantissa)} × 10{str(int(exponent)).translate(SUPERSCRIPT)}"


def readable(value, digits: int = SIGNIFICANT_DIGITS, *, sign: bool = False) -> str:
    """``digits`` significant digits, thousands separated, never "e+03": 5327.4 → "5,330".

    Whole numbers below a million keep every digit (2489 → "2,489"); millions and more are
    words ("1.23 million"); magnitudes past 10¹⁵ or below 10⁻⁶ are powers of ten ("2.18 × 10⁻⁷").
    ``sign`` writes a plus on positive numbers. None, NaN and infinities are a dash.
    """
    number = _finite(value)
    if number is None:
        return DASH
    prefix = "+" if sign and number > 0 else MINUS if number < 0 else ""
    size = abs(number)
    if size == 0:
        return "0"
    if size >= HUGE or size < TINY:
        return prefix + localize(_power_of_ten(size, digits))
    locale = active_locale()
    if locale is not None and size >= LARGE_WORDS[-1][0]:
        # The language's own words for large numbers (CLDR's long compact format): 1.23 million is
        # "123万" in Chinese, whose words count in ten-thousands.
        rounded = float(f"{size:.{digits}g}")
        compact = format_compact_decimal(rounded, format_type="long", locale=locale, fraction_digits=digits)
        return prefix + compact
    for threshold, word in LARGE_WORDS:
        if size >= threshold:
            return f"{prefix}{_strip_zeros(f'{size / threshold:.{digits}g}')} {word}"
    if float(size).is_integer() and size >= 10 ** (digits - 1):
        return prefix + localize(f"{int(size):,}", locale)
    rounded = float(f"{size:.{digits}g}")
    decimals = max(0, digits - 1 - math.floor(math.log10(rounded)))
    return prefix + localize(_strip_zeros(f"{rounded:,.{decimals}f}"), locale)


def count(value) -> str:
    """A whole number with thousands separators: 2489 → "2,489"."""
    number = _finite(value)
    return DASH if number is None else localize(f"{round(number):,}").replace("-", MINUS)


def p_value(value) -> str:
    """A p-value for reading: 2.18e-12 → "< 0.001", 0.0234 → "0.023", 0.99991 → "> 0.999"."""
    number = _finite(value)
    if number is None:
        return DASH
    if number < P_FLOOR:
        return localize(f"< {P_FLOOR:g}")
    if number > P_CEILING:
        return localize(f"> {P_CEILING:g}")
    return localize(f"{number:.3f}")


def p_statement(value) -> str:
    """A p-value in a sentence: "p = 0.023", "p < 0.001", "p > 0.999"."""
    text = p_value(value)
    return f"p {text}" if text[0] in "<>" else f"p = {text}"


def percent(value, digits: int = 1, *, sign: bool = False) -> str:
    """A fraction as a percentage: 0.4913 → "49.1 %"; ``sign`` adds a plus on gains.

    Negative ``digits`` are at most that many decimals, as Django's floatformat: 0.03 → "3 %".
    """
    number = _finite(value)
    if number is None:
        return DASH
    text = f"{100 * number:{'+' if sign else ''}.{abs(digits)}f}".replace("-", MINUS)
    return f"{localize(_strip_zeros(text) if digits < 0 else text)} %"


def points(value, digits: int = 1, *, sign: bool = True, unit: bool = True) -> str:
    """A difference of two rates in percentage points: 0.036 → "+3.6 points" ("+3.6" without the
    ``unit``, for a sentence that words it itself)."""
    number = _finite(value)
    if number is None:
        return DASH
    text = localize(f"{100 * number:{'+' if sign else ''}.{digits}f}".replace("-", MINUS))
    if not unit:
        return text
    return translation.gettext("%(number)s points") % {"number": text}


def span(low, high, fmt) -> str:
    """An interval for reading: "3.6 to 10.6" (formatted by ``fmt``), or a dash if either end is missing."""
    if _finite(low) is None or _finite(high) is None:
        return DASH
    return translation.gettext("%(low)s to %(high)s") % {"low": fmt(low), "high": fmt(high)}


def with_unit(value, unit: str, digits: int = SIGNIFICANT_DIGITS, *, sign: bool = False) -> str:
    """A KPI value with its unit: 5327.4 seconds → "5,330 s", 92.43 percent → "92.4 %"."""
    text = readable(value, digits, sign=sign)
    return text if text == DASH else text + UNIT_SUFFIX.get(unit, f" {unit}" if unit else "")
