"""Results by segment: each segment's variants compared with its control exactly like the overall
read-out, then one correction across the whole family of segment × treatment comparisons.

The family is every (segment, treatment) pair with a p-value. Holm's step-down method controls the
family-wise error rate under any dependence between the tests: the segments of one experiment share
their control's design and, across treatments, the same control arm, so their p-values are
correlated in ways Benjamini–Hochberg's positive-dependence condition does not cover for two-sided
tests; and a segment result is read as "it works for chat", a claim acted upon on its own, so one
false claim in the family is what must stay below α. Formulas in docs/statistics.md §9.
"""

from collections.abc import Mapping

from kpis.stats.aggregates import MeanAggregate, ProportionAggregate
from kpis.stats.experiments import analyze_experiment, holm
from kpis.stats.sequential import DEFAULT_TUNING

__all__ = ["CORRECTION", "MAX_SEGMENTS", "analyze_segments"]

CORRECTION = "holm"
# More segments than this are refused at data entry: a read-out is computed on every page view.
MAX_SEGMENTS = 50


def analyze_segments(
    *,
    metric: str,
    control: str,
    segments: Mapping[str, Mapping[str, ProportionAggregate | MeanAggregate]],
    weights: Mapping[str, float],
    alpha: float = 0.05,
    sequential: bool = False,
    sequential_tuning: float = DEFAULT_TUNING,
) -> list[dict]:
    """One read-out per segment (sorted by name), each comparison with ``p_value_segments``.

    ``segments`` maps a segment to every variant's aggregate (a variant without data in a segment
    has zero users there). Each segment is ``analyze_experiment`` on its own totals (no MDE: power is
    planned for the whole experiment, not per segment). ``p_value_segments`` is Holm's adjustment of
    the comparison's ``p_value`` across every segment × treatment comparison, and
    ``significant_segments`` is ``p_value_segments < alpha``; ``None`` p-values stay out of the family.
    """
    found = []
    for name in sorted(segments):
        result = analyze_experiment(
            metric=metric,
            control=control,
            aggregates=segments[name],
            weights=weights,
            alpha=alpha,
            sequential=sequential,
            sequential_tuning=sequential_tuning,
        ).as_dict()
        result["warnings"] = [w for w in result["warnings"] if not w.startswith("No minimum")]
        result["users"] = sum(summary["users"] for summary in result["variants"])
        found.append({"segment": name, "results": result})
    family = [c for item in found for c in item["results"]["comparisons"]]
    adjusted = holm([c["p_value"] for c in family])
    for comparison, p_adjusted in zip(family, adjusted, strict=True):
        comparison["p_value_segments"] = p_adjusted
        comparison["significant_segments"] = None if p_adjusted is None else p_adjusted < alpha
    return found
