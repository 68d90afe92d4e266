"""The registry of (app case, raw case) pairs: what the interleaved harness times (bench.interleave).

Each pair is an API request, made through Django's test ``Client`` as the bench's admin (a Bearer
token), and the raw baseline that answers the same bytes (bench/raw.py, bench/raw_series.py), with
the target of issue 19 for app ÷ raw. Before timing, the harness asserts the two answers are equal.
"""

from collections.abc import Callable
from dataclasses import dataclass

from bench.raw import LIST_PAGE, raw_initiatives_page
from bench.raw_series import raw_control_chart, raw_measurements_page

MEASUREMENT_PAGE = 1_000


@dataclass(frozen=True)
class Pair:
    name: str
    # The app's request, given the context (``kpi_code``: the series of the control chart).
    url: Callable[[dict], str]
    raw: Callable[[dict], bytes]
    # The most app ÷ raw (wall-clock median of the per-round ratios) that meets the target.
    target: float
    note: str


PAIRS = (
    Pair(
        "initiatives_list",
        lambda ctx: f"/api/v1/initiatives/?page_size={LIST_PAGE}",
        lambda ctx: raw_initiatives_page(),
        2.0,
        f"page 1 of {LIST_PAGE} by code, with its count",
    ),
    Pair(
        "measurements_page",
        lambda ctx: f"/api/v1/measurements/?page_size={MEASUREMENT_PAGE}",
        lambda ctx: raw_measurements_page(size=MEASUREMENT_PAGE),
        2.0,
        f"first cursor page of {MEASUREMENT_PAGE:,}, newest period first",
    ),
    Pair(
        "control_chart",
        lambda ctx: f"/api/v1/kpis/{ctx['kpi_code']}/control-chart/",
        lambda ctx: raw_control_chart(ctx["kpi_code"]),
        1.5,
        "the first KPI's whole-service series, defaults (latest 365 periods)",
    ),
)
PAIRS_BY_NAME = {pair.name: pair for pair in PAIRS}
