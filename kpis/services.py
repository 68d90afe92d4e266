import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Role, User
from common.dates import MSG_DATE_RANGE, date_in_range
from common.errors import PermissionDenied
from common.outbox import outbox_enqueue
from common.services import model_update
from kpis.alerts import kpi_is_watched
from kpis.measurement_copy import (
    COMPARED_FIELDS,
    UPSERT_FIELDS,
    measurement_copy_upsert,
    measurement_series_lock,
)
from kpis.models import Kpi, Measurement
from kpis.signals import measurements_written
from kpis.tasks import evaluate_alerts_for_series

MAX_BATCH_ROWS = 10_000
# Series evaluated by one alert job: a few milliseconds each, far from the 30 s time limit.
ALERT_SERIES_PER_JOB = 50
# Rows per INSERT statement of an upsert: bounds the memory of one statement and its RETURNING.
UPSERT_BATCH_ROWS = 1000
MEASUREMENT_UPSERT_FIELDS = list(UPSERT_FIELDS)
MEASUREMENT_WRITER_ROLES = frozenset({Role.ADMIN, Role.LEAD, Role.CONTRIBUTOR})
KPI_EDITABLE_FIELDS = (
    "name",
    "description",
    "unit",
    "direction",
    "kind",
    "min_value",
    "max_value",
    "warning_threshold",
    "critical_threshold",
    "chart_type",
)

MSG_NOT_FINITE = gettext_noop("The value must be a finite number (not NaN or infinite).")
# As for experiment observations (kpis.stats.aggregates): squares, sums over sources and control
# limits of values within this bound stay finite doubles.
MAX_ABS_VALUE = 1e100
MSG_VALUE_TOO_LARGE = gettext_noop("The value must lie between -1e100 and 1e100.")
MSG_BELOW_MIN = gettext_noop("The value {value} is below the lowest valid value {limit} for {kpi}.")
MSG_ABOVE_MAX = gettext_noop("The value {value} is above the highest valid value {limit} for {kpi}.")
MSG_UNKNOWN_KPI = gettext_noop("Unknown KPI code: {code}.")
MSG_BAD_PERIOD = gettext_noop("The period must be a date (YYYY-MM-DD).")
MSG_FUTURE_PERIOD = gettext_noop("The period {period} lies in the future.")
# A client a time zone ahead of the server may already be on tomorrow's date.
FUTURE_PERIOD_SLACK = dt.timedelta(days=1)
# The largest PositiveIntegerField value every supported database stores (PostgreSQL's integer).
MAX_SAMPLE_SIZE = 2_147_483_647
MSG_BAD_SAMPLE_TEMPLATE = gettext_noop("The sample size must be a whole number from 0 to {limit}.")
MSG_BAD_SAMPLE = MSG_BAD_SAMPLE_TEMPLATE.format(limit=MAX_SAMPLE_SIZE)
MSG_BAD_NUMERATOR = gettext_noop(
    "The count must be a whole number from 0 to the sample size, and needs a sample size."
)
MAX_NOTE_LENGTH = 2_000
MAX_CAUSE_LENGTH = 200
MSG_NOTE_TOO_LONG_TEMPLATE = gettext_noop("A note holds at most {limit} characters.")
MSG_NOTE_TOO_LONG = MSG_NOTE_TOO_LONG_TEMPLATE.format(limit=f"{MAX_NOTE_LENGTH:,}")
MSG_CAUSE_TOO_LONG_TEMPLATE = gettext_noop("An assignable cause holds at most {limit} characters.")
MSG_CAUSE_TOO_LONG = MSG_CAUSE_TOO_LONG_TEMPLATE.format(limit=MAX_CAUSE_LENGTH)
MSG_TOO_MANY_ROWS = gettext_noop("A batch holds at most {limit} rows; got {count}.")
MSG_EMPTY_BATCH = gettext_noop("The batch is empty.")
MSG_DUPLICATE_ROW = gettext_noop("Row {other} has the same KPI, segment, period and source.")
MSG_CANNOT_WRITE = gettext_noop("Your role cannot record measurements.")
MSG_SEGMENT_TOO_LONG = gettext_noop("The segment is at most 100 characters.")
MSG_ADMIN_ONLY = gettext_noop("Only an admin can change the KPI catalogue.")
MSG_SOURCE_INVALID = gettext_noop("The source must be 1–100 characters.")


@dataclass(frozen=True)
class UpsertResult:
    created: int
    updated: int
    unchanged: int

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied(_(MSG_ADMIN_ONLY))


def kpi_validate_value(*, kpi: Kpi, value: float) -> str | None:
    """Return the message explaining why ``value`` is invalid for ``kpi``, or None."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return _(MSG_NOT_FINITE)
    if not math.isfinite(value):
        return _(MSG_NOT_FINITE)
    if abs(value) > MAX_ABS_VALUE:
        return _(MSG_VALUE_TOO_LARGE)
    if kpi.min_value is not None and value < kpi.min_value:
        return _(MSG_BELOW_MIN).format(value=value, limit=kpi.min_value, kpi=kpi.name)
    if kpi.max_value is not None and value > kpi.max_value:
        return _(MSG_ABOVE_MAX).format(value=value, limit=kpi.max_value, kpi=kpi.name)
    return None


@transaction.atomic
def kpi_create(*, actor: User, code: str, name: str, unit: str, direction: str, **fields) -> Kpi:
    _require_admin(actor)
    kpi = Kpi(code=code, name=name, unit=unit, direction=direction, **fields)
    kpi.full_clean()
    kpi.save()
    return kpi


@transaction.atomic
def kpi_update(*, actor: User, kpi: Kpi, **fields) -> Kpi:
    _require_admin(actor)
    model_update(kpi, actor=actor, data=fields, allowed=KPI_EDITABLE_FIELDS)
    return kpi


def _parse_period(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value)
        except ValueError:
            return None
    return None


def _latest_period() -> dt.date:
    return timezone.localdate() + FUTURE_PERIOD_SLACK


def _clean_row(
    row: Mapping, kpis_by_code: dict[str, Kpi], latest_period: dt.date | None = None
) -> tuple[dict, dict[str, str]]:
    errors: dict[str, str] = {}
    kpi = row.get("kpi")
    if not isinstance(kpi, Kpi):
        kpi = kpis_by_code.get(str(kpi))
        if kpi is None:
            errors["kpi"] = _(MSG_UNKNOWN_KPI).format(code=row.get("kpi"))
    period = _parse_period(row.get("period"))
    if period is None:
        errors["period"] = _(MSG_BAD_PERIOD)
    elif not date_in_range(period):
        errors["period"] = MSG_DATE_RANGE
    elif period > (latest_period or _latest_period()):
        errors["period"] = _(MSG_FUTURE_PERIOD).format(period=period.isoformat())
    segment = row.get("segment") or ""
    if len(segment) > 100:
        errors["segment"] = _(MSG_SEGMENT_TOO_LONG)
    source = row.get("source") or "manual"
    if not isinstance(source, str) or not 0 < len(source) <= 100:
        errors["source"] = _(MSG_SOURCE_INVALID)
    sample_size = row.get("sample_size")
    if sample_size is not None and (
        isinstance(sample_size, bool)
        or not isinstance(sample_size, int)
        or not 0 <= sample_size <= MAX_SAMPLE_SIZE
    ):
        errors["sample_size"] = _(MSG_BAD_SAMPLE_TEMPLATE).format(limit=MAX_SAMPLE_SIZE)
    numerator = row.get("numerator")
    if numerator is not None and (
        isinstance(numerator, bool)
        or not isinstance(numerator, int)
        or "sample_size" in errors
        or sample_size is None
        or not 0 <= numerator <= sample_size
    ):
        errors["numerator"] = _(MSG_BAD_NUMERATOR)
    note = row.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE_LENGTH:
        errors["note"] = _(MSG_NOTE_TOO_LONG_TEMPLATE).format(limit=f"{MAX_NOTE_LENGTH:,}")
    cause = row.get("assignable_cause") or ""
    if not isinstance(cause, str) or len(cause) > MAX_CAUSE_LENGTH:
        errors["assignable_cause"] = _(MSG_CAUSE_TOO_LONG_TEMPLATE).format(limit=MAX_CAUSE_LENGTH)
    value = row.get("value")
    if kpi is not None and "kpi" not in errors:
        message = kpi_validate_value(kpi=kpi, value=value)
        if message:
            errors["value"] = message
    clean = {
        "kpi": kpi,
        "segment": segment,
        "period": period,
        "source": source,
        "sample_size": sample_size,
        "numerator": numerator,
        "note": note,
        "assignable_cause": cause,
    }
    if "value" not in errors and value is not None:
        clean["value"] = float(value)
    return clean, errors


def measurement_can_write(*, actor: User) -> bool:
    return actor.is_superuser or actor.role in MEASUREMENT_WRITER_ROLES


@transaction.atomic
def measurement_upsert_many(*, actor: User, rows: Iterable[Mapping]) -> UpsertResult:
    """Insert or update measurements by natural key, all or nothing.

    Each row: ``kpi`` (code or Kpi), ``period``, ``value``, optional ``segment``, ``sample_size``,
    ``numerator`` (how many of the sample counted), ``note``, ``assignable_cause``, ``source``.
    Re-sending the same rows changes nothing. Any invalid row refuses the whole batch
    with a ``ValidationError`` keyed ``rows[i].field``.
    """
    if not measurement_can_write(actor=actor):
        raise PermissionDenied(_(MSG_CANNOT_WRITE))
    rows = list(rows)
    if not rows:
        raise ValidationError({"rows": _(MSG_EMPTY_BATCH)})
    if len(rows) > MAX_BATCH_ROWS:
        raise ValidationError({"rows": _(MSG_TOO_MANY_ROWS).format(limit=MAX_BATCH_ROWS, count=len(rows))})

    codes = {str(r.get("kpi")) for r in rows if not isinstance(r.get("kpi"), Kpi)}
    kpis_by_code = {k.code: k for k in Kpi.objects.active().filter(code__in=codes)}
    cleaned: list[dict] = []
    errors: dict[str, list[str]] = {}
    seen: dict[tuple, int] = {}
    kpis_by_id: dict[int, Kpi] = {}
    latest_period = _latest_period()
    for index, row in enumerate(rows):
        clean, row_errors = _clean_row(row, kpis_by_code, latest_period)
        if not row_errors:
            kpi_id = clean["kpi"].pk
            kpis_by_id[kpi_id] = clean["kpi"]
            key = (kpi_id, clean["segment"], clean["period"], clean["source"])
            if key in seen:
                row_errors["period"] = _(MSG_DUPLICATE_ROW).format(other=seen[key])
            seen[key] = index
        for field, message in row_errors.items():
            errors[f"rows[{index}].{field}"] = [message]
        cleaned.append(clean)
    if errors:
        raise ValidationError(errors)

    if connection.vendor == "postgresql":
        # The database says what it did, row by row: no read of the existing rows beforehand.
        measurement_series_lock([(kpi_id, segment) for kpi_id, segment, _period, _source in seen])
        copied = measurement_copy_upsert(actor=actor, rows=cleaned)
        created, updated, changed = copied.created, copied.updated, copied.changed
    else:
        created, updated, changed = _upsert_snapshot(actor=actor, cleaned=cleaned)
    # The periods written, by series: one pass over the rows, then one step per series.
    written: dict[tuple[int, str], set[dt.date]] = {}
    for kpi_id, segment, period in changed:
        written.setdefault((kpi_id, segment), set()).add(period)
    measurements_written.send(Measurement, periods={series: max(days) for series, days in written.items()})
    _schedule_alert_evaluation(written, kpis_by_id=kpis_by_id)
    return UpsertResult(created=created, updated=updated, unchanged=len(cleaned) - created - updated)


def _upsert_snapshot(*, actor: User, cleaned: list[dict]) -> tuple[int, int, list[tuple[int, str, dt.date]]]:
    """SQLite: compare with the stored rows, then write those new or different.

    SQLite runs IMMEDIATE transactions: no other writer between the read and the write. ON
    CONFLICT keeps the natural key unique all the same.
    """
    periods = [c["period"] for c in cleaned]
    # Plain tuples, one SELECT: 10,000 model instances cost more than the query.
    existing = {
        (kpi_id, segment, period, source): compared
        for kpi_id, segment, period, source, *compared in Measurement.objects.filter(
            kpi_id__in={c["kpi"].pk for c in cleaned},
            period__gte=min(periods),
            period__lte=max(periods),
            source__in={c["source"] for c in cleaned},
        ).values_list("kpi_id", "segment", "period", "source", *COMPARED_FIELDS)
    }
    to_write: list[Measurement] = []
    created = updated = 0
    for clean in cleaned:
        key = (clean["kpi"].pk, clean["segment"], clean["period"], clean["source"])
        current = existing.get(key)
        if current is None:
            created += 1
        elif current == [clean[name] for name in COMPARED_FIELDS]:
            continue
        else:
            updated += 1
        to_write.append(Measurement(recorded_by=actor, **clean))
    Measurement.objects.bulk_create(
        to_write,
        batch_size=UPSERT_BATCH_ROWS,
        update_conflicts=True,
        unique_fields=["kpi", "segment", "period", "source"],
        update_fields=MEASUREMENT_UPSERT_FIELDS,
    )
    return created, updated, [(m.kpi_id, m.segment, m.period) for m in to_write]


def _schedule_alert_evaluation(
    written: dict[tuple[int, str], set[dt.date]], *, kpis_by_id: dict[int, Kpi]
) -> None:
    """After commit (through the outbox), evaluate alerts for each watched (KPI, segment) written:
    one job per ``ALERT_SERIES_PER_JOB`` series, so that a job stays well within the workers' time
    limit and a job that fails leaves the other jobs' series evaluated."""
    series = [
        [kpi_id, segment, sorted(day.isoformat() for day in days)]
        for (kpi_id, segment), days in written.items()
        if kpi_is_watched(kpis_by_id[kpi_id])
    ]
    for first in range(0, len(series), ALERT_SERIES_PER_JOB):
        outbox_enqueue(
            task=evaluate_alerts_for_series.name, args=[series[first : first + ALERT_SERIES_PER_JOB]]
        )


def measurement_record(
    *,
    actor: User,
    kpi: Kpi,
    period,
    value: float,
    segment: str = "",
    sample_size: int | None = None,
    source: str = "manual",
    **extra,
) -> UpsertResult:
    """One measurement; ``extra``: ``numerator``, ``note``, ``assignable_cause``."""
    return measurement_upsert_many(
        actor=actor,
        rows=[
            {
                "kpi": kpi,
                "period": period,
                "value": value,
                "segment": segment,
                "sample_size": sample_size,
                "source": source,
                **extra,
            }
        ],
    )


@transaction.atomic
def measurement_put(
    *,
    actor: User,
    kpi: Kpi | str,
    period,
    value: float,
    segment: str = "",
    sample_size: int | None = None,
    source: str = "manual",
    numerator: int | None = None,
    note: str = "",
    assignable_cause: str = "",
) -> tuple[Measurement, UpsertResult]:
    """Upsert one measurement (``kpi`` as a Kpi or its code) and return the stored row."""
    row = {
        "kpi": kpi,
        "period": period,
        "value": value,
        "segment": segment,
        "sample_size": sample_size,
        "source": source,
        "numerator": numerator,
        "note": note,
        "assignable_cause": assignable_cause,
    }
    result = measurement_upsert_many(actor=actor, rows=[row])
    code = kpi.code if isinstance(kpi, Kpi) else kpi
    measurement = Measurement.objects.select_related("kpi").get(
        kpi__code=code, segment=segment, period=period, source=source
    )
    return measurement, result
