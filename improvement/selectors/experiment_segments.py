"""Reads of an experiment's results by segment (the statistics: ``kpis.stats.segments``)."""

from typing import Any

from improvement.models import Experiment, MetricType, SegmentData, Variant
from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.segments import CORRECTION, analyze_segments

W_SEGMENT_STORED = (
    "Segment {segment}: {variant}'s stored totals are out of range ({reason}); no users assumed."
)


def _aggregate(metric: str, row: dict[str, Any] | None) -> ProportionAggregate | MeanAggregate:
    if row is None:
        return ProportionAggregate(0, 0) if metric == MetricType.PROPORTION else MeanAggregate(0, 0.0, 0.0)
    if metric == MetricType.PROPORTION:
        return ProportionAggregate(int(row["users"]), int(row["conversions"]))
    return MeanAggregate(int(row["users"]), float(row["sum"]), float(row["sum_squares"]))


def label_variants(readout: dict[str, Any], variants: list[Variant]) -> None:
    """Each variant summary of a read-out gets its display name and whether it is the control."""
    by_key = {v.key: v for v in variants}
    for summary in readout["variants"]:
        variant = by_key[summary["key"]]
        summary["name"] = variant.name or variant.key
        summary["is_control"] = variant.is_control


def segment_results(*, experiment: Experiment, variants: list[Variant]) -> dict[str, Any]:
    """``{correction, comparisons, segments}``: each segment's read-out, Holm across the family.

    ``comparisons`` is the size of the family (segment × treatment comparisons with a p-value). A
    variant without a row in a segment has no users there. Empty ``segments`` without segment data.
    """
    control = next(v for v in variants if v.is_control)
    keys = {v.pk: v.key for v in variants}
    rows = SegmentData.objects.filter(variant__in=variants).values(
        "segment", "variant", "users", "conversions", "sum", "sum_squares"
    )
    metric = experiment.metric_type
    by_segment: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_segment.setdefault(row["segment"], {})[keys[row["variant"]]] = row
    warnings: list[str] = []
    segments: dict[str, dict[str, ProportionAggregate | MeanAggregate]] = {}
    for name, found in by_segment.items():
        segments[name] = {}
        for variant in variants:
            try:
                segments[name][variant.key] = _aggregate(metric, found.get(variant.key))
            except (ValueError, OverflowError) as exc:
                warnings.append(W_SEGMENT_STORED.format(segment=name, variant=variant.key, reason=exc))
                segments[name][variant.key] = _aggregate(metric, None)
    analysed = analyze_segments(
        metric=metric,
        control=control.key,
        segments=segments,
        weights={v.key: v.weight for v in variants},
        alpha=experiment.alpha,
        sequential=experiment.sequential,
        sequential_tuning=experiment.sequential_tuning,
    )
    for item in analysed:
        label_variants(item["results"], variants)
    family = sum(
        1 for item in analysed for c in item["results"]["comparisons"] if c["p_value_segments"] is not None
    )
    return {"correction": CORRECTION, "comparisons": family, "segments": analysed, "warnings": warnings}
