"""The experiment page's chart: each treatment's relative effect against the control with its interval.

Built with the figure conventions of ``improvement.charts`` (layout, colours, sizes).
"""

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from improvement.charts import (
    COLOR_BASELINE,
    COLOR_COST,
    COLOR_GRID,
    COLOR_TARGET,
    COLOR_TEXT,
    SMALL_CHART_HEIGHT,
    _layout,
    figure_spec,
)


def experiment_interval_chart(*, comparisons: Sequence[dict], alpha: float) -> dict | None:
    """Relative effect of each treatment against the control with its confidence interval, in %.

    ``comparisons`` are the ``comparisons`` of ``experiment_results``; those without an interval
    are left out (their warnings say why). None when there is nothing to draw.
    """
    shown = [c for c in comparisons if c["relative_effect"] is not None and c["relative_ci"] is not None]
    if not shown:
        return None
    names = [c["variant"] for c in shown]
    effects = [100 * c["relative_effect"] for c in shown]
    colors = [
        COLOR_TARGET
        if c["significant"] and c["relative_effect"] > 0
        else COLOR_COST
        if c["significant"]
        else COLOR_BASELINE
        for c in shown
    ]
    fig = go.Figure(
        go.Scatter(
            x=effects,
            y=names,
            mode="markers",
            name=_("Relative effect"),
            marker={"color": colors, "size": 11},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [100 * c["relative_ci"][1] - e for c, e in zip(shown, effects, strict=True)],
                "arrayminus": [e - 100 * c["relative_ci"][0] for c, e in zip(shown, effects, strict=True)],
                "color": COLOR_TEXT,
                "thickness": 1.5,
                "width": 6,
            },
            hovertemplate="%{y}: %{x:.2f} %<extra></extra>",
        ),
        layout=_layout(
            height=max(SMALL_CHART_HEIGHT // 2 + 60 * len(shown), SMALL_CHART_HEIGHT // 2 + 60),
            xaxis={
                "title": _("Relative effect vs control ({confidence} CI)").format(
                    confidence=f"{100 * (1 - alpha):g} %"
                ),
                "gridcolor": COLOR_GRID,
                "zeroline": False,
                "ticksuffix": " %",
            },
            yaxis={"gridcolor": COLOR_GRID, "zeroline": False, "automargin": True},
            margin={"l": 80, "r": 16, "t": 16, "b": 48},
            showlegend=False,
        ),
    )
    fig.add_vline(x=0, line={"color": COLOR_BASELINE, "dash": "dash"})
    return figure_spec(fig)
