"""The KPI page's control chart: the latest stretch of a series in phases, each with its own limits
(per point for p, u and Laney P′), and the points of every signal marked. Built from
``kpis.control_chart.ControlChart`` as a plotly spec, like the other charts of the site."""

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from improvement.charts import COLOR_BASELINE, COLOR_LIMIT, COLOR_MEASURE, _layout, figure_spec
from kpis.control_chart import ControlChart

COLOR_SIGNAL = "#b91c1c"
CHART_NAMES = {"xmr": "XmR", "p": "p-chart", "u": "u-chart", "laney_p": "Laney P′"}


def _scaled(value, scale: float):
    return None if value is None else value * scale


def phase_rows(result: ControlChart) -> list[dict]:
    """Per phase: its label, start, points, centre and the periods of its signals (for the page)."""
    rows = []
    for phase in result.phases:
        chart = phase.xmr or phase.attribute
        centre = None
        if phase.xmr is not None:
            centre = phase.xmr.centre
        elif phase.attribute is not None:
            centre = _scaled(phase.attribute.centre, result.scale)
        day = {phase.first_index + at: p.day for at, p in enumerate(phase.periods)}
        rows.append(
            {
                "label": phase.label,
                "starts": phase.starts,
                "points": len(phase.periods),
                "centre": centre,
                "signals": [(s.rule, day[s.index]) for s in (chart.signals if chart else [])],
                "warnings": [*phase.warnings, *(chart.warnings if chart else [])],
            }
        )
    return rows


def control_chart_figure(result: ControlChart, *, unit_label: str) -> dict:
    fig = go.Figure()
    for number, phase in enumerate(result.phases):
        days = [p.day.isoformat() for p in phase.periods]
        if phase.attribute is not None:
            values = [point.value * result.scale for point in phase.attribute.points]
            upper = [_scaled(point.ucl, result.scale) for point in phase.attribute.points]
            lower = [_scaled(point.lcl, result.scale) for point in phase.attribute.points]
            centre = [result.scale * phase.attribute.centre] * len(days)
        else:
            values = [p.value for p in phase.periods]
            chart = phase.xmr
            upper = [chart.ucl if chart else None] * len(days)
            lower = [chart.lcl if chart else None] * len(days)
            centre = [chart.centre if chart else None] * len(days)
        first = number == 0
        fig.add_trace(
            go.Scatter(
                x=days, y=values, mode="lines+markers", name=phase.label, line={"color": COLOR_MEASURE}
            )
        )
        for name, series, dash in (("UCL", upper, "dash"), ("Centre", centre, "dot"), ("LCL", lower, "dash")):
            fig.add_trace(
                go.Scatter(
                    x=days,
                    y=series,
                    mode="lines",
                    name=name,
                    showlegend=first,
                    legendgroup=name,
                    line={
                        "color": COLOR_BASELINE if name == "Centre" else COLOR_LIMIT,
                        "dash": dash,
                        "shape": "hv",
                    },
                )
            )
        members = sorted({at for s in phase.signals for at in phase.members(s)})
        if members:
            fig.add_trace(
                go.Scatter(
                    x=[days[at - phase.first_index] for at in members],
                    y=[values[at - phase.first_index] for at in members],
                    mode="markers",
                    name=_("Signal"),
                    showlegend=first,
                    legendgroup="Signal",
                    marker={"color": COLOR_SIGNAL, "size": 9, "symbol": "circle-open"},
                )
            )
        # A break before the stretch shown would stretch the axis back to it.
        if phase.starts is not None and days and phase.starts.isoformat() >= days[0] and number:
            fig.add_vline(x=phase.starts.isoformat(), line={"color": COLOR_BASELINE, "width": 1})
    fig.update_layout(**_layout(yaxis={"title": unit_label}))
    return figure_spec(fig)
