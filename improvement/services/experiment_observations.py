"""Raw experiment observations (JSON rows or a CSV file) folded into per-variant totals.

``experiment_observations_ingest`` folds ``{variant, value}`` rows with ``kpis.stats`` (vectorised,
in chunks) and writes one totals row per variant, so a million rows never become a million objects.
All or nothing.
"""

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from improvement import selectors
from improvement.models import Experiment, MetricType, VariantData
from improvement.services.experiment_data import (
    MSG_TOO_MANY_ROWS,
    DataWriteResult,
    check_can_push,
    check_data_status,
    experiment_data_changed,
    lock_for_data,
    variants_by_key,
)
from improvement.services.experiment_totals import PRE_FIELDS, check_totals
from kpis.stats import aggregates as agg
from kpis.stats_text import stats_message

# Rows of one JSON observations body; bigger data sets come as CSV, which is read in chunks.
MAX_JSON_OBSERVATIONS = 100_000
CSV_CHUNK_ROWS = 250_000
CSV_COLUMNS = frozenset({"variant", "value", "pre_value"})
MODE_REPLACE = "replace"
MODE_ADD = "add"
INGEST_MODES = (MODE_REPLACE, MODE_ADD)
MSG_UNKNOWN_MODE = gettext_noop("mode must be 'replace' or 'add'.")
MSG_NO_OBSERVATIONS = gettext_noop("The observations are empty.")
MSG_UNKNOWN_LABELS = gettext_noop(
    "Unknown variants in the observations: {labels}; this experiment has {keys}."
)
MSG_CSV_HEADER = gettext_noop("The CSV needs a header row with the columns variant and value.")
MSG_CSV_VALUE = gettext_noop("Every value must be a number; the CSV has {value!r} (data row {row}).")
MSG_VALUE_NUMBER = gettext_noop("Every value must be a number; row {row} is {value!r}.")
MSG_CSV_UNREADABLE = gettext_noop("The CSV could not be read: {error}.")
MSG_OBSERVATION_SHAPE = gettext_noop("Each row is an object with variant and value.")
MSG_PRE_SHAPE = gettext_noop(
    "With pre-period values, every row is an object with variant, value and pre_value."
)
MSG_PRE_FOR_MEANS = gettext_noop("Pre-period values (pre_value) are for mean experiments.")
MSG_ONE_SOURCE = gettext_noop("Send the observations either as JSON rows or as a CSV file, not both.")


def _check_observation_values(values: np.ndarray, *, binary: bool, offset: int) -> None:
    """The fold's own checks, reported with the row number in the whole upload (0-based)."""
    bad = ~np.isfinite(values)
    if bad.any():
        row = int(bad.argmax())
        raise ValidationError(
            {"observations": agg.MSG_VALUE_NOT_FINITE.format(row=offset + row, value=float(values[row]))}
        )
    if binary:
        bad = (values != 0) & (values != 1)
        if bad.any():
            row = int(bad.argmax())
            raise ValidationError(
                {"observations": agg.MSG_NOT_BINARY.format(row=offset + row, value=float(values[row]))}
            )
    bad = np.abs(values) > agg.MAX_ABS_VALUE
    if bad.any():
        row = int(bad.argmax())
        raise ValidationError(
            {"observations": _(agg.MSG_VALUE_TOO_LARGE).format(row=offset + row, value=float(values[row]))}
        )


def _numbers(raw: Sequence[Any], field: str) -> np.ndarray:
    values = np.empty(len(raw), dtype=float)
    for index, value in enumerate(raw):
        # Booleans and strings are not numbers here, whatever float() would make of them.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(
                {f"rows[{index}].{field}": _(MSG_VALUE_NUMBER).format(value=value, row=index)}
            )
        values[index] = value
    return values


def _json_chunks(rows: Sequence[Any]) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    if len(rows) > MAX_JSON_OBSERVATIONS:
        raise ValidationError({"rows": _(MSG_TOO_MANY_ROWS).format(limit=MAX_JSON_OBSERVATIONS)})
    with_pre = False
    try:
        labels = [str(row["variant"]) for row in rows]
        raw = [row["value"] for row in rows]
        with_pre = bool(rows) and "pre_value" in rows[0]
        raw_pre = [row["pre_value"] for row in rows] if with_pre else None
    except (KeyError, TypeError):
        raise ValidationError({"rows": _(MSG_PRE_SHAPE) if with_pre else _(MSG_OBSERVATION_SHAPE)}) from None
    pre = _numbers(raw_pre, "pre_value") if with_pre else None
    yield np.asarray(labels, dtype=object), _numbers(raw, "value"), pre


def _first_unparsed(text, values: np.ndarray) -> int | None:
    """The first row whose text is not a number: NaN after parsing without saying "nan".

    Only the NaN rows' text is looked at (normally none): stripping and lower-casing every row's
    text cost more than reading the CSV.
    """
    (nan_rows,) = np.nonzero(np.isnan(values))
    for row in nan_rows.tolist():
        if str(text.iloc[row]).strip().lower() != "nan":
            return row
    return None


def _csv_numbers(column, offset: int) -> np.ndarray:
    import pandas as pd

    values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    row = _first_unparsed(column, values)
    if row is not None:
        raise ValidationError(
            {"observations": _(MSG_CSV_VALUE).format(value=column.iloc[row], row=offset + row)}
        )
    return values


def _csv_chunks(source: IO) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Chunks of (labels, values, pre-period values or None) read from a CSV with a
    ``variant,value`` header and an optional ``pre_value`` column, in C (pandas)."""
    # Imported here: only CSV uploads pay for pandas.
    import pandas as pd

    if isinstance(source, bytes | str):
        source = io.BytesIO(source.encode() if isinstance(source, str) else source)
    try:
        reader = pd.read_csv(
            source,
            usecols=lambda column: column in CSV_COLUMNS,
            # Plain Python strings. pandas' own string dtype costs more to build and to convert
            # back; a categorical would turn labels that look like numbers into numbers ("01" → 1).
            dtype={"variant": object},
            chunksize=CSV_CHUNK_ROWS,
            skipinitialspace=True,
            keep_default_na=False,
            na_values=[],
        )
        offset = 0
        for chunk in reader:
            if not {"variant", "value"} <= set(chunk.columns):
                raise ValidationError({"observations": _(MSG_CSV_HEADER)})
            labels = chunk["variant"].to_numpy(dtype=object)
            values = _csv_numbers(chunk["value"], offset)
            pre = _csv_numbers(chunk["pre_value"], offset) if "pre_value" in chunk.columns else None
            yield labels, values, pre
            offset += len(chunk)
    # pandas' errors are ValueErrors: the specific ones first.
    except pd.errors.EmptyDataError:
        raise ValidationError({"observations": _(MSG_NO_OBSERVATIONS)}) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValidationError({"observations": _(MSG_CSV_UNREADABLE).format(error=exc)}) from None
    except ValueError as exc:
        if "usecols" in str(exc).lower():
            raise ValidationError({"observations": _(MSG_CSV_HEADER)}) from None
        raise ValidationError({"observations": _(MSG_CSV_UNREADABLE).format(error=exc)}) from None


def observations_fold(
    *, chunks: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray | None]], metric: str, keys: Iterable[str]
) -> tuple[dict[str, agg.ProportionAggregate | agg.MeanAggregate | agg.CupedAggregate], int]:
    """Fold chunks of raw rows into per-variant aggregates (streaming); ValidationError on bad rows.

    A mean's rows with pre-period values (``pre_value``) fold into CUPED totals.
    """
    binary = metric == MetricType.PROPORTION
    fold = None
    known = set(keys)
    count = 0
    for labels, values, pre in chunks:
        if binary and pre is not None:
            raise ValidationError({"observations": _(MSG_PRE_FOR_MEANS)})
        fold = fold or agg.ObservationFold(binary=binary, pre=pre is not None)
        _check_observation_values(values, binary=binary, offset=count)
        if pre is not None:
            _check_observation_values(pre, binary=False, offset=count)
        try:
            fold.add(labels, values, pre)
        except ValueError as exc:
            raise ValidationError({"observations": stats_message(exc)}) from None
        count += len(values)
    if fold is None:
        raise ValidationError({"observations": _(MSG_NO_OBSERVATIONS)})
    try:
        folded = fold.aggregates()
    except ValueError as exc:
        # Values within bounds can still add up past them.
        raise ValidationError({"observations": stats_message(exc)}) from None
    unknown = sorted(str(label) for label in folded if label not in known)
    if unknown:
        raise ValidationError(
            {
                "observations": _(MSG_UNKNOWN_LABELS).format(
                    labels=", ".join(unknown), keys=", ".join(sorted(known))
                )
            }
        )
    if count == 0:
        raise ValidationError({"observations": _(MSG_NO_OBSERVATIONS)})
    return folded, count


@transaction.atomic
def experiment_observations_ingest(
    *,
    actor: User,
    experiment: Experiment,
    rows: Sequence[Mapping[str, Any]] | None = None,
    csv: IO | bytes | str | None = None,
    mode: str = MODE_REPLACE,
) -> DataWriteResult:
    """Fold raw ``{variant, value}`` rows (JSON rows or a CSV file) into per-variant totals.

    ``replace`` (the default): the upload is the experiment's whole data set. Every variant's data
    are replaced by its folded totals; a variant absent from the upload is left with no users.
    ``add``: the upload is more of the same; its totals are added to what each variant has (a
    variant kept per day is collapsed into one totals row first).
    Values of a proportion are 0 or 1. Nothing is written unless every row is valid. The CSV is
    read in chunks and folded with numpy, so memory stays bounded by the chunk size.
    """
    check_can_push(actor, experiment)
    if mode not in INGEST_MODES:
        raise ValidationError({"mode": _(MSG_UNKNOWN_MODE)})
    if (rows is None) == (csv is None):
        raise ValidationError({"observations": _(MSG_ONE_SOURCE)})
    check_data_status(experiment)
    # Fold before taking the row lock: reading a large upload must not block the experiment.
    # Variants and metric are frozen once running, so they cannot change meanwhile.
    variants = variants_by_key(experiment)
    chunks = _json_chunks(rows) if rows is not None else _csv_chunks(csv)
    folded, count = observations_fold(chunks=chunks, metric=experiment.metric_type, keys=variants)
    locked = lock_for_data(experiment)

    with_pre = any(isinstance(data, agg.CupedAggregate) for data in folded.values())
    existing = selectors.variant_totals(variants=variants.values()) if mode == MODE_ADD else {}
    targets = list(variants) if mode == MODE_REPLACE else sorted(folded)
    written = []
    for key in targets:
        variant = variants[key]
        new = folded.get(key)
        old = existing.get(variant.pk)
        users = (new.users if new else 0) + (old["users"] if old else 0)
        pre = dict.fromkeys(PRE_FIELDS)
        if locked.metric_type == MetricType.PROPORTION:
            conversions = (new.conversions if new else 0) + (old["conversions"] if old else 0)
            total = squares = 0.0
        else:
            conversions = 0
            total = (new.sum if new else 0.0) + (old["sum"] if old else 0.0)
            squares = (new.sum_squares if new else 0.0) + (old["sum_squares"] if old else 0.0)
            if with_pre and (old is None or old["pre_sum"] is not None):
                # Pre-period totals only when everything the variant now holds has them.
                pre = {f: (getattr(new, f) if new else 0.0) + (old[f] if old else 0.0) for f in PRE_FIELDS}
        written.append(
            VariantData(
                variant=variant,
                day=None,
                users=users,
                conversions=conversions,
                sum=total,
                sum_squares=squares,
                **pre,
            )
        )
    check_totals(
        {row.variant.key: vars(row) for row in written}, metric=locked.metric_type, field="observations"
    )
    VariantData.objects.filter(variant__in=[variants[key] for key in targets]).delete()
    VariantData.objects.bulk_create(written)
    experiment_data_changed(locked)
    return DataWriteResult(variants=targets, rows_written=len(written), observations=count)
