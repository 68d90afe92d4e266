"""Plotly figures of the prioritisation pages: the value–difficulty bubbles and the break-point Pareto.

Built like ``improvement.charts`` (whose layout they share); each page shows the same numbers in a
table, the charts' text equivalent.
"""

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from improvement.charts import COLOR_BASELINE, COLOR_GRID, COLOR_MEASURE, COLOR_TARGET, _layout, figure_spec
from improvement.models.initiatives import HIGH_SCORE
from improvement.prioritisation import ParetoRow
from improvement.selectors.priorities import MatrixCell

QUADRANT_COLORS = {
    "quick_win": "#15803d",
    "major_project": "#2563eb",
    "fill_in": "#ca8a04",
    "thankless": "#b91c1c",
}
# The largest bubble's diameter in pixels.
MAX_BUBBLE = 48
# Between 2 and 3 on the 1–5 scales: where the quadrants meet (3 and above count as high).
QUADRANT_LINE = HIGH_SCORE - 0.5


def matrix_chart(cells: Sequence[MatrixCell], quadrant_labels: dict[str, str]) -> dict:
    """One bubble per occupied point of the 5×5 grid, its area the number of items there."""
    shown = [cell for cell in cells if cell.count]
    largest = max((cell.count for cell in shown), default=1)
    fig = go.Figure(
        go.Scatter(
            x=[cell.difficulty for cell in shown],
            y=[cell.value for cell in shown],
            mode="markers+text",
            text=[cell.count for cell in shown],
            textposition="middle center",
            marker={
                "size": [max(12, MAX_BUBBLE * (cell.count / largest) ** 0.5) for cell in shown],
                "color": [QUADRANT_COLORS[cell.quadrant] for cell in shown],
                "opacity": 0.6,
            },
            customdata=[quadrant_labels[cell.quadrant] for cell in shown],
            hovertemplate=_("Value %{y}, difficulty %{x}: %{text} (%{customdata})") + "<extra></extra>",
            name=_("Items"),
        ),
        layout=_layout(
            xaxis={"title": _("Difficulty"), "range": [0.5, 5.5], "dtick": 1, "gridcolor": COLOR_GRID},
            yaxis={"title": _("Value"), "range": [0.5, 5.5], "dtick": 1, "gridcolor": COLOR_GRID},
            shapes=[
                {
                    "type": "line",
                    "x0": QUADRANT_LINE,
                    "x1": QUADRANT_LINE,
                    "y0": 0.5,
                    "y1": 5.5,
                    "line": {"color": COLOR_BASELINE, "dash": "dot"},
                },
                {
                    "type": "line",
                    "y0": QUADRANT_LINE,
                    "y1": QUADRANT_LINE,
                    "x0": 0.5,
                    "x1": 5.5,
                    "line": {"color": COLOR_BASELINE, "dash": "dot"},
                },
            ],
            showlegend=False,
        ),
    )
    return figure_spec(fig)


def pareto_chart(rows: Sequence[ParetoRow], labels: Sequence[str]) -> dict:
    """Share of items per group (bars, largest first), the cumulative share and the reference share."""
    fig = go.Figure(layout=_layout(yaxis={"title": "%", "range": [0, 105], "gridcolor": COLOR_GRID}))
    fig.add_bar(
        x=list(labels),
        y=[row.share or 0 for row in rows],
        name=_("Share of items"),
        marker={"color": COLOR_MEASURE},
        hovertemplate="%{x}: %{y:.1f} %<extra></extra>",
    )
    fig.add_scatter(
        x=list(labels),
        y=[row.cumulative_share or 0 for row in rows],
        mode="lines+markers",
        name=_("Cumulative share"),
        line={"color": COLOR_BASELINE},
        hovertemplate="%{x}: %{y:.1f} %<extra></extra>",
    )
    if any(row.reference_share is not None for row in rows):
        fig.add_scatter(
            x=list(labels),
            y=[row.reference_share for row in rows],
            mode="markers",
            name=_("Reference mix"),
            marker={"color": COLOR_TARGET, "symbol": "diamond", "size": 12},
            hovertemplate="%{x}: %{y:.0f} %<extra></extra>",
        )
    return figure_spec(fig)
