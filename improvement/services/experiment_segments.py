"""Experiment data by segment: per (segment, variant) totals of the primary KPI, and raw rows with a
segment folded into them. Rows are checked with the rules of ``experiment_data`` (same fields, same
messages); a segment named in a write is replaced whole, segments not named keep their data.
"""

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from improvement.models import Experiment, SegmentData
from improvement.models.segments import SEGMENT_MAX_LENGTH
from improvement.services.experiment_data import (
    MAX_DATA_ROWS,
    MSG_NO_ROWS,
    MSG_TOO_MANY_ROWS,
    _clean_data_row,
    check_can_push,
    experiment_data_changed,
    lock_for_data,
    variants_by_key,
)
from improvement.services.experiment_totals import PRE_FIELDS
from kpis.stats.segments import MAX_SEGMENTS
from kpis.stats_text import stats_message

MSG_SEGMENT_REQUIRED = gettext_noop("Name the segment (e.g. chat, phone, EMEA).")
MSG_SEGMENT_TEXT = gettext_noop(
    "A segment is text of at most {limit} characters, without control characters."
)
MSG_SEGMENT_NOT_HERE = gettext_noop("Segment data are totals: {field} is not used here.")
MSG_DUPLICATE = gettext_noop("Variant {key!r} appears twice in segment {segment!r}.")
MSG_TOO_MANY_SEGMENTS = gettext_noop(
    "An experiment holds at most {limit} segments; this write would leave {count}."
)
NOT_FOR_SEGMENTS = ("day", *PRE_FIELDS)


@dataclass(frozen=True)
class SegmentWriteResult:
    """The segments a write replaced and the rows now stored for them."""

    segments: list[str]
    rows_written: int


def clean_segment(value: Any) -> str:
    """A segment name as stored: trimmed text of 1–100 characters without control characters."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(_(MSG_SEGMENT_REQUIRED))
    if not isinstance(value, str):
        raise ValueError(_(MSG_SEGMENT_TEXT).format(limit=SEGMENT_MAX_LENGTH))
    value = value.strip()
    if len(value) > SEGMENT_MAX_LENGTH or any(unicodedata.category(ch).startswith("C") for ch in value):
        raise ValueError(_(MSG_SEGMENT_TEXT).format(limit=SEGMENT_MAX_LENGTH))
    return value


@transaction.atomic
def experiment_segment_data_replace(
    *, actor: User, experiment: Experiment, rows: Sequence[Mapping[str, Any]]
) -> SegmentWriteResult:
    """Store per (segment, variant) totals, all or nothing; each segment named is replaced whole.

    A row is ``{segment, variant, users, conversions}`` for a proportion, ``{segment, variant, users,
    sum, sum_squares}`` or ``{segment, variant, users, mean, sd}`` for a mean; errors are keyed
    ``rows[i].field`` as in ``experiment_data_replace``.
    """
    check_can_push(actor, experiment)
    if not rows:
        raise ValidationError({"rows": _(MSG_NO_ROWS)})
    if len(rows) > MAX_DATA_ROWS:
        raise ValidationError({"rows": _(MSG_TOO_MANY_ROWS).format(limit=MAX_DATA_ROWS)})
    locked = lock_for_data(experiment)
    variants = variants_by_key(locked)
    errors: dict[str, str] = {}
    cleaned: list[dict[str, Any]] = []
    seen: set[tuple[str, Any]] = set()
    for index, row in enumerate(rows):
        row_errors: dict[str, str] = {}
        try:
            segment = clean_segment(row.get("segment"))
        except ValueError as exc:
            row_errors["segment"], segment = stats_message(exc), None
        for field in NOT_FOR_SEGMENTS:
            if row.get(field) is not None:
                row_errors[field] = _(MSG_SEGMENT_NOT_HERE).format(field=field)
        values, data_errors = _clean_data_row(
            {k: v for k, v in row.items() if k not in NOT_FOR_SEGMENTS},
            metric=locked.metric_type,
            variants=variants,
        )
        row_errors = {**data_errors, **row_errors}
        if segment is not None and (segment, values["variant"]) in seen:
            row_errors["variant"] = _(MSG_DUPLICATE).format(key=values["variant"], segment=segment)
        seen.add((segment, values["variant"]))
        errors.update({f"rows[{index}].{field}": message for field, message in row_errors.items()})
        cleaned.append({**values, "segment": segment})
    if errors:
        raise ValidationError(errors)
    named = sorted({values["segment"] for values in cleaned})
    kept = set(
        SegmentData.objects.filter(variant__experiment=locked)
        .exclude(segment__in=named)
        .values_list("segment", flat=True)
    )
    if len(kept) + len(named) > MAX_SEGMENTS:
        count = len(kept) + len(named)
        raise ValidationError({"rows": _(MSG_TOO_MANY_SEGMENTS).format(limit=MAX_SEGMENTS, count=count)})
    SegmentData.objects.filter(variant__experiment=locked, segment__in=named).delete()
    SegmentData.objects.bulk_create(
        SegmentData(
            variant=variants[values["variant"]],
            segment=values["segment"],
            users=values["users"],
            conversions=values.get("conversions", 0),
            sum=values.get("sum", 0.0),
            sum_squares=values.get("sum_squares", 0.0),
        )
        for values in cleaned
    )
    experiment_data_changed(locked)
    return SegmentWriteResult(segments=named, rows_written=len(cleaned))
