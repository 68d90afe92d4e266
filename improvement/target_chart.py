"""The chart of a KPI target on the initiative page: measurements, baseline and target lines, the
target date and control limits, written as plain plotly JSON (see ``kpi_chart``)."""

import datetime as dt
from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from common import numbers
from common.dates import date_shift
from improvement.charts import (
    COLOR_BASELINE,
    COLOR_GRID,
    COLOR_LIMIT,
    COLOR_MEASURE,
    COLOR_TARGET,
    ControlLimits,
    _layout,
    date_format,
    figure_spec,
)
from kpis.models import Unit

SINGLE_DATE_MARGIN_DAYS = 15
# The explicit empty template of ``_layout`` as plotly writes it into a figure's JSON.
EMPTY_TEMPLATE = figure_spec(go.Figure(layout={"template": go.layout.Template()}))["layout"]["template"]


# Chart labels are a little smaller than the text, on a light backing so a line under them stays
# legible; limits are labelled at the right, baseline and target at the left, each on the side of
# its line away from its neighbour, so no two labels share a corner.
ANNOTATION_FONT_SIZE = 11
ANNOTATION_BACKGROUND = "rgba(255,255,255,0.85)"
UNIT_CODES = {label: value for value, label in Unit.choices}


def _unit_code(unit: str) -> str:
    """The KPI unit's code, whether given as the code ("percent") or its label ("%")."""
    return unit if unit in Unit.values else UNIT_CODES.get(unit, unit)


# Where plotly puts a horizontal line's label for each ``annotation_position`` of ``add_hline``:
# (x in the axis domain, xanchor, yanchor).
LABEL_ANCHORS = {
    "top left": (0, "left", "bottom"),
    "bottom left": (0, "left", "top"),
    "top right": (1, "right", "bottom"),
    "bottom right": (1, "right", "top"),
}


def _hline(y: float, line: dict) -> dict:
    """A line across the plot at ``y``: what plotly's ``add_hline`` writes into the layout."""
    return {"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": y, "y1": y, "line": line}


def _hline_label(y: float, *, text: str, position: str, color: str) -> dict:
    x, xanchor, yanchor = LABEL_ANCHORS[position]
    return {
        "text": text,
        "showarrow": False,
        "x": x,
        "xref": "x domain",
        "xanchor": xanchor,
        "y": y,
        "yref": "y",
        "yanchor": yanchor,
        "font": {"size": ANNOTATION_FONT_SIZE, "color": color},
        "bgcolor": ANNOTATION_BACKGROUND,
    }


def _plain_layout(**overrides) -> dict:
    """``_layout`` as plain JSON-safe data (the empty template as plotly writes it)."""
    return {**_layout(**overrides), "template": EMPTY_TEMPLATE}


def _day(value: dt.date) -> str:
    return value.isoformat()


def kpi_chart(
    *,
    title: str,
    unit: str,
    series: Sequence[tuple[dt.date, float]],
    baseline: float,
    target: float,
    target_date: dt.date | None = None,
    limits: ControlLimits | None = None,
) -> dict:
    """Measurements over time with the baseline and target lines, and control limits when known.

    ``unit`` is the KPI's unit (code or label); every label and hover value is written with it and
    without e-notation ("UCL 5,330 s", "Target 92.4 %"). Built as plain data, not plotly's figure
    objects: the page draws one per KPI target, and their validation cost more than the rest of
    the page (the result is what ``go.Figure(...).add_hline(...)`` would give).
    """
    code = _unit_code(unit)
    suffix = numbers.UNIT_SUFFIX.get(code, "")
    dates = [period for period, _ in series]
    data = [
        {
            "type": "scatter",
            "x": [_day(period) for period in dates],
            "y": [value for _, value in series],
            "mode": "lines+markers",
            "name": _("Measured"),
            "line": {"color": COLOR_MEASURE, "width": 2},
            "hovertemplate": f"%{{x|{date_format()}}}: %{{y:,.4~r}}{suffix}<extra></extra>",
        }
    ]
    shapes, labels = [], []

    def label_line(y: float, text: str, position: str, line: dict) -> None:
        shapes.append(_hline(y, line))
        labels.append(_hline_label(y, text=text, position=position, color=line["color"]))

    # Baseline and target at the left: the higher one labelled above its line, the lower below.
    upper_side = "top left" if target >= baseline else "bottom left"
    lower_side = "bottom left" if target >= baseline else "top left"
    label_line(
        baseline,
        _("Baseline {value}").format(value=numbers.with_unit(baseline, code)),
        lower_side,
        {"color": COLOR_BASELINE, "dash": "dash"},
    )
    label_line(
        target,
        _("Target {value}").format(value=numbers.with_unit(target, code)),
        upper_side,
        {"color": COLOR_TARGET, "dash": "dash"},
    )
    if limits is not None:
        # Limits at the right: UCL above its line, LCL below its line, away from the centre.
        for value, label, position in (
            (limits.upper, "UCL", "top right"),
            (limits.lower, "LCL", "bottom right"),
        ):
            label_line(
                value,
                f"{label} {numbers.with_unit(value, code)}",
                position,
                {"color": COLOR_LIMIT, "dash": "dot", "width": 1},
            )
        shapes.append(_hline(limits.centre, {"color": COLOR_LIMIT, "width": 1}))
    if target_date is not None:
        data.append(
            {
                "type": "scatter",
                "x": [_day(target_date)],
                "y": [target],
                "mode": "markers",
                "name": _("Target date"),
                "marker": {"color": COLOR_TARGET, "symbol": "star", "size": 12},
                "hovertemplate": _("Target {value} by {date}").format(
                    value=f"%{{y:,.4~r}}{suffix}", date=f"%{{x|{date_format()}}}"
                )
                + "<extra></extra>",
            }
        )
    # Measurements are per period (a day at the finest): never show times of day.
    xaxis = {"type": "date", "tickformat": date_format(), "gridcolor": COLOR_GRID, "zeroline": False}
    shown = [*dates, *([target_date] if target_date else [])]
    if len(set(shown)) == 1:
        # A single date would be stretched over a few milliseconds: give it a month of room.
        xaxis["range"] = [
            _day(date_shift(shown[0], -SINGLE_DATE_MARGIN_DAYS)),
            _day(date_shift(shown[0], SINGLE_DATE_MARGIN_DAYS)),
        ]
    layout = _plain_layout(
        title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        xaxis=xaxis,
        yaxis={
            "title": {"text": str(Unit(code).label) if code in Unit.values else unit},
            "gridcolor": COLOR_GRID,
            "zeroline": False,
            "exponentformat": "none",
            "separatethousands": True,
        },
        margin={"l": 56, "r": 16, "t": 64, "b": 40},
    )
    layout["shapes"], layout["annotations"] = shapes, labels
    return {"data": data, "layout": layout}
