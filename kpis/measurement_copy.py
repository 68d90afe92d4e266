"""PostgreSQL's write of a validated measurement batch: COPY into a temporary table, then one
``INSERT … SELECT … ON CONFLICT … DO UPDATE … RETURNING``.

``kpis.services.measurement_upsert_many`` validates the batch and calls this inside its transaction.
The rows travel to the server in one binary COPY stream instead of ten array-bound INSERTs built from model
instances; the single INSERT lets the database say what it did per row: ``xmax = 0`` is true for a
freshly inserted row (on a partitioned table, which returns no system column: the row carries the
batch's creation time), and a row whose value and sample size are already those sent is neither
rewritten nor returned. So the counts and the rows handed to alert evaluation are what this
transaction really changed, even when another batch wrote the same rows meanwhile.

The change-cursor triggers (common/sync_triggers.py) fire as for any INSERT/UPDATE of the table:
an unchanged row keeps its marker and ``updated_at``.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection, models

from accounts.models import User
from kpis.models import Measurement

# The temporary table lives as long as the connection and is emptied at each commit.
STAGING_TABLE = "kpis_measurement_staging"
# The columns a batch row sets; every other column (who recorded it, timestamps…) has one value
# for the whole batch, taken from the model as ``bulk_create`` would.
ROW_FIELDS = (
    "kpi",
    "segment",
    "period",
    "value",
    "sample_size",
    "source",
    "numerator",
    "note",
    "assignable_cause",
)
NATURAL_KEY = ("kpi", "segment", "period", "source")
# What re-sending a measurement with another value changes; the natural key and created_at stay.
COMPARED_FIELDS = ("value", "sample_size", "numerator", "note", "assignable_cause")
UPSERT_FIELDS = (*COMPARED_FIELDS, "recorded_by", "updated_at")


@dataclass(frozen=True)
class CopyUpsert:
    created: int
    updated: int
    # (kpi id, segment, period) of every row inserted or changed.
    changed: list[tuple[int, str, dt.date]]


def _column(name: str) -> str:
    return Measurement._meta.get_field(name).column


def _batch_fields() -> list[models.Field]:
    """The columns an INSERT writes: the model's own, so a new field is written too."""
    return [
        f
        for f in Measurement._meta.concrete_fields
        if not f.primary_key and not f.generated and f.db_default is models.NOT_PROVIDED
    ]


_partitioned: dict[str, bool] = {}


def table_is_partitioned() -> bool:
    """Whether the measurements table is partitioned (kpis/partitioning.py), read once per database."""
    name = connection.settings_dict["NAME"]
    if name not in _partitioned:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = %s::regclass)",
                [Measurement._meta.db_table],
            )
            _partitioned[name] = cursor.fetchone()[0]
    return _partitioned[name]


def forget_partitioning() -> None:
    """Read the table's kind again on the next batch (after a conversion)."""
    _partitioned.clear()


def measurement_series_lock(series: Sequence[tuple[int, str]]) -> None:
    """Take this transaction's lock on every (kpi id, segment) series it writes, in one order,
    before writing any row. A write to a series also locks the rows that follow it (a trigger moves
    their change marker, common/sync_triggers.py): two batches sharing a series could otherwise each
    hold a row the other needs next and deadlock. With the series locked first, the second waits at
    the start instead. Advisory locks end with the transaction; a hash collision only serialises
    two unrelated series."""
    series = sorted(set(series))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(kpi, hashtext(segment))) FROM ("
            "SELECT kpi, segment FROM unnest(%s::integer[], %s::text[]) AS series (kpi, segment) "
            "ORDER BY kpi, hashtext(segment)) AS ordered",
            [[kpi for kpi, _ in series], [segment for _, segment in series]],
        )


def measurement_copy_upsert(*, actor: User, rows: Sequence[dict]) -> CopyUpsert:
    """Insert or update ``rows`` (cleaned: ``kpi`` a Kpi, ``period`` a date…) by natural key.

    Must run inside the caller's transaction (the temporary table's rows go at commit, the series
    locks with it). Rows are sorted by key so that two batches never lock shared rows in opposite
    orders.
    """
    quote = connection.ops.quote_name
    table = quote(Measurement._meta.db_table)
    staging = quote(STAGING_TABLE)
    fields = _batch_fields()
    row_columns = [_column(name) for name in ROW_FIELDS]
    # One value per batch for the other columns, prepared by the fields themselves (auto_now…).
    template = Measurement(recorded_by=actor)
    selected, params = [], []
    for f in fields:
        if f.column in row_columns:
            selected.append(f"s.{quote(f.column)}")
        else:
            selected.append(f"%s::{f.db_type(connection)}")
            params.append(f.get_db_prep_save(f.pre_save(template, add=True), connection))
    inserted = "(xmax = 0)"
    if table_is_partitioned():
        # A partitioned table answers no system column in RETURNING: a row of this batch was
        # inserted when it carries the batch's own creation time (an updated row keeps its own).
        inserted = f"({quote(_column('created_at'))} = %s::timestamptz)"
    key_columns = [quote(_column(name)) for name in NATURAL_KEY]
    key = ", ".join(key_columns)
    assignments = ", ".join(f"{quote(_column(n))} = EXCLUDED.{quote(_column(n))}" for n in UPSERT_FIELDS)
    compared = [quote(_column(name)) for name in COMPARED_FIELDS]
    insert = (
        f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}) "
        f"SELECT {', '.join(selected)} FROM {staging} AS s "
        f"ORDER BY {', '.join(f's.{c}' for c in key_columns)} "
        f"ON CONFLICT ({key}) DO UPDATE SET {assignments} "
        f"WHERE ({', '.join(f'{table}.{c}' for c in compared)}) "
        f"IS DISTINCT FROM ({', '.join(f'EXCLUDED.{c}' for c in compared)}) "
        f"RETURNING {inserted}, {quote(_column('kpi'))}, {quote(_column('segment'))}, "
        f"{quote(_column('period'))}"
    )
    columns = ", ".join(quote(c) for c in row_columns)
    with connection.cursor() as cursor:
        # The table's own column types, no constraints: what COPY accepts is what the INSERT takes.
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS "
            f"AS SELECT {columns} FROM {table} WITH NO DATA"
        )
        # An earlier batch of the same (outer) transaction may have left its rows.
        cursor.execute(f"TRUNCATE {staging}")
        # Binary COPY (a third of the text format's time for 10,000 rows) needs each column's type.
        cursor.execute(
            "SELECT atttypid FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped ORDER BY attnum",
            [STAGING_TABLE],
        )
        types = [oid for (oid,) in cursor.fetchall()]
        with cursor.copy(f"COPY {staging} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(
                    (
                        row["kpi"].pk,
                        row["segment"],
                        row["period"],
                        row["value"],
                        row["sample_size"],
                        row["source"],
                        row["numerator"],
                        row["note"],
                        row["assignable_cause"],
                    )
                )
        cursor.execute(insert, params + ([template.created_at] if "%s" in inserted else []))
        returned = cursor.fetchall()
    created = sum(1 for inserted, *_ in returned if inserted)
    changed = [(kpi_id, segment, period) for _, kpi_id, segment, period in returned]
    return CopyUpsert(created=created, updated=len(returned) - created, changed=changed)
