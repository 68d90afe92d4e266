"""The currency every amount is in, and how the site writes an amount. Pure: no Django.

The site keeps one currency (``PDCA_CURRENCY``, an ISO 4217 code; EUR by default): amounts are
stored as plain decimals and every page, export and API payload names this currency. Amounts are
written the English way unless a ``locale`` (Babel's, "zh_Hans") is given: then with that language's
currency pattern, symbol and separators from Babel's CLDR data.
"""

import math
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern, parse_pattern

DEFAULT_CURRENCY = "EUR"
MINUS = "\u2212"
# A narrow no-break space between a code and the amount: "CHF 12,400" never wraps.
CODE_SEPARATOR = "\u202f"

# Enough digits to quantize any finite float (up to ~1.8e308) without an InvalidOperation.
WIDE = Context(prec=400)

# ISO 4217 active currency codes (funds and precious metals left out).
ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
    GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
    KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
    NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
    SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED
    VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
    """.split()  # noqa: SIM905 -- a table of codes reads better as whitespace-separated text
)
# Symbols that name one currency without doubt on an English-language site; others print their code.
SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥", "INR": "₹", "KRW": "₩", "ILS": "₪"}
# Minor units differ from 2 for these (ISO 4217's exponent).
MINOR_UNITS = {
    **dict.fromkeys(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX"], 0),
    **dict.fromkeys(["VND", "VUV", "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}


def is_currency_code(code: object) -> bool:
    return isinstance(code, str) and code in ISO_4217


def minor_units(code: str) -> int:
    return MINOR_UNITS.get(code, 2)


@lru_cache(maxsize=16)
def _currency_pattern(locale: str, decimals: int) -> tuple[Locale, NumberPattern] | None:
    try:
        parsed = Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return None
    pattern = parse_pattern(parsed.currency_formats["standard"].pattern)
    pattern.frac_prec = (decimals, decimals)
    return parsed, pattern


def format_amount(
    value: float | None, *, currency: str, cents: bool = False, locale: str | None = None
) -> str:
    """An amount as the site writes it: "€12,400", "−€1,200.50", "CHF 12,400"; "—" for nothing.

    Whole units unless ``cents`` (then the currency's own minor units). Grouped by commas, the
    sign before the symbol, a true minus sign. With a non-English ``locale`` ("zh_Hans", "de"), that
    language's pattern: "€12,400" in Chinese, "12.400 €" in German.
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    decimals = minor_units(currency) if cents else 0
    # Half up from the number as written (1.2345 → 1.235), not from its binary float.
    step = Decimal(1).scaleb(-decimals)
    rounded = Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP, context=WIDE)
    babel = None if not locale or locale.lower().startswith("en") else _currency_pattern(locale, decimals)
    if babel is not None:
        parsed, pattern = babel
        return pattern.apply(rounded, parsed, currency=currency, currency_digits=False).replace("-", MINUS)
    digits = f"{abs(rounded):,.{decimals}f}"
    sign = MINUS if rounded < 0 else ""
    symbol = SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{currency}{CODE_SEPARATOR}{digits}"
