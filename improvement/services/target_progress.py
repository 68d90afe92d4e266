"""Each KPI target's progress (``KpiTargetProgress``), kept on write.

A target's progress is ``progress.progress`` of its series' latest value (docs/kpis.md): it moves
when the target's baseline, target value, KPI or segment changes, and when a measurement becomes,
or stops being, its series' latest. The receivers call this on the first (in the writing
transaction), ``money_summaries_refresh_series`` on the second (in the write's transaction for a
single measurement, after commit for a batch, as for the money). The dashboard counts the kept values
per (team, category) in the roll-up rows and walks them in order for its worst rows, instead of
computing every target's progress on each read.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from improvement.models import KpiTarget, KpiTargetProgress
from improvement.progress import progress
from improvement.selectors.targets import latest_values_of

UPDATE_BATCH = 2_000


def targets_progress_refresh(*, targets: QuerySet[KpiTarget]) -> set[tuple[int, str]]:
    """Compute the progress of ``targets`` again and write the ones that moved (or were never
    written); returns the roll-up keys (team id, category) of their initiatives, which count them.

    The rows are locked first, in id order, and the latest values read after that: of two refreshes
    of the same targets, the one that writes last read the last committed measurements.
    """
    with transaction.atomic():
        return _refresh(targets)


def _refresh(targets: QuerySet[KpiTarget]) -> set[tuple[int, str]]:
    rows = list(
        targets.select_for_update(of=("self",))
        .order_by("pk")
        .values_list(
            "pk",
            "kpi_id",
            "segment",
            "baseline_value",
            "target_value",
            "kept_progress__target_id",
            "kept_progress__progress",
            "initiative__team_id",
            "initiative__category",
        )
    )
    representatives: dict[tuple[int, str], int] = {}
    for pk, kpi_id, segment, *_ in rows:
        representatives.setdefault((kpi_id, segment), pk)
    latest = latest_values_of(list(representatives.values())) if representatives else {}
    moved, keys = [], set()
    for pk, kpi_id, segment, baseline, target, kept_row, kept, team_id, category in rows:
        value = progress(baseline=baseline, target=target, current=latest.get((kpi_id, segment)))
        if kept_row is None or value != kept:
            moved.append(KpiTargetProgress(target_id=pk, progress=value))
            keys.add((team_id, category))
    KpiTargetProgress.objects.bulk_create(
        moved,
        batch_size=UPDATE_BATCH,
        update_conflicts=True,
        unique_fields=["target"],
        update_fields=["progress"],
    )
    return keys


def series_targets(series: Iterable[tuple[int, str]]) -> QuerySet[KpiTarget]:
    """The targets following these (KPI id, segment) series, archived ones left out."""
    series = set(series)
    found = KpiTarget.objects.active().filter(kpi_id__in={kpi_id for kpi_id, _ in series})
    ids = [
        pk
        for pk, kpi_id, segment in found.values_list("pk", "kpi_id", "segment")
        if (kpi_id, segment) in series
    ]
    return KpiTarget.objects.filter(pk__in=ids)
