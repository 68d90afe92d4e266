"""Plotly figures for the site, built from selector data and handed to the page as JSON.

Pages embed each figure with ``json_script`` and ``static/js/charts.js`` draws it with the
plotly.min.js that ships inside the installed plotly package (served by ``PlotlyJsFinder``), so no
chart asset comes from the internet and no inline script is needed.
"""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import plotly
import plotly.graph_objects as go
from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from django.utils import translation
from django.utils.translation import gettext as _

from kpis.stats.spc import MIN_BASELINE_POINTS, xmr_chart

PLOTLY_JS_DIR = Path(plotly.__file__).resolve().parent / "package_data"
PLOTLY_JS_NAME = "plotly.min.js"
PLOTLY_STATIC_PREFIX = "plotly"
PLOTLY_STATIC_PATH = f"{PLOTLY_STATIC_PREFIX}/{PLOTLY_JS_NAME}"

COLOR_TEXT = "#1f2933"
COLOR_GRID = "#e4e7eb"
COLOR_MEASURE = "#2563eb"
COLOR_BASELINE = "#6b7280"
COLOR_TARGET = "#15803d"
COLOR_LIMIT = "#b45309"
COLOR_COST = "#b91c1c"
COLOR_BENEFIT = "#15803d"
COLOR_NET = "#2563eb"
STAGE_COLORS = ["#6366f1", "#0891b2", "#ca8a04", "#16a34a"]
HEALTH_COLORS = {"on_track": "#16a34a", "at_risk": "#d97706", "off_track": "#dc2626"}
CHART_HEIGHT = 300
SMALL_CHART_HEIGHT = 240


class PlotlyJsFinder(BaseFinder):
    """Finds ``plotly/plotly.min.js`` inside the installed plotly package, and nothing else there."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=PLOTLY_JS_DIR)
        self.storage.prefix = PLOTLY_STATIC_PREFIX

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        if path != PLOTLY_STATIC_PATH:
            return [] if find_all else None
        found = str(PLOTLY_JS_DIR / PLOTLY_JS_NAME)
        return [found] if find_all else found

    def list(self, ignore_patterns):
        yield PLOTLY_JS_NAME, self.storage


def _layout(**overrides) -> dict:
    layout = {
        # An explicit empty template keeps plotly's large default template out of every page.
        "template": go.layout.Template(),
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "color": COLOR_TEXT},
        "height": CHART_HEIGHT,
        "margin": {"l": 56, "r": 16, "t": 40, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "xaxis": {"gridcolor": COLOR_GRID, "zeroline": False},
        "yaxis": {"gridcolor": COLOR_GRID, "zeroline": False},
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "hovermode": "closest",
    }
    layout.update(overrides)
    return layout


def figure_spec(fig: go.Figure) -> dict:
    """Plain JSON-safe data and layout, ready for Django's ``json_script``."""
    return json.loads(fig.to_json())


@dataclass(frozen=True)
class ControlLimits:
    centre: float
    lower: float
    upper: float


def _cumulative_costs(one_time: float, recurring: Sequence[float]) -> list[float]:
    totals, running = [one_time], one_time
    for amount in recurring:
        running += amount
        totals.append(running)
    return totals


def _cumulative_benefits(benefits: Sequence[float]) -> list[float]:
    totals, running = [0.0], 0.0
    for amount in benefits:
        running += amount
        totals.append(running)
    return totals


def _at(points: Sequence[float], month: float) -> float:
    low = min(math.floor(month), len(points) - 1)
    high = min(low + 1, len(points) - 1)
    return points[low] + (points[high] - points[low]) * (month - low)


def _month_hover(sentence: str) -> str:
    """A money chart's hover text: ``sentence`` with plotly's month and amount placeholders."""
    return sentence.format(month="%{x}", amount=f"%{{y:,.0f}} {settings.PDCA_CURRENCY}") + "<extra></extra>"


# Plotly's (d3's) date format for the axes and hover texts, by language: English "01 May 2026".
DATE_FORMATS = {"zh-hans": "%Y年%-m月%-d日"}


def date_format() -> str:
    return DATE_FORMATS.get((translation.get_language() or "").lower(), "%d %b %Y")


def money_chart(*, money) -> dict:
    """Cumulative cost against cumulative benefit by month, with the payback point marked.

    ``money`` is an ``improvement.roi_figures.Money`` (an initiative's or the portfolio's).
    """
    costs = _cumulative_costs(money.lines.one_time_cost, money.lines.recurring_costs)
    benefits = _cumulative_benefits(money.lines.benefits)
    months = list(range(len(costs)))
    fig = go.Figure(
        layout=_layout(
            xaxis={"title": _("Month"), "dtick": 1, "gridcolor": COLOR_GRID, "zeroline": False},
            yaxis={
                "title": _("Amount ({currency})").format(currency=settings.PDCA_CURRENCY),
                "gridcolor": COLOR_GRID,
                "zeroline": True,
                "zerolinecolor": "#9aa5b1",
            },
        )
    )
    fig.add_trace(
        go.Bar(
            x=months,
            y=list(money.cumulative),
            name=_("Net position"),
            marker={"color": COLOR_NET, "opacity": 0.25},
            hovertemplate=_month_hover(_("Month {month}: net {amount}")),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=costs,
            mode="lines+markers",
            name=_("Cumulative cost"),
            line={"color": COLOR_COST, "width": 2},
            hovertemplate=_month_hover(_("Month {month}: cost {amount}")),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=months,
            y=benefits,
            mode="lines+markers",
            name=_("Cumulative benefit"),
            line={"color": COLOR_BENEFIT, "width": 2},
            hovertemplate=_month_hover(_("Month {month}: benefit {amount}")),
        )
    )
    if money.payback_months is not None:
        month = money.payback_months
        fig.add_trace(
            go.Scatter(
                x=[month],
                y=[_at(costs, month)],
                mode="markers+text",
                name=_("Payback"),
                text=[_("Payback {months} mo").format(months=f"{month:.1f}")],
                textposition="top center",
                marker={"color": COLOR_TEXT, "size": 12, "symbol": "diamond"},
                hovertemplate=_("Payback after {months} months").format(months="%{x:.1f}")
                + "<extra></extra>",
            )
        )
    return figure_spec(fig)


def stage_funnel(counts: Sequence[tuple[str, int]]) -> dict:
    """Initiatives per PDCA stage, as a funnel; ``counts`` is (label, count) in stage order."""
    fig = go.Figure(
        go.Funnel(
            y=[label for label, _ in counts],
            x=[count for _, count in counts],
            marker={"color": STAGE_COLORS[: len(counts)]},
            connector={"fillcolor": COLOR_GRID, "line": {"width": 0}},
            textinfo="value",
            hovertemplate="%{y}: %{x}<extra></extra>",
        ),
        layout=_layout(height=SMALL_CHART_HEIGHT, margin={"l": 64, "r": 16, "t": 16, "b": 16}),
    )
    return figure_spec(fig)


def health_chart(counts: Sequence[tuple[str, str, int]]) -> dict:
    """Initiatives per health; ``counts`` is (value, label, count)."""
    fig = go.Figure(
        go.Bar(
            x=[label for _, label, _ in counts],
            y=[count for _, _, count in counts],
            marker={"color": [HEALTH_COLORS.get(value, COLOR_BASELINE) for value, _, _ in counts]},
            text=[count for _, _, count in counts],
            textposition="auto",
            hovertemplate="%{x}: %{y}<extra></extra>",
        ),
        layout=_layout(
            height=SMALL_CHART_HEIGHT,
            margin={"l": 40, "r": 16, "t": 16, "b": 40},
            yaxis={"gridcolor": COLOR_GRID, "dtick": 1, "rangemode": "tozero"},
            showlegend=False,
        ),
    )
    return figure_spec(fig)


def control_limits(values: Sequence[float], *, baseline_points: int | None = None) -> ControlLimits | None:
    """XmR (individuals) chart limits of a KPI's series, drawn on its chart; None when not computable.

    The first ``baseline_points`` values set the limits (all of them when fewer than two are given),
    as ``kpis.stats.spc.xmr_chart`` computes them: centre ± 2.66 × mean moving range.
    """
    if len(values) < MIN_BASELINE_POINTS:
        return None
    end = baseline_points if baseline_points and baseline_points >= MIN_BASELINE_POINTS else None
    chart = xmr_chart(values, baseline_end=end)
    if chart.centre is None:
        return None
    return ControlLimits(centre=chart.centre, lower=chart.lcl, upper=chart.ucl)
