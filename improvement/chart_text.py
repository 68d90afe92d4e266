"""The text alternative of a chart: a summary sentence and a table of the plotted data.

Built from the same plotly figure spec the page draws (``improvement.charts``), so what a screen
reader or a keyboard user reads is exactly what the chart shows. Pure: no Django import.
"""

import base64
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from improvement.words import gettext as _
from improvement.words import gettext_noop

# Column headings, translated where used.
CATEGORY_HEADING = gettext_noop("Label")
DATE_HEADING = gettext_noop("Date")
VALUE_HEADING = gettext_noop("Value")
# Past this many categories a summary names the extremes instead of every value.
MAX_LISTED = 8
# An axis title longer than this is a sentence, not a unit to repeat in column headings.
MAX_UNIT_LENGTH = 24
# Values closer to zero than this are written "≈ 0", never in scientific notation.
TINY = 0.001
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
# A reference line's label ends with its value as drawn ("UCL 5,330 s", "Target 92.4 %"): the text
# alternative names the line and writes its exact value instead.
TRAILING_NUMBER = re.compile(r"\s*[−+-]?[€$£]?[\d.,]+(?:e[+-]?\d+)?(?:\s*[^\d\s]{1,12})?\s*$")


@dataclass(frozen=True)
class ChartText:
    summary: str
    columns: list[str]
    rows: list[list[str]]


def format_number(value: float) -> str:
    """A number as a reader writes it: thousands separated, no exponent, no needless decimals."""
    if value != value:  # NaN
        return "—"
    if value == 0:
        return "0"
    if abs(value) < TINY:
        return "≈ 0"
    if float(value).is_integer():
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{value:.3g}"
    return text.replace("-", "−")


def _format_category(value) -> str:
    if isinstance(value, str) and ISO_DATE.match(value):
        day = dt.date.fromisoformat(value[:10])
        return f"{day.day} {day:%b %Y}"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value)
    return str(value)


def _values(array) -> list:
    """A plotly data array: a plain list, or the typed-array form plotly uses for numpy data."""
    if array is None:
        return []
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    if isinstance(array, list | tuple):
        return list(array)
    return [array]


def _axis_title(layout: dict, axis: str) -> str:
    title = (layout.get(axis) or {}).get("title")
    if isinstance(title, dict):
        return title.get("text") or ""
    return title or ""


def _is_numeric(values: Sequence) -> bool:
    return bool(values) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)


@dataclass
class _Series:
    name: str
    horizontal: bool
    categories: list
    values: list[float]
    low: list[float] | None = None
    high: list[float] | None = None


def _series(trace: dict, index: int) -> _Series | None:
    x, y = _values(trace.get("x")), _values(trace.get("y"))
    horizontal = trace.get("type") == "funnel" or trace.get("orientation") == "h"
    if not horizontal and _is_numeric(x) and not _is_numeric(y) and y:
        horizontal = True
    categories, values, error = (y, x, trace.get("error_x")) if horizontal else (x, y, trace.get("error_y"))
    if not values or not _is_numeric(values):
        return None
    if not categories:
        categories = list(range(len(values)))
    value = _(VALUE_HEADING)
    name = trace.get("name") or (
        value if index == 0 else _("{value} {number}").format(value=value, number=index + 1)
    )
    series = _Series(name=name, horizontal=horizontal, categories=categories, values=values)
    if isinstance(error, dict) and error.get("type") == "data" and error.get("array") is not None:
        plus = _values(error.get("array"))
        minus = plus if error.get("symmetric", True) else _values(error.get("arrayminus"))
        if len(plus) == len(values) == len(minus):
            series.low = [v - m for v, m in zip(values, minus, strict=True)]
            series.high = [v + p for v, p in zip(values, plus, strict=True)]
    return series


def _reference_lines(layout: dict) -> list[str]:
    lines = []
    for note in layout.get("annotations") or []:
        text = note.get("text") or ""
        if note.get("yref") == "y" and isinstance(note.get("y"), int | float):
            label = TRAILING_NUMBER.sub("", text) or text
            lines.append(f"{label} {format_number(note['y'])}")
        elif text:
            lines.append(text)
    return lines


def _describe(series: _Series, heading: str) -> str:
    def format_category(value) -> str:
        # "Month 3", not a bare "3", when the categories are numbers along a titled axis.
        text = _format_category(value)
        if _is_numeric([value]) and heading != _(CATEGORY_HEADING):
            return _("{heading} {category}").format(heading=heading, category=text)
        return text

    pairs = list(zip(series.categories, series.values, strict=True))
    if len(pairs) == 1:
        category, value = pairs[0]
        return _("{series}: {value} ({category})").format(
            series=series.name, value=format_number(value), category=format_category(category)
        )
    if len(pairs) <= MAX_LISTED and not all(isinstance(c, int | float) for c in series.categories):
        values = _(", ").join(
            _("{category}: {value}").format(category=format_category(c), value=format_number(v))
            for c, v in pairs
        )
        return _("{series} — {values}").format(series=series.name, values=values)
    (first_c, first_v), (last_c, last_v) = pairs[0], pairs[-1]
    return _(
        "{series}: {count} values from {start} to {end}, first {first}, last {last}, "
        "lowest {lowest}, highest {highest}"
    ).format(
        series=series.name,
        count=len(pairs),
        start=format_category(first_c),
        end=format_category(last_c),
        first=format_number(first_v),
        last=format_number(last_v),
        lowest=format_number(min(series.values)),
        highest=format_number(max(series.values)),
    )


def chart_text(spec: dict) -> ChartText:
    """Summary and table of a plotly figure spec (``{"data": [...], "layout": {...}}``).

    One row per category (date, month, stage, variant) in the order first plotted, one column per
    trace, with the low and high ends of its error bars when it has them; cells a trace does not
    cover are "—". The summary names each trace's values and the reference lines.
    """
    layout = spec.get("layout") or {}
    series = [s for i, trace in enumerate(spec.get("data") or []) if (s := _series(trace, i)) is not None]
    if not series:
        return ChartText(summary=_("No data to show yet."), columns=[], rows=[])

    order: list = []
    for s in series:
        order += [c for c in s.categories if c not in order]
    category_axis, value_axis = ("yaxis", "xaxis") if series[0].horizontal else ("xaxis", "yaxis")
    if all(isinstance(c, str) and ISO_DATE.match(c) for c in order):
        order.sort()
        heading = _(DATE_HEADING)
    else:
        if _is_numeric(order):
            order.sort()
        heading = _axis_title(layout, category_axis) or _(CATEGORY_HEADING)
    unit = ((layout.get(value_axis) or {}).get("ticksuffix") or "").strip()
    if not unit and len(_axis_title(layout, value_axis)) <= MAX_UNIT_LENGTH:
        unit = _axis_title(layout, value_axis)
    columns = [heading]
    for s in series:
        columns.append(f"{s.name} ({unit})" if unit and unit not in s.name else s.name)
        if s.low is not None:
            columns += [
                _("{series}: low end").format(series=s.name),
                _("{series}: high end").format(series=s.name),
            ]

    cells: dict = {c: [] for c in order}
    for s in series:
        by_category = {c: i for i, c in enumerate(s.categories)}
        for category in order:
            i = by_category.get(category)
            cells[category].append("—" if i is None else format_number(s.values[i]))
            if s.low is not None:
                cells[category] += (
                    ["—", "—"] if i is None else [format_number(s.low[i]), format_number(s.high[i])]
                )
    rows = [[_format_category(c), *cells[c]] for c in order]

    parts = [_describe(s, heading) for s in series]
    lines = _reference_lines(layout)
    if lines:
        parts.append(_("reference lines: {lines}").format(lines=_(", ").join(lines)))
    summary = _("{parts}.").format(parts=_("; ").join(parts))
    return ChartText(summary=summary[0].upper() + summary[1:], columns=columns, rows=rows)
