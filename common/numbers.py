"""Numbers as people read them: no scientific notation, thousands separated, p-values bounded.

Plain functions (no Django) used by the template filters in ``common/templatetags/numbers.py`` and
by the chart builders, so a page and its charts write the same number the same way.
"""

import math

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
        return prefix + _power_of_ten(size, digits)
    for threshold, word in LARGE_WORDS:
        if size >= threshold:
            return f"{prefix}{_strip_zeros(f'{size / threshold:.{digits}g}')} {word}"
    if float(size).is_integer() and size >= 10 ** (digits - 1):
        return f"{prefix}{int(size):,}"
    rounded = float(f"{size:.{digits}g}")
    decimals = max(0, digits - 1 - math.floor(math.log10(rounded)))
    return prefix + _strip_zeros(f"{rounded:,.{decimals}f}")


def count(value) -> str:
    """A whole number with thousands separators: 2489 → "2,489"."""
    number = _finite(value)
    return DASH if number is None else f"{round(number):,}".replace("-", MINUS)


def p_value(value) -> str:
    """A p-value for reading: 2.18e-12 → "< 0.001", 0.0234 → "0.023", 0.99991 → "> 0.999"."""
    number = _finite(value)
    if number is None:
        return DASH
    if number < P_FLOOR:
        return f"< {P_FLOOR:g}"
    if number > P_CEILING:
        return f"> {P_CEILING:g}"
    return f"{number:.3f}"


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
    return f"{_strip_zeros(text) if digits < 0 else text} %"


def points(value, digits: int = 1, *, sign: bool = True) -> str:
    """A difference of two rates in percentage points: 0.036 → "+3.6 points"."""
    number = _finite(value)
    if number is None:
        return DASH
    text = f"{100 * number:{'+' if sign else ''}.{digits}f}".replace("-", MINUS)
    return f"{text} points"


def span(low, high, fmt) -> str:
    """An interval for reading: "3.6 to 10.6" (formatted by ``fmt``), or a dash if either end is missing."""
    if _finite(low) is None or _finite(high) is None:
        return DASH
    return f"{fmt(low)} to {fmt(high)}"


def with_unit(value, unit: str, digits: int = SIGNIFICANT_DIGITS, *, sign: bool = False) -> str:
    """A KPI value with its unit: 5327.4 seconds → "5,330 s", 92.43 percent → "92.4 %"."""
    text = readable(value, digits, sign=sign)
    return text if text == DASH else text + UNIT_SUFFIX.get(unit, f" {unit}" if unit else "")
