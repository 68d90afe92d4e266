"""The raw baselines of the series reads: the measurements cursor page and the control chart.

Both answer what the API answers, byte for byte (the bench and tests/bench/test_raw_baselines.py
assert it), with the same count strategy: the cursor page counts nothing; the control chart counts
the series' periods, as the app does.

``raw_measurements_page`` answers ``GET /api/v1/measurements/?page_size=n`` (the first page, newest
period first, ties newest id first): one query of ``n + 1`` rows — the extra row tells whether a page
follows, as DRF's cursor paginator reads it — a backward scan of the (period, id) index joined to the
KPI by primary key; the ``next`` cursor computed as DRF computes it (the period of the row after the
page, the offset among the rows sharing it); orjson.

``raw_control_chart`` answers what ``GET /api/v1/kpis/{code}/control-chart/`` answers with its
defaults (the latest ``limit`` periods, the limits from them), byte for byte: one SQL query, the
same pure XmR computation (``kpis.stats.spc``), its own dict and orjson. What the API adds on top is
ours to shrink: authentication, throttling, parameter checks, the KPI lookup and the answer's ETag.

The control chart's SQL (reviewed with EXPLAIN ANALYZE on the large bench database, 6,667 periods):
the KPI's id by its code as an InitPlan in each part (an index condition, not a JOIN); the window's
oldest period by ``DISTINCT period … ORDER BY period DESC OFFSET n`` on the (kpi, segment, period)
index, backwards, stopping after n + 1 periods; the series' period count, an index-only scan of the
series; the rows from the edge on, an index range scan of the same index. It is the app's query
without what the defaults do not need (the ``period_before`` bound and the count of periods after
it): ~1.5 ms of execution on the large database. An earlier version with the KPI in a CTE took
6.5 ms (the planner could not use the id as an index condition): a slower baseline flatters the app.
"""

import base64
from urllib.parse import quote_plus, urlencode

from bench.raw import js_safe
from kpis.stats.spc import LOOKBACK_POINTS

MEASUREMENTS_PATH = "/api/v1/measurements/"
RAW_MEASUREMENTS_SQL = """
SELECT m.id, k.code, m.segment, m.period, m.value, m.sample_size, m.numerator, m.source, m.note,
       m.assignable_cause, m.created_at, m.updated_at
FROM kpis_measurement m
JOIN kpis_kpi k ON k.id = m.kpi_id
ORDER BY m.period DESC, m.id DESC
LIMIT %(limit)s
"""
MEASUREMENT_KEYS = (
    "id",
    "kpi",
    "segment",
    "period",
    "value",
    "sample_size",
    "numerator",
    "source",
    "note",
    "assignable_cause",
    "created_at",
    "updated_at",
)


def _next_cursor(page: list, following) -> str:
    """DRF's forward cursor after the first page: the last position in the page that differs from
    the following row's, and how many rows at the end of the page share the following position."""
    compare, offset, position = following, 0, None
    for row in reversed(page):
        if row[3] != compare:
            position = row[3]
            break
        offset += 1  # noqa: SIM113 (counts the rows sharing the following position)
    if position is None:
        # Every row of the page shares the following row's period: the first page's cursor is
        # then an offset of the page size, with no position.
        offset = len(page)
    tokens = {"o": str(offset)} if offset else {}
    if position is not None:
        tokens["p"] = str(position)
    return base64.b64encode(urlencode(tokens, doseq=True).encode("ascii")).decode("ascii")


def raw_measurements_page(*, size: int = 1_000, base: str = "http://testserver") -> bytes:
    """The first cursor page of ``size`` measurements as the API answers it, from one query."""
    import orjson
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(RAW_MEASUREMENTS_SQL, {"limit": size + 1})
        rows = cursor.fetchall()
    page = rows[:size]
    following = None
    if len(rows) > size:
        cursor_token = _next_cursor(page, rows[size][3])
        # Query parameters are URL-encoded: base64's padding ``=`` is written ``%3D``.
        following = f"{base}{MEASUREMENTS_PATH}?cursor={quote_plus(cursor_token)}&page_size={size}"
    results = [dict(zip(MEASUREMENT_KEYS, row, strict=True)) for row in page]
    answer = {"next": following, "previous": None, "results": results}
    return js_safe(orjson.dumps(answer, option=orjson.OPT_UTC_Z))


_KPI = "(SELECT id FROM kpis_kpi WHERE code = %(code)s)"
_SERIES = f"kpi_id = {_KPI} AND segment = %(segment)s"
RAW_CONTROL_CHART_SQL = f"""
SELECT 0, m.period, m.value,
       (SELECT count(*) FROM (SELECT DISTINCT period FROM kpis_measurement WHERE {_SERIES}) t),
       m.sample_size, m.numerator, m.note, m.assignable_cause,
       (SELECT unit FROM kpis_kpi WHERE code = %(code)s),
       (SELECT chart_type FROM kpis_kpi WHERE code = %(code)s)
FROM kpis_measurement m
WHERE m.{_SERIES}
  AND m.period >= COALESCE(
      (SELECT period FROM (SELECT DISTINCT period FROM kpis_measurement WHERE {_SERIES}
                           ORDER BY period DESC LIMIT 1 OFFSET %(offset)s) e),
      '-infinity'::date)
UNION ALL
SELECT 1, starts, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM kpis_phasebreak WHERE kpi_id = {_KPI} AND segment IN ('', %(segment)s)
ORDER BY 1, 2
"""


def _raw_chart(periods, *, unit: str, chart_type: str, limit: int, first: int):
    """The chart of the answered periods (no phase breaks), as the app chooses and computes it."""
    from kpis.stats import attribute as ac
    from kpis.stats.spc import xmr_chart_window

    shown_from = max(0, len(periods) - limit)
    shown = periods[shown_from:]
    natural = {"percent": ac.P_CHART, "count": ac.U_CHART}.get(unit)
    sized = all(p.size for p in shown)
    sigma_z = None
    if chart_type == "auto" and natural == ac.P_CHART and sized:
        sigma_z = ac.overdispersion([p.count for p in shown], [p.size for p in shown])
    kind, why = ac.chart_choice(requested=chart_type, natural=natural, sized=sized, sigma_z=sigma_z)
    if kind == ac.XMR_CHART:
        chart = xmr_chart_window(
            [p.value for p in periods],
            baseline=[p.value for p in shown],
            shown_from=shown_from,
            first_index=first,
            in_baseline=[True] * len(shown),
        )
    else:
        chart = ac.attribute_chart(
            [p.count for p in periods],
            [p.size for p in periods],
            kind=kind,
            shown_from=shown_from,
            first_index=first,
            baseline_counts=[p.count for p in shown],
            baseline_sizes=[p.size for p in shown],
        )
    return kind, why, shown, chart


def raw_control_chart(code: str, *, segment: str = "", limit: int = 365) -> bytes:
    """The control chart's default answer for the KPI ``code``, from one SQL query and orjson.

    The query reads the KPI's phase breaks too, as the app's does; a series with any is refused
    (the bench's have none), so the chart is one phase."""
    import orjson
    from django.db import connection

    from kpis.control_chart import FIRST_PHASE_LABEL, periods_of_rows
    from kpis.stats.spc import RULE_NAMES, signal_members

    with connection.cursor() as cursor:
        cursor.execute(
            RAW_CONTROL_CHART_SQL, {"code": code, "segment": segment, "offset": limit + LOOKBACK_POINTS - 1}
        )
        found = cursor.fetchall()
    # The phase breaks are read as the app reads them; this baseline draws one phase only.
    if any(row[0] == 1 for row in found):
        raise NotImplementedError("the raw control chart draws series without phase breaks")
    rows = [row[1:] for row in found]
    total = rows[0][2] if rows else 0
    unit, chart_type = (rows[0][7], rows[0][8]) if rows else ("", "auto")
    periods = periods_of_rows([(r[0], r[1], r[3], r[4], r[5], r[6]) for r in rows], unit=unit)
    first = total - min(limit, len(periods))
    kind, why, shown, chart = _raw_chart(periods, unit=unit, chart_type=chart_type, limit=limit, first=first)
    xmr = kind == "xmr"
    scale = 100.0 if unit == "percent" and kind in ("p", "laney_p") else 1.0
    day = {index: p.day.isoformat() for index, p in enumerate(shown, start=first)}
    last = chart.points[-1]
    if xmr:
        limits = {
            "centre": chart.centre,
            "ucl": chart.ucl,
            "lcl": chart.lcl,
            "sigma": chart.sigma,
            "mean_moving_range": chart.mean_moving_range,
            "moving_range_ucl": chart.moving_range_ucl,
            "sigma_z": None,
        }
        values, centre, sigma = [p.value for p in chart.points], chart.centre, chart.sigma
    else:
        limits = {
            "centre": chart.centre * scale,
            "ucl": None if last.ucl is None else last.ucl * scale,
            "lcl": None if last.lcl is None else last.lcl * scale,
            "sigma": None,
            "mean_moving_range": None,
            "moving_range_ucl": chart.moving_range_ucl,
            "sigma_z": chart.sigma_z,
        }
        values, centre, sigma = [p.z for p in chart.points], 0.0, 1.0
    limits["baseline_start"], limits["baseline_end"] = day[first], day[first + len(shown) - 1]
    signals = []
    for s in chart.signals:
        local = type(s)(s.rule, s.index - first)
        members = [first + at for at in signal_members(values, centre=centre, sigma=sigma, signal=local)]
        signals.append(
            {
                "rule": s.rule,
                "description": RULE_NAMES[s.rule],
                "index": s.index,
                "period": day[s.index],
                "points": members,
            }
        )
    mr_ucl = chart.moving_range_ucl
    beyond = (
        []
        if mr_ucl is None
        else [p.index for p in chart.points if p.moving_range is not None and p.moving_range > mr_ucl]
    )
    points = [
        {
            "index": p.index,
            "period": day[p.index],
            "value": period.value if xmr else p.value * scale,
            "moving_range": p.moving_range,
            "in_baseline": p.in_baseline,
            "phase": 0,
            "ucl": chart.ucl if xmr else (None if p.ucl is None else p.ucl * scale),
            "lcl": chart.lcl if xmr else (None if p.lcl is None else p.lcl * scale),
            "sample_size": period.size,
            "note": period.note,
            "assignable_cause": period.assignable_cause,
        }
        for p, period in zip(chart.points, shown, strict=True)
    ]
    phase = {
        "label": FIRST_PHASE_LABEL,
        "starts": None,
        "first_index": first,
        "points": len(shown),
        "limits": limits,
        "signals": signals,
        "moving_range_beyond": beyond,
        "warnings": list(chart.warnings),
    }
    answer = {
        "kpi": code,
        "segment": segment,
        "chart_type": kind,
        "chart_reason": why,
        "points_total": total,
        "truncated": total > len(shown),
        "limit": limit,
        "limits": limits,
        "points": points,
        "signals": signals,
        "moving_range_beyond": beyond,
        "phases": [phase],
        "warnings": list(chart.warnings),
    }
    return js_safe(orjson.dumps(answer))
