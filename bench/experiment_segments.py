"""Results by segment of the wide experiment: 10 variants × 10 segments added to ``seed_wide_experiment``.

``seed_segments`` adds the segment totals; ``time_segments`` times the full read-out (which now
includes ``by_segment``) interleaved with the same read-out of a twin experiment without segment
data, and the results CSV built from the read-out, in wall and CPU time.
"""

import statistics
import time

import numpy as np

from improvement import selectors
from improvement.models import Experiment, SegmentData, Variant
from improvement.selectors.experiment_export import results_csv

SEGMENTS = 10


def seed_segments(experiment: Experiment) -> None:
    rng = np.random.default_rng(9)
    rows = []
    for arm in Variant.objects.filter(experiment=experiment):
        for index in range(SEGMENTS):
            users = int(rng.integers(3_000, 4_000))
            rows.append(
                SegmentData(
                    variant=arm,
                    segment=f"queue-{index}",
                    users=users,
                    conversions=int(rng.binomial(users, 0.1)),
                )
            )
    SegmentData.objects.bulk_create(rows)


def time_segments(
    with_segments: Experiment, without: Experiment, *, rounds: int = 30, warmup: int = 3
) -> dict:
    """Median and p95 (ms), wall and CPU, of the read-out with and without segments and of the CSV."""
    a = Experiment.objects.select_related("primary_kpi").get(pk=with_segments.pk)
    b = Experiment.objects.select_related("primary_kpi").get(pk=without.pk)
    cases = {
        "with_segments": lambda: selectors.experiment_results(experiment=a),
        "without_segments": lambda: selectors.experiment_results(experiment=b),
        "csv": lambda: results_csv(selectors.experiment_results(experiment=a), kpi="k"),
    }
    for _ in range(warmup):
        for fn in cases.values():
            fn()
    times = {name: {"wall": [], "cpu": []} for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[name]["wall"].append((time.perf_counter() - wall) * 1000)
            times[name]["cpu"].append((time.process_time() - cpu) * 1000)
    summary = {}
    for name, kinds in times.items():
        for kind, values in kinds.items():
            ordered = sorted(values)
            summary[f"{name}_{kind}_median_ms"] = round(statistics.median(values), 2)
            summary[f"{name}_{kind}_p95_ms"] = round(ordered[round(0.95 * (len(ordered) - 1))], 2)
    summary["rounds"] = rounds
    return summary
