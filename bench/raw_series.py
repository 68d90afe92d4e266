"""The raw baseline of the control chart, and an interleaved app-vs-raw timer.

``raw_control_chart`` answers what ``GET /api/v1/kpis/{code}/control-chart/`` answers with its
defaults (the latest ``limit`` periods, the limits from them), byte for byte: one SQL query, the
same pure XmR computation (``kpis.stats.spc``), its own dict and orjson. What the API adds on top is
ours to shrink: authentication, throttling, parameter checks, the KPI lookup and the answer's ETag.

The SQL (reviewed with EXPLAIN ANALYZE on the large bench database):
- ``edge``: the oldest period read, ``DISTINCT period … ORDER BY period DESC OFFSET n − 1`` on the
  (kpi, segment, period) index, backwards, stopping after n periods;
- ``total``: the series' period count, an index-only scan of the series (InitPlan, once);
- the rows from the edge on, an index range scan of the same index.
"""

import statistics
import time
from collections.abc import Callable

from kpis.stats.spc import LOOKBACK_POINTS

RAW_CONTROL_CHART_SQL = """
WITH kpi AS (SELECT id FROM kpis_kpi WHERE code = %(code)s),
edge AS (
    SELECT DISTINCT period FROM kpis_measurement
    WHERE kpi_id = (SELECT id FROM kpi) AND segment = %(segment)s
    ORDER BY period DESC OFFSET %(offset)s LIMIT 1
)
SELECT m.period, m.value,
       (SELECT count(*) FROM (SELECT DISTINCT period FROM kpis_measurement
                              WHERE kpi_id = (SELECT id FROM kpi) AND segment = %(segment)s) s)
FROM kpis_measurement m
WHERE m.kpi_id = (SELECT id FROM kpi) AND m.segment = %(segment)s
  AND m.period >= COALESCE((SELECT period FROM edge), '-infinity'::date)
ORDER BY m.period
"""


def raw_control_chart(code: str, *, segment: str = "", limit: int = 365) -> bytes:
    """The control chart's default answer for the KPI ``code``, from one SQL query and orjson."""
    import orjson
    from django.db import connection

    from kpis.selectors import period_mean
    from kpis.stats.spc import RULE_NAMES, xmr_chart_window

    with connection.cursor() as cursor:
        cursor.execute(
            RAW_CONTROL_CHART_SQL, {"code": code, "segment": segment, "offset": limit + LOOKBACK_POINTS - 1}
        )
        rows = cursor.fetchall()
    total = rows[0][2] if rows else 0
    by_period: dict = {}
    for period, value, _ in rows:
        by_period.setdefault(period, []).append(value)
    periods = list(by_period)
    values = [period_mean(vs) for vs in by_period.values()]
    shown_from = max(0, len(values) - limit)
    shown = values[shown_from:]
    first = total - len(shown)
    chart = xmr_chart_window(
        values, baseline=shown, shown_from=shown_from, first_index=first, in_baseline=[True] * len(shown)
    )
    day = {index: period.isoformat() for index, period in enumerate(periods[shown_from:], start=first)}
    answer = {
        "kpi": code,
        "segment": segment,
        "points_total": total,
        "truncated": total > len(shown),
        "limit": limit,
        "limits": {
            "centre": chart.centre,
            "ucl": chart.ucl,
            "lcl": chart.lcl,
            "sigma": chart.sigma,
            "mean_moving_range": chart.mean_moving_range,
            "moving_range_ucl": chart.moving_range_ucl,
            "baseline_start": day[first],
            "baseline_end": day[first + len(shown) - 1],
        },
        "points": [
            {
                "index": p.index,
                "period": day[p.index],
                "value": p.value,
                "moving_range": p.moving_range,
                "in_baseline": p.in_baseline,
            }
            for p in chart.points
        ],
        "signals": [
            {"rule": s.rule, "description": RULE_NAMES[s.rule], "index": s.index, "period": day[s.index]}
            for s in chart.signals
        ],
        "warnings": chart.warnings,
    }
    return orjson.dumps(answer)


def interleaved(
    app: Callable[[], object], raw: Callable[[], object], *, rounds: int, warmup: int = 5
) -> dict:
    """``app`` and ``raw`` called alternately (``rounds`` times each, after ``warmup`` of each), so
    both see the same machine load: the wall-clock and this process's CPU medians in ms, and their
    ratios. On a busy machine the CPU ratio is the steadier one; it leaves out the database's time."""
    for _ in range(warmup):
        app()
        raw()
    times: dict[str, list[float]] = {"app": [], "raw": [], "app_cpu": [], "raw_cpu": []}
    for _ in range(rounds):
        for name, fn in (("app", app), ("raw", raw)):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[f"{name}_cpu"].append((time.process_time() - cpu) * 1000)
            times[name].append((time.perf_counter() - wall) * 1000)
    median = {name: statistics.median(values) for name, values in times.items()}
    return {
        "app_median_ms": round(median["app"], 2),
        "raw_median_ms": round(median["raw"], 2),
        "ratio": round(median["app"] / median["raw"], 2),
        "app_cpu_ms": round(median["app_cpu"], 2),
        "raw_cpu_ms": round(median["raw_cpu"], 2),
        "cpu_ratio": round(median["app_cpu"] / median["raw_cpu"], 2),
        "rounds": rounds,
    }
