"""Experiment data: per-variant aggregates, and raw observations folded into them.

Data are per-variant sufficient statistics (``VariantData``): a variant holds either one totals row
(``day`` null) or one row per day, never both. ``experiment_data_replace`` replaces what it names;
``experiment_observations_ingest`` folds raw rows into totals with ``kpis.stats`` (vectorised, in
chunks) and writes one row per variant, so a million rows never become a million objects. Both are
all or nothing.
"""

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from accounts.models import User
from common.errors import Conflict, PermissionDenied
from improvement import policies, selectors
from improvement.models import Experiment, MetricType, Variant, VariantData
from improvement.services.experiment_totals import MAX_COUNT, MSG_COUNT_TOO_BIG, check_totals, stored_totals
from improvement.services.experiments import DATA_STATUSES, MSG_ARCHIVED
from kpis.stats import aggregates as agg

# Rows of one JSON observations body; bigger data sets come as CSV, which is read in chunks.
MAX_JSON_OBSERVATIONS = 100_000
CSV_CHUNK_ROWS = 250_000
MAX_DATA_ROWS = 10_000
MODE_REPLACE = "replace"
MODE_ADD = "add"
INGEST_MODES = (MODE_REPLACE, MODE_ADD)
MSG_CANNOT_PUSH = "You cannot send data to this experiment."
MSG_DATA_STATUS = "Data are accepted while the experiment runs or after it stopped; this one is {status}."
MSG_NO_ROWS = "Send at least one row."
MSG_TOO_MANY_ROWS = "Send at most {limit} rows at once."
MSG_UNKNOWN_VARIANT = "Unknown variant {key!r}; this experiment has {keys}."
MSG_REQUIRED = "This field is required for a {metric}."
MSG_NOT_FOR_METRIC = "A {metric} experiment does not use {field}."
MSG_DUPLICATE_ROW = "Variant {key!r} appears twice{day}."
MSG_MIXED_DAYS = "Variant {key!r}: send either one totals row (no day) or rows per day, not both."
MSG_UNKNOWN_MODE = "mode must be 'replace' or 'add'."
MSG_NO_OBSERVATIONS = "The observations are empty."
MSG_UNKNOWN_LABELS = "Unknown variants in the observations: {labels}; this experiment has {keys}."
MSG_CSV_HEADER = "The CSV needs a header row with the columns variant and value."
MSG_CSV_VALUE = "Every value must be a number; the CSV has {value!r} (data row {row})."
MSG_VALUE_NUMBER = "Every value must be a number; row {row} is {value!r}."
MSG_CSV_UNREADABLE = "The CSV could not be read: {error}."
MSG_OBSERVATION_SHAPE = "Each row is an object with variant and value."
MSG_ONE_SOURCE = "Send the observations either as JSON rows or as a CSV file, not both."
MSG_SUMS_OR_MEAN_SD = "Give either sum and sum_squares or mean and sd, not both."
# A mean experiment's row holds its totals, or the mean and sample sd they are computed from.
MEAN_SD_FIELDS = ("mean", "sd")
MEAN_SD_MESSAGE_FIELD = {
    agg.MSG_SD_FEW_USERS: "users",
    agg.MSG_SD_NEGATIVE: "sd",
    agg.MSG_MEAN_TOO_LARGE: "mean",
}


@dataclass(frozen=True)
class DataWriteResult:
    """What a data write changed: variants touched and the rows now stored for them."""

    variants: list[str]
    rows_written: int
    observations: int = 0


# --- the re-analysis seam ---------------------------------------------------------------------


def experiment_data_changed(experiment: Experiment) -> None:
    """Called inside the transaction of every data write.

    Results are computed on read today (a handful of rows per variant), so nothing needs doing.
    A debounced background re-analysis (alerts, cached read-outs) hooks in here, enqueueing with
    ``transaction.on_commit`` so it sees the new totals.
    """


# --- data ---------------------------------------------------------------------------------------


def _check_can_push(actor: User, experiment: Experiment) -> None:
    if not policies.can_push_experiment_data(actor, experiment.initiative):
        raise PermissionDenied(MSG_CANNOT_PUSH)


def _check_data_status(experiment: Experiment) -> None:
    if experiment.archived_at is not None:
        raise Conflict(MSG_ARCHIVED)
    if experiment.status not in DATA_STATUSES:
        raise Conflict(MSG_DATA_STATUS.format(status=experiment.get_status_display().lower()))


def _lock_for_data(experiment: Experiment) -> Experiment:
    # The status is re-read under the lock so data cannot slip in next to a concurrent conclude.
    locked = Experiment.objects.select_for_update().get(pk=experiment.pk)
    _check_data_status(locked)
    return locked


def _variants_by_key(experiment: Experiment) -> dict[str, Variant]:
    return {v.key: v for v in Variant.objects.filter(experiment=experiment)}


def _clean_data_row(
    row: Mapping[str, Any], *, metric: str, variants: dict[str, Variant]
) -> tuple[dict[str, Any], dict[str, str]]:
    """One aggregate row checked with the ``kpis.stats`` validators; errors keyed by field."""
    errors: dict[str, str] = {}
    key = row.get("variant")
    if key not in variants:
        errors["variant"] = MSG_UNKNOWN_VARIANT.format(key=key, keys=", ".join(sorted(variants)))
    by_sd = metric == MetricType.MEAN and any(row.get(field) is not None for field in MEAN_SD_FIELDS)
    if by_sd:
        return _clean_mean_sd_row(row, key=key, errors=errors)
    wanted, unused = (
        (("users", "conversions"), ("sum", "sum_squares", *MEAN_SD_FIELDS))
        if metric == MetricType.PROPORTION
        else (("users", "sum", "sum_squares"), ("conversions",))
    )
    for field in unused:
        if row.get(field) is not None:
            errors[field] = MSG_NOT_FOR_METRIC.format(metric=metric, field=field)
    values: dict[str, Any] = {}
    for field in wanted:
        if row.get(field) is None:
            errors[field] = MSG_REQUIRED.format(metric=metric)
            continue
        try:
            if field in ("users", "conversions"):
                values[field] = agg.whole_count(row[field], name=field)
                if values[field] > MAX_COUNT:
                    raise ValueError(MSG_COUNT_TOO_BIG.format(field=field, limit=MAX_COUNT))
            else:
                values[field] = agg.bounded_total(row[field], name=field)
        except ValueError as exc:
            errors[field] = str(exc)
    if not errors:
        try:
            if metric == MetricType.PROPORTION:
                agg.ProportionAggregate(**values)
            else:
                agg.MeanAggregate(**values)
        except ValueError as exc:
            # What is left after the per-field checks is a relation between the fields.
            errors["conversions" if metric == MetricType.PROPORTION else "sum_squares"] = str(exc)
    return {"variant": key, "day": row.get("day"), **values}, errors


def _clean_mean_sd_row(
    row: Mapping[str, Any], *, key: Any, errors: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """A mean experiment's row given as users, mean and sample sd, turned into its exact totals."""
    for field in ("sum", "sum_squares"):
        if row.get(field) is not None:
            errors[field] = MSG_SUMS_OR_MEAN_SD
    if row.get("conversions") is not None:
        errors["conversions"] = MSG_NOT_FOR_METRIC.format(metric=MetricType.MEAN, field="conversions")
    for field in ("users", *MEAN_SD_FIELDS):
        if row.get(field) is None:
            errors[field] = MSG_REQUIRED.format(metric=MetricType.MEAN)
    values: dict[str, Any] = {}
    if not errors:
        try:
            users = agg.whole_count(row["users"], name="users")
            if users > MAX_COUNT:
                raise ValueError(MSG_COUNT_TOO_BIG.format(field="users", limit=MAX_COUNT))
            data = agg.mean_aggregate_from_sd(users, row["mean"], row["sd"])
        except ValueError as exc:
            # Each message goes on the field a person would correct; the field-level checks of
            # kpis.stats name their field first ("mean must be a finite number…"); totals out of
            # bounds come from a huge sd.
            message = str(exc)
            field = MEAN_SD_MESSAGE_FIELD.get(message, message.split(" ", 1)[0])
            errors[field if field in ("users", *MEAN_SD_FIELDS) else "sd"] = message
        else:
            values = {"users": data.users, "sum": data.sum, "sum_squares": data.sum_squares}
    return {"variant": key, "day": row.get("day"), **values}, errors


@transaction.atomic
def experiment_data_replace(
    *, actor: User, experiment: Experiment, rows: Sequence[Mapping[str, Any]]
) -> DataWriteResult:
    """Store per-variant aggregates, all or nothing; variants not named keep their data.

    A row without ``day`` is the variant's new totals and replaces everything it had. A mean
    experiment's row may give ``users``, ``mean`` and ``sd`` (the sample standard deviation, n − 1)
    instead of ``sum`` and ``sum_squares``; they are converted exactly
    (``kpis.stats.aggregates.mean_aggregate_from_sd``). Rows with a
    ``day`` replace that day's totals and keep its other days (a daily push sends today's row);
    they also drop a totals row sent earlier, since a variant's data are totals or days, not both.
    Inconsistent input (conversions > users, negative counts, sum_squares too small for sum, NaN)
    refuses the whole batch, one message per row and field.
    """
    _check_can_push(actor, experiment)
    if not rows:
        raise ValidationError({"rows": MSG_NO_ROWS})
    if len(rows) > MAX_DATA_ROWS:
        raise ValidationError({"rows": MSG_TOO_MANY_ROWS.format(limit=MAX_DATA_ROWS)})
    locked = _lock_for_data(experiment)
    variants = _variants_by_key(locked)
    errors: dict[str, str] = {}
    cleaned: list[dict[str, Any]] = []
    seen: dict[tuple[str, Any], int] = {}
    for index, row in enumerate(rows):
        values, row_errors = _clean_data_row(row, metric=locked.metric_type, variants=variants)
        errors.update({f"rows[{index}].{field}": message for field, message in row_errors.items()})
        identity = (values["variant"], values["day"])
        if identity in seen:
            day = f" for {values['day'].isoformat()}" if values["day"] else ""
            errors[f"rows[{index}].variant"] = MSG_DUPLICATE_ROW.format(key=values["variant"], day=day)
        seen[identity] = index
        cleaned.append(values)
    by_variant: dict[str, set[bool]] = {}
    for key, day in seen:
        by_variant.setdefault(key, set()).add(day is None)
    for index, values in enumerate(cleaned):
        if len(by_variant.get(values["variant"], ())) > 1:
            errors.setdefault(f"rows[{index}].day", MSG_MIXED_DAYS.format(key=values["variant"]))
    if errors:
        raise ValidationError(errors)

    written = []
    for key in sorted(by_variant):
        variant = variants[key]
        mine = [values for values in cleaned if values["variant"] == key]
        if None in (values["day"] for values in mine):
            VariantData.objects.filter(variant=variant).delete()
        else:
            VariantData.objects.filter(
                Q(variant=variant) & (Q(day__isnull=True) | Q(day__in=[v["day"] for v in mine]))
            ).delete()
        written += [
            VariantData(
                variant=variant,
                day=values["day"],
                users=values["users"],
                conversions=values.get("conversions", 0),
                sum=values.get("sum", 0.0),
                sum_squares=values.get("sum_squares", 0.0),
            )
            for values in mine
        ]
    VariantData.objects.bulk_create(written)
    # Days add up: check what each variant now totals (the transaction undoes the write if refused).
    check_totals(
        stored_totals([variants[key] for key in by_variant]), metric=locked.metric_type, field="rows"
    )
    experiment_data_changed(locked)
    return DataWriteResult(variants=sorted(by_variant), rows_written=len(written))


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
            {"observations": agg.MSG_VALUE_TOO_LARGE.format(row=offset + row, value=float(values[row]))}
        )


def _json_chunks(rows: Sequence[Any]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    if len(rows) > MAX_JSON_OBSERVATIONS:
        raise ValidationError({"rows": MSG_TOO_MANY_ROWS.format(limit=MAX_JSON_OBSERVATIONS)})
    try:
        labels = [str(row["variant"]) for row in rows]
        raw = [row["value"] for row in rows]
    except (KeyError, TypeError):
        raise ValidationError({"rows": MSG_OBSERVATION_SHAPE}) from None
    values = np.empty(len(raw), dtype=float)
    for index, value in enumerate(raw):
        # Booleans and strings are not numbers here, whatever float() would make of them.
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError({f"rows[{index}].value": MSG_VALUE_NUMBER.format(value=value, row=index)})
        values[index] = value
    yield np.asarray(labels, dtype=object), values


def _csv_chunks(source: IO) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Chunks of (labels, values) read from a CSV with a ``variant,value`` header, in C (pandas)."""
    # Imported here: only CSV uploads pay for pandas.
    import pandas as pd

    if isinstance(source, bytes | str):
        source = io.BytesIO(source.encode() if isinstance(source, str) else source)
    try:
        reader = pd.read_csv(
            source,
            usecols=["variant", "value"],
            dtype={"variant": str},
            chunksize=CSV_CHUNK_ROWS,
            skipinitialspace=True,
            keep_default_na=False,
            na_values=[],
        )
        offset = 0
        for chunk in reader:
            labels = chunk["variant"].to_numpy(dtype=object)
            values = pd.to_numeric(chunk["value"], errors="coerce").to_numpy(dtype=float)
            unparsed = (
                np.isnan(values) & (chunk["value"].astype(str).str.strip().str.lower() != "nan").to_numpy()
            )
            if unparsed.any():
                row = int(unparsed.argmax())
                raise ValidationError(
                    {"observations": MSG_CSV_VALUE.format(value=chunk["value"].iloc[row], row=offset + row)}
                )
            yield labels, values
            offset += len(chunk)
    # pandas' errors are ValueErrors: the specific ones first.
    except pd.errors.EmptyDataError:
        raise ValidationError({"observations": MSG_NO_OBSERVATIONS}) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValidationError({"observations": MSG_CSV_UNREADABLE.format(error=exc)}) from None
    except ValueError as exc:
        if "usecols" in str(exc).lower():
            raise ValidationError({"observations": MSG_CSV_HEADER}) from None
        raise ValidationError({"observations": MSG_CSV_UNREADABLE.format(error=exc)}) from None


def observations_fold(
    *, chunks: Iterable[tuple[np.ndarray, np.ndarray]], metric: str, keys: Iterable[str]
) -> tuple[dict[str, agg.ProportionAggregate | agg.MeanAggregate], int]:
    """Fold chunks of raw rows into per-variant aggregates (streaming); ValidationError on bad rows."""
    binary = metric == MetricType.PROPORTION
    fold = agg.ObservationFold(binary=binary)
    known = set(keys)
    count = 0
    for labels, values in chunks:
        _check_observation_values(values, binary=binary, offset=count)
        try:
            fold.add(labels, values)
        except ValueError as exc:
            raise ValidationError({"observations": str(exc)}) from None
        count += len(values)
    try:
        folded = fold.aggregates()
    except ValueError as exc:
        # Values within bounds can still add up past them.
        raise ValidationError({"observations": str(exc)}) from None
    unknown = sorted(str(label) for label in folded if label not in known)
    if unknown:
        raise ValidationError(
            {
                "observations": MSG_UNKNOWN_LABELS.format(
                    labels=", ".join(unknown), keys=", ".join(sorted(known))
                )
            }
        )
    if count == 0:
        raise ValidationError({"observations": MSG_NO_OBSERVATIONS})
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
    _check_can_push(actor, experiment)
    if mode not in INGEST_MODES:
        raise ValidationError({"mode": MSG_UNKNOWN_MODE})
    if (rows is None) == (csv is None):
        raise ValidationError({"observations": MSG_ONE_SOURCE})
    _check_data_status(experiment)
    # Fold before taking the row lock: reading a large upload must not block the experiment.
    # Variants and metric are frozen once running, so they cannot change meanwhile.
    variants = _variants_by_key(experiment)
    chunks = _json_chunks(rows) if rows is not None else _csv_chunks(csv)
    folded, count = observations_fold(chunks=chunks, metric=experiment.metric_type, keys=variants)
    locked = _lock_for_data(experiment)

    existing = selectors.variant_totals(variants=variants.values()) if mode == MODE_ADD else {}
    targets = list(variants) if mode == MODE_REPLACE else sorted(folded)
    written = []
    for key in targets:
        variant = variants[key]
        new = folded.get(key)
        old = existing.get(variant.pk)
        users = (new.users if new else 0) + (old["users"] if old else 0)
        if locked.metric_type == MetricType.PROPORTION:
            conversions = (new.conversions if new else 0) + (old["conversions"] if old else 0)
            total = squares = 0.0
        else:
            conversions = 0
            total = (new.sum if new else 0.0) + (old["sum"] if old else 0.0)
            squares = (new.sum_squares if new else 0.0) + (old["sum_squares"] if old else 0.0)
        written.append(
            VariantData(
                variant=variant,
                day=None,
                users=users,
                conversions=conversions,
                sum=total,
                sum_squares=squares,
            )
        )
    check_totals(
        {row.variant.key: vars(row) for row in written}, metric=locked.metric_type, field="observations"
    )
    VariantData.objects.filter(variant__in=[variants[key] for key in targets]).delete()
    VariantData.objects.bulk_create(written)
    experiment_data_changed(locked)
    return DataWriteResult(variants=targets, rows_written=len(written), observations=count)
