"""Reads of KPI targets: their latest values, their progress and the KPI series they follow."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BigIntegerField, F, FilteredRelation, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest

from accounts.models import Team, User
from common.sync import SYNC_MARKER
from improvement.models import Initiative, KpiTarget, Status
from improvement.progress import clamped_progress, improvement_amount, progress
from improvement.selectors.initiatives import scope_to_readable
from kpis.models import Kpi, Measurement
from kpis.selectors import SeriesWindow, kpi_series_windows


def _latest_value() -> Subquery:
    """The latest value of the row's (``kpi_id``, ``segment``) series."""
    return Subquery(
        Measurement.objects.filter(kpi_id=OuterRef("kpi_id"), segment=OuterRef("segment"))
        .order_by("-period", "-updated_at")
        .values("value")[:1]
    )


def with_change_marker(targets: QuerySet[KpiTarget]) -> QuerySet[KpiTarget]:
    """``targets`` annotated with where each stands in the change walk (``SYNC_MARKER``): the later
    of its own marker and its series' (a measurement write moves the series' marker,
    common/sync_series.py). The series' row comes by a LEFT JOIN (a series never written has
    none): one hash join of a small table, not a lookup per target."""
    series = FilteredRelation("kpi__series_changes", condition=Q(kpi__series_changes__segment=F("segment")))
    marker = Greatest(
        F("change_marker"), Coalesce(F("series__change_marker"), Value(0)), output_field=BigIntegerField()
    )
    return targets.annotate(series=series).annotate(**{SYNC_MARKER: marker})


def kpi_latest_values(*, targets: QuerySet[KpiTarget]) -> dict[tuple[int, str], float | None]:
    """The latest value of each (kpi, segment) series that ``targets`` follow, in one query.

    Many targets share a series (30 KPIs × 5 segments against thousands of targets): the latest-value
    subquery runs once per series, on one representative target of each, not once per target.
    """
    firsts = targets.order_by().values("kpi_id", "segment").annotate(first=Min("pk")).values("first")
    return latest_values_of(firsts)


def latest_values_of(representatives) -> dict[tuple[int, str], float | None]:
    """The latest value of the series of each target of ``representatives`` (ids: one per series)."""
    rows = (
        KpiTarget.objects.filter(pk__in=representatives)
        .order_by()  # a dict: the model's ordering would join every initiative to sort by its code
        .annotate(current_value=_latest_value())
        .values_list("kpi_id", "segment", "current_value")
    )
    return {(kpi_id, segment): value for kpi_id, segment, value in rows}


def target_list(
    *, initiative_ids: Iterable[int] | None = None, target_ids: Iterable[int] | None = None
) -> QuerySet[KpiTarget]:
    """Active targets with their KPI and initiative, each annotated with its ``current_value``.

    Not scoped by reader: the caller already holds initiatives the reader may see (or is a job).
    """
    qs = (
        KpiTarget.objects.active().select_related("kpi", "initiative").annotate(current_value=_latest_value())
    )
    if initiative_ids is not None:
        qs = qs.filter(initiative_id__in=initiative_ids)
    if target_ids is not None:
        qs = qs.filter(pk__in=target_ids)
    return qs


def kpi_target_list(*, user: User, include_archived: bool = False) -> QuerySet[KpiTarget]:
    """Targets of the initiatives ``user`` may read, each annotated with its ``current_value``."""
    qs = KpiTarget.objects.all() if include_archived else KpiTarget.objects.active()
    qs = qs.select_related("kpi").annotate(current_value=_latest_value())
    return scope_to_readable(qs, user=user)


@dataclass(frozen=True)
class TargetProgress:
    target: KpiTarget
    current: float | None
    progress: float | None
    progress_clamped: float | None
    improvement: float | None


def target_progress(*, target: KpiTarget) -> TargetProgress:
    """Progress of a target fetched through ``target_list`` (which annotates ``current_value``)."""
    current = getattr(target, "current_value", None)
    raw = progress(baseline=target.baseline_value, target=target.target_value, current=current)
    return TargetProgress(
        target=target,
        current=current,
        progress=raw,
        progress_clamped=clamped_progress(raw),
        improvement=improvement_amount(
            baseline=target.baseline_value, current=current, higher_is_better=target.kpi.higher_is_better
        ),
    )


def target_progress_list(*, initiatives: QuerySet[Initiative]) -> list[tuple[int, float | None]]:
    """(target id, progress) of every target of ``initiatives``, worst progress first, no data last.

    Plain values and one latest value per (KPI, segment) series: the dashboard counts thousands
    of targets but shows a page of them.
    """
    targets = KpiTarget.objects.active().filter(initiative__in=initiatives.values("pk"))
    # Unordered: the rows are sorted here, by progress.
    found = list(targets.order_by().values_list("pk", "kpi_id", "segment", "baseline_value", "target_value"))
    # One target of each series asks for its latest value: its ids come from the rows just read,
    # not from grouping the targets again in the database (bench/: 65 ms at 100,000 initiatives).
    representatives: dict[tuple[int, str], int] = {}
    for pk, kpi_id, segment, _, _ in found:
        representatives.setdefault((kpi_id, segment), pk)
    latest = latest_values_of(list(representatives.values())) if representatives else {}
    rows = [
        (pk, progress(baseline=baseline, target=target, current=latest.get((kpi_id, segment))))
        for pk, kpi_id, segment, baseline, target in found
    ]
    return sorted(rows, key=lambda row: (row[1] is None, row[1] if row[1] is not None else 0, row[0]))


def target_ids_worst_first(*, team: Team | None = None, category: str = "") -> QuerySet[KpiTarget]:
    """Ids of the targets of every active initiative (of ``team``, of ``category``), in
    ``target_progress_list``'s order by their kept progress (``KpiTargetProgress``): worst first,
    no data last, then by id. Walked in order on PostgreSQL (``kpi_target_progress_order``): a page
    of it reads that page's rows, whatever the number of targets. Not scoped by reader: for a reader
    of every initiative."""
    qs = KpiTarget.objects.active().filter(
        kept_progress__isnull=False, initiative__status=Status.ACTIVE, initiative__archived_at__isnull=True
    )
    if team is not None:
        qs = qs.filter(initiative__team=team)
    if category:
        qs = qs.filter(initiative__category=category)
    order = (F("kept_progress__progress").asc(nulls_last=True), "pk")
    return qs.order_by(*order).values_list("pk", flat=True)


def target_primary_kpi(*, initiative: Initiative) -> Kpi | None:
    """The KPI of the initiative's first primary target: what a new experiment most likely tests."""
    target = (
        KpiTarget.objects.active()
        .filter(initiative=initiative, is_primary=True)
        .select_related("kpi")
        .order_by("id")
        .first()
    )
    return target.kpi if target else None


# A target's chart on the initiative page: its series' latest periods, and control limits from up to
# as many periods of its baseline.
CHART_POINTS = 365
BASELINE_POINTS = 365


@dataclass(frozen=True)
class TargetChartSeries:
    """The latest ``CHART_POINTS`` periods of a target's series, and its baseline's latest
    ``BASELINE_POINTS`` (up to the baseline's end, else the day before the cycle started: a
    measurement on the start day already counts as after the change). ``truncated``: older periods
    exist that the chart leaves out."""

    shown: list[tuple[dt.date, float]]
    baseline: list[tuple[dt.date, float]]
    truncated: bool


def target_chart_series(*, targets: list[KpiTarget], cycle_started_on: dt.date) -> list[TargetChartSeries]:
    """Each target's bounded chart series, in one query however long the series are."""
    windows = []
    for target in targets:
        baseline_end = target.baseline_end or cycle_started_on - dt.timedelta(days=1)
        windows += [
            # One period more than is shown: its presence says the chart is cut.
            SeriesWindow(target.kpi_id, target.segment, CHART_POINTS + 1),
            SeriesWindow(
                target.kpi_id, target.segment, BASELINE_POINTS, end=baseline_end, start=target.baseline_start
            ),
        ]
    found = kpi_series_windows(windows=windows)
    return [
        TargetChartSeries(shown=shown[-CHART_POINTS:], baseline=baseline, truncated=len(shown) > CHART_POINTS)
        for shown, baseline in zip(found[::2], found[1::2], strict=True)
    ]
