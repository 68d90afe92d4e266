"""The experiment results CSV: one row per (metric, variant) from the results read-out's JSON.

Rows are built from the same dict the results API returns, so the CSV and the JSON carry the same
numbers. A metric is the primary KPI, a guardrail KPI, the primary KPI within one segment, the cluster
read-out of a cluster-randomised experiment or the controlled before/after (one row); the
control's row carries its users and mean, the comparison columns empty. The decision, its variant,
reasons and days left are experiment-wide and repeated on every row, so any filtered subset of the
rows still says what the data support. Columns: docs/statistics.md §9.
"""

import csv
import io
from collections.abc import Iterable
from typing import Any

import numpy as np

# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
TEXT_SEPARATOR = " | "
PRIMARY, GUARDRAIL, SEGMENT = "primary", "guardrail", "segment"
CLUSTER, BEFORE_AFTER = "cluster", "before_after"

# (column, where in a comparison); an interval gives two columns, its low and high end.
COMPARISON_COLUMNS: list[tuple[str, tuple[str, ...]]] = [
    ("absolute_effect", ("absolute_effect",)),
    ("ci_low", ("absolute_ci", 0)),
    ("ci_high", ("absolute_ci", 1)),
    ("relative_effect", ("relative_effect",)),
    ("relative_ci_low", ("relative_ci", 0)),
    ("relative_ci_high", ("relative_ci", 1)),
    ("standard_error", ("standard_error",)),
    ("degrees_of_freedom", ("degrees_of_freedom",)),
    ("test", ("test",)),
    ("p_value", ("p_value",)),
    ("p_value_holm", ("p_value_holm",)),
    ("p_value_segments", ("p_value_segments",)),
    ("significant", ("significant",)),
    ("sequential_ci_low", ("sequential_ci", 0)),
    ("sequential_ci_high", ("sequential_ci", 1)),
    ("sequential_relative_ci_low", ("sequential_relative_ci", 0)),
    ("sequential_relative_ci_high", ("sequential_relative_ci", 1)),
    ("sequential_p_value", ("sequential_p_value",)),
    ("sequential_relative_p_value", ("sequential_relative_p_value",)),
    ("cuped_theta", ("cuped", "theta")),
    ("cuped_absolute_effect", ("cuped", "absolute_effect")),
    ("cuped_ci_low", ("cuped", "absolute_ci", 0)),
    ("cuped_ci_high", ("cuped", "absolute_ci", 1)),
    ("cuped_relative_effect", ("cuped", "relative_effect")),
    ("cuped_relative_ci_low", ("cuped", "relative_ci", 0)),
    ("cuped_relative_ci_high", ("cuped", "relative_ci", 1)),
    ("cuped_p_value", ("cuped", "p_value")),
    ("cuped_variance_reduction", ("cuped", "variance_reduction")),
    ("cuped_sequential_ci_low", ("cuped", "sequential_ci", 0)),
    ("cuped_sequential_ci_high", ("cuped", "sequential_ci", 1)),
    ("cuped_sequential_p_value", ("cuped", "sequential_p_value")),
    ("credible_interval_low", ("credible_interval", 0)),
    ("credible_interval_high", ("credible_interval", 1)),
    ("chance_to_beat_control", ("chance_to_beat_control",)),
    ("risk_control", ("risk", "control")),
    ("risk_treatment", ("risk", "treatment")),
    ("power_at_mde", ("power_at_mde",)),
    ("design_effect", ("design_effect",)),
]
HEADER = [
    "metric",
    "kpi",
    "segment",
    "variant",
    "is_control",
    "users",
    "mean",
    *(column for column, _ in COMPARISON_COLUMNS),
    "guardrail_status",
    "warnings",
    "decision",
    "decision_variant",
    "reasons",
    "days_left",
]


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell(value: Any) -> str:
    """A number in positional notation, the shortest that reads back as the same float (no e-notation);
    true/false; text neutralised; nothing for null."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return np.format_float_positional(value, trim="-") if np.isfinite(value) else ""
    return neutralise(str(value))


def _pick(item: Any, path: tuple) -> Any:
    for step in path:
        if item is None:
            return None
        item = item.get(step) if isinstance(step, str) else (item[step] if len(item) > step else None)
    return item


def _rows(metric: str, kpi: str, segment: str, readout: dict, status: dict) -> Iterable[dict[str, Any]]:
    comparisons = {c["variant"]: c for c in readout.get("comparisons") or []}
    for summary in readout.get("variants") or []:
        comparison = comparisons.get(summary["key"], {})
        yield {
            "metric": metric,
            "kpi": kpi,
            "segment": segment,
            "variant": summary["key"],
            "is_control": summary["key"] == readout.get("control"),
            "users": summary.get("users"),
            "mean": summary.get("mean"),
            **{column: _pick(comparison, path) for column, path in COMPARISON_COLUMNS},
            "guardrail_status": status.get(summary["key"]),
            "warnings": TEXT_SEPARATOR.join([*summary.get("warnings", []), *comparison.get("warnings", [])]),
        }


def results_table(results: dict | None, *, kpi: str) -> list[dict[str, Any]]:
    """The CSV's rows as dicts keyed by ``HEADER`` (values as in the JSON); none without a read-out."""
    if not results or not results.get("variants"):
        return []
    statuses: dict[str, dict[str, str]] = {}
    for item in results.get("guardrail_status") or []:
        statuses.setdefault(item["kpi"], {})[item["variant"]] = item["status"]
    table = list(_rows(PRIMARY, kpi, "", results, {}))
    for guardrail in results.get("guardrails") or []:
        status = statuses.get(guardrail["kpi"], {})
        table += _rows(GUARDRAIL, guardrail["kpi"], "", guardrail["results"], status)
    for item in (results.get("by_segment") or {}).get("segments") or []:
        table += _rows(SEGMENT, kpi, item["segment"], item["results"], {})
    clusters = results.get("clusters")
    if clusters:
        arms = [{**arm, "key": arm["variant"]} for arm in clusters["variants"]]
        readout = {"control": clusters["control"], "variants": arms, "comparisons": clusters["comparisons"]}
        for row in _rows(CLUSTER, kpi, "", readout, {}):
            row["test"] = None if row["is_control"] else clusters.get("test")
            row["warnings"] = TEXT_SEPARATOR.join(filter(None, [row["warnings"], *clusters["warnings"]]))
            table.append(row)
    before_after = results.get("before_after")
    if before_after:
        interval = before_after.get("ci") or [None, None]
        table.append(
            {
                "metric": BEFORE_AFTER,
                "kpi": kpi,
                "variant": "pilot",
                "absolute_effect": before_after.get("effect"),
                "ci_low": interval[0],
                "ci_high": interval[1],
                "standard_error": before_after.get("standard_error"),
                "degrees_of_freedom": before_after.get("degrees_of_freedom"),
                "test": before_after.get("method"),
                "p_value": before_after.get("p_value"),
                "warnings": TEXT_SEPARATOR.join(before_after.get("warnings") or []),
            }
        )
    shared = {
        "decision": results.get("decision"),
        "decision_variant": results.get("variant"),
        "reasons": TEXT_SEPARATOR.join(results.get("reasons") or []),
        "days_left": results.get("days_left"),
    }
    return [{**row, **shared} for row in table]


def results_csv(results: dict | None, *, kpi: str) -> str:
    """The results read-out as CSV text: ``HEADER``, then one row per (metric, variant)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in results_table(results, kpi=kpi):
        writer.writerow([cell(row.get(column)) for column in HEADER])
    return out.getvalue()
