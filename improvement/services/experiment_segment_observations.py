"""Raw observations with a segment, ``{segment, variant, value}`` (JSON rows or a CSV file), folded
into per (segment, variant) totals of the primary KPI. Each segment in the upload is replaced whole;
all or nothing. The overall totals are not touched (``experiment_observations`` folds those)."""

import io
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from improvement.models import Experiment, MetricType, SegmentData
from improvement.models.segments import SEGMENT_MAX_LENGTH
from improvement.services.experiment_data import (
    MSG_TOO_MANY_ROWS,
    check_can_push,
    check_data_status,
    experiment_data_changed,
    lock_for_data,
    variants_by_key,
)
from improvement.services.experiment_observations import (
    CSV_CHUNK_ROWS,
    MAX_JSON_OBSERVATIONS,
    MSG_CSV_UNREADABLE,
    MSG_NO_OBSERVATIONS,
    MSG_ONE_SOURCE,
    MSG_UNKNOWN_LABELS,
    _check_observation_values,
    _csv_numbers,
    _numbers,
)
from improvement.services.experiment_segments import (
    MSG_SEGMENT_TEXT,
    MSG_TOO_MANY_SEGMENTS,
    SegmentWriteResult,
    clean_segment,
)
from improvement.services.experiment_totals import check_totals
from kpis.stats import aggregates as agg
from kpis.stats.segments import MAX_SEGMENTS
from kpis.stats_text import stats_message

# Segments hold no control characters, so this separates a segment from a variant in one label.
SEPARATOR = "\x1f"
CSV_COLUMNS = frozenset({"segment", "variant", "value"})
MSG_SHAPE = gettext_noop("Each row is an object with segment, variant and value.")
MSG_CSV_HEADER = gettext_noop("The CSV needs a header row with the columns segment, variant and value.")
MSG_BAD_SEGMENT = gettext_noop("Segment {segment!r}: {error}")


def _labels(segments, variants) -> np.ndarray:
    return (
        np.asarray(segments, dtype=object).astype(str).astype(object)
        + SEPARATOR
        + np.asarray(variants, dtype=object).astype(str).astype(object)
    )


def _json_chunks(rows: Sequence[Any]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    if len(rows) > MAX_JSON_OBSERVATIONS:
        raise ValidationError({"rows": _(MSG_TOO_MANY_ROWS).format(limit=MAX_JSON_OBSERVATIONS)})
    try:
        segments = [row["segment"] for row in rows]
        variants = [row["variant"] for row in rows]
        raw = [row["value"] for row in rows]
    except (KeyError, TypeError):
        raise ValidationError({"rows": _(MSG_SHAPE)}) from None
    for index, segment in enumerate(segments):
        try:
            clean_segment(segment)
        except ValueError as exc:
            raise ValidationError({f"rows[{index}].segment": stats_message(exc)}) from None
    yield _labels(segments, variants), _numbers(raw, "value")


def _csv_chunks(source: IO | bytes | str) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    import pandas as pd

    if isinstance(source, bytes | str):
        source = io.BytesIO(source.encode() if isinstance(source, str) else source)
    try:
        reader = pd.read_csv(
            source,
            usecols=lambda column: column in CSV_COLUMNS,
            dtype={"segment": object, "variant": object},
            chunksize=CSV_CHUNK_ROWS,
            skipinitialspace=True,
            keep_default_na=False,
            na_values=[],
        )
        offset = 0
        for chunk in reader:
            if not set(chunk.columns) >= CSV_COLUMNS:
                raise ValidationError({"observations": _(MSG_CSV_HEADER)})
            values = _csv_numbers(chunk["value"], offset)
            yield _labels(chunk["segment"].to_numpy(), chunk["variant"].to_numpy()), values
            offset += len(chunk)
    except pd.errors.EmptyDataError:
        raise ValidationError({"observations": _(MSG_NO_OBSERVATIONS)}) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValidationError({"observations": _(MSG_CSV_UNREADABLE).format(error=exc)}) from None
    except ValueError as exc:
        if "usecols" in str(exc).lower():
            raise ValidationError({"observations": _(MSG_CSV_HEADER)}) from None
        raise ValidationError({"observations": _(MSG_CSV_UNREADABLE).format(error=exc)}) from None


def _fold(chunks, *, metric: str, keys: set[str]) -> tuple[dict[tuple[str, str], Any], int]:
    binary = metric == MetricType.PROPORTION
    fold = agg.ObservationFold(binary=binary)
    count = 0
    for labels, values in chunks:
        _check_observation_values(values, binary=binary, offset=count)
        try:
            fold.add(labels, values)
        except ValueError as exc:
            raise ValidationError({"observations": stats_message(exc)}) from None
        count += len(values)
    if count == 0:
        raise ValidationError({"observations": _(MSG_NO_OBSERVATIONS)})
    try:
        folded = fold.aggregates()
    except ValueError as exc:
        raise ValidationError({"observations": stats_message(exc)}) from None
    cells = {tuple(str(label).split(SEPARATOR, 1)): data for label, data in folded.items()}
    unknown = sorted({variant for _, variant in cells if variant not in keys})
    if unknown:
        message = _(MSG_UNKNOWN_LABELS).format(labels=", ".join(unknown), keys=", ".join(sorted(keys)))
        raise ValidationError({"observations": message})
    for segment, _variant in cells:
        try:
            if clean_segment(segment) != segment:
                raise ValueError(_(MSG_SEGMENT_TEXT).format(limit=SEGMENT_MAX_LENGTH))
        except ValueError as exc:
            raise ValidationError(
                {"observations": _(MSG_BAD_SEGMENT).format(segment=segment, error=exc)}
            ) from None
    return cells, count


@transaction.atomic
def experiment_segment_observations_ingest(
    *,
    actor: User,
    experiment: Experiment,
    rows: Sequence[Mapping[str, Any]] | None = None,
    csv: IO | bytes | str | None = None,
) -> SegmentWriteResult:
    """Fold raw ``{segment, variant, value}`` rows into per (segment, variant) totals.

    A proportion's values are 0 or 1. Every segment in the upload is replaced whole (a variant
    absent from it has no users there); other segments keep their data. ``rows_written`` counts the
    totals rows stored; nothing is written unless every row is valid.
    """
    check_can_push(actor, experiment)
    if (rows is None) == (csv is None):
        raise ValidationError({"observations": _(MSG_ONE_SOURCE)})
    check_data_status(experiment)
    variants = variants_by_key(experiment)
    chunks = _json_chunks(rows) if rows is not None else _csv_chunks(csv)
    cells, _rows = _fold(chunks, metric=experiment.metric_type, keys=set(variants))
    locked = lock_for_data(experiment)
    named = sorted({segment for segment, _ in cells})
    kept = set(
        SegmentData.objects.filter(variant__experiment=locked)
        .exclude(segment__in=named)
        .values_list("segment", flat=True)
    )
    if len(kept) + len(named) > MAX_SEGMENTS:
        count = len(kept) + len(named)
        raise ValidationError(
            {"observations": _(MSG_TOO_MANY_SEGMENTS).format(limit=MAX_SEGMENTS, count=count)}
        )
    written = [
        SegmentData(
            variant=variants[variant],
            segment=segment,
            users=data.users,
            conversions=getattr(data, "conversions", 0),
            sum=getattr(data, "sum", 0.0),
            sum_squares=getattr(data, "sum_squares", 0.0),
        )
        for (segment, variant), data in sorted(cells.items())
    ]
    check_totals(
        {f"{row.segment}/{row.variant.key}": vars(row) for row in written},
        metric=locked.metric_type,
        field="observations",
    )
    SegmentData.objects.filter(variant__experiment=locked, segment__in=named).delete()
    SegmentData.objects.bulk_create(written)
    experiment_data_changed(locked)
    return SegmentWriteResult(segments=named, rows_written=len(written))
