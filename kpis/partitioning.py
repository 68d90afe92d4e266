"""Measurements in monthly range partitions (PostgreSQL native partitioning), by ``period``.

``partition_measurements`` (the management command) calls ``partition``: in ONE transaction, under
an exclusive lock on the table, it

1. reads the table's constraints, indexes and triggers from the catalogue, and refuses (nothing
   changed) when a unique constraint lacks ``period`` (PostgreSQL requires every unique key of a
   partitioned table to include the partition key) or another table references a measurement;
2. creates ``kpis_measurement_partitioned (LIKE kpis_measurement) PARTITION BY RANGE (period)``,
   one partition per month from the earliest period to ``months_ahead`` months past today, and a
   default partition for any other date (an insert never fails for want of a partition);
3. copies every row, drops the old table, renames the new one to ``kpis_measurement``;
4. puts back every constraint (the primary key becomes (id, period): a unique key of a partitioned
   table must hold the partition key; ids still come from one sequence, so they stay unique),
   every index (created on the parent, so on each partition) and every trigger (the change marker,
   the tombstones, the targets' touch: common/sync_triggers.py) under their own names, and the id
   sequence continuing after the highest id. The tombstone trigger names the table explicitly
   (``sync_bury_as('kpis_measurement')``): on a partition ``TG_TABLE_NAME`` is the partition's.

On a table already partitioned, it only adds the months up to ``months_ahead`` that are missing (run
it monthly, e.g. from cron or Celery beat); a month whose rows already sit in the default partition
is named in the error, nothing changed.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction

from kpis.measurement_copy import forget_partitioning

TABLE = "kpis_measurement"
KEY = "period"
NEW = f"{TABLE}_partitioned"
DEFAULT_PARTITION = f"{TABLE}_default"
MSG_NOT_POSTGRESQL = "Partitioning needs PostgreSQL (native range partitioning); this database is {vendor}."
MSG_UNIQUE_WITHOUT_KEY = (
    "The unique constraint {name} does not include {key}: a partitioned table's unique keys must "
    "include the partition key. Add {key} to it first."
)
MSG_REFERENCED = (
    "The table {table} references measurements ({name}): a partitioned table cannot be referenced."
)
MSG_DEFAULT_HOLDS_MONTH = (
    "The default partition holds rows of {month}: move them out before adding that month's partition."
)


# A row trigger of a partitioned table runs on the partition: ``TG_TABLE_NAME`` would name the
# partition, so the tombstone of a deleted measurement is written under the table's own name instead.
_BURY = "sync_bury()"
_BURY_AS = "sync_bury_as"
_BURY_AS_PARENT = f"""
    CREATE OR REPLACE FUNCTION {_BURY_AS}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO sync_tombstone (table_name, object_id, change_marker)
        VALUES (TG_ARGV[0], OLD.id, pg_current_xact_id()::text::bigint);
        RETURN NULL;
    END $$"""


class PartitioningError(Exception):
    """Refused before anything changed; the message says why."""


@dataclass
class Report:
    converted: bool
    rows: int
    months_added: list[str]


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(month: dt.date) -> dt.date:
    return (month + dt.timedelta(days=32)).replace(day=1)


def _partition_name(month: dt.date) -> str:
    return f"{TABLE}_p{month:%Y%m}"


def _rows(cursor, sql: str, params=()) -> list[tuple]:
    cursor.execute(sql, params)
    return cursor.fetchall()


def is_partitioned(cursor) -> bool:
    found = _rows(
        cursor,
        "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid"
        " WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
        [TABLE],
    )
    return bool(found)


def partition(*, months_ahead: int = 12, today: dt.date | None = None) -> Report:
    if connection.vendor != "postgresql":
        raise PartitioningError(MSG_NOT_POSTGRESQL.format(vendor=connection.vendor))
    today = today or dt.date.today()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
        if is_partitioned(cursor):
            return Report(False, _count(cursor), _add_months(cursor, TABLE, today, today, months_ahead))
        # Checks deferred to the commit (Django's foreign keys) of rows written earlier in the same
        # transaction would keep the old table from being dropped: run them now, then defer again.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        report = _convert(cursor, today, months_ahead)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        forget_partitioning()
        return report


def _count(cursor) -> int:
    return _rows(cursor, f"SELECT count(*) FROM {TABLE}")[0][0]


def _add_months(cursor, parent: str, first: dt.date, today: dt.date, months_ahead: int) -> list[str]:
    """Create ``parent``'s missing monthly partitions from ``first``'s month to the horizon."""
    month, last = _month(min(first, today)), _month(today)
    for _ in range(months_ahead):
        last = _next_month(last)
    existing = _tables(cursor)
    added = []
    while month <= last:
        name = _partition_name(month)
        if name not in existing:
            held = _rows(
                cursor,
                f"SELECT 1 FROM {DEFAULT_PARTITION} WHERE {KEY} >= %s AND {KEY} < %s LIMIT 1",
                [month, _next_month(month)],
            )
            if held:
                raise PartitioningError(MSG_DEFAULT_HOLDS_MONTH.format(month=f"{month:%Y-%m}"))
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {parent} FOR VALUES FROM (%s) TO (%s)",
                [month.isoformat(), _next_month(month).isoformat()],
            )
            added.append(f"{month:%Y-%m}")
        month = _next_month(month)
    return added


def _tables(cursor) -> set[str]:
    return {name for (name,) in _rows(cursor, "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p')")}


def _catalogue(cursor) -> dict:
    """The table's constraints, plain indexes and triggers, as SQL that recreates them."""
    constraints = _rows(
        cursor,
        "SELECT conname, contype, pg_get_constraintdef(oid),"
        " ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = conrelid AND attnum = ANY(conkey))"
        " FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u', 'f', 'c')"
        " ORDER BY contype DESC, conname",
        [TABLE],
    )
    indexes = _rows(
        cursor,
        "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = %s::regclass"
        " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [TABLE],
    )
    triggers = _rows(
        cursor,
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
        [TABLE],
    )
    referenced = _rows(
        cursor,
        "SELECT conrelid::regclass::text, conname FROM pg_constraint"
        " WHERE confrelid = %s::regclass AND contype = 'f'",
        [TABLE],
    )
    return {
        "constraints": constraints,
        "indexes": [sql for (sql,) in indexes],
        "triggers": [sql for (sql,) in triggers],
        "referenced": referenced,
    }


def _convert(cursor, today: dt.date, months_ahead: int) -> Report:
    found = _catalogue(cursor)
    if found["referenced"]:
        table, name = found["referenced"][0]
        raise PartitioningError(MSG_REFERENCED.format(table=table, name=name))
    for name, kind, _sql, columns in found["constraints"]:
        if kind == "u" and KEY not in columns:
            raise PartitioningError(MSG_UNIQUE_WITHOUT_KEY.format(name=name, key=KEY))
    first, last_id = _rows(cursor, f"SELECT min({KEY}), coalesce(max(id), 0) FROM {TABLE}")[0]

    cursor.execute(f"CREATE TABLE {NEW} (LIKE {TABLE} INCLUDING DEFAULTS) PARTITION BY RANGE ({KEY})")
    cursor.execute(f"CREATE TABLE {DEFAULT_PARTITION} PARTITION OF {NEW} DEFAULT")
    # The months exist before the copy: each row lands in its own month, none in the default.
    months = _add_months(cursor, NEW, first or today, today, months_ahead)
    cursor.execute(f"INSERT INTO {NEW} SELECT * FROM {TABLE}")
    rows = cursor.rowcount
    cursor.execute(f"DROP TABLE {TABLE}")
    cursor.execute(f"ALTER TABLE {NEW} RENAME TO {TABLE}")

    sequence = f"{TABLE}_id_seq"
    cursor.execute(f"CREATE SEQUENCE {sequence} AS bigint OWNED BY {TABLE}.id START WITH {last_id + 1}")
    cursor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{sequence}')")
    for name, kind, sql, _columns in found["constraints"]:
        if kind == "p":
            sql = f"PRIMARY KEY (id, {KEY})"
        cursor.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {sql}')
    cursor.execute(_BURY_AS_PARENT)
    for sql in found["indexes"] + found["triggers"]:
        cursor.execute(sql.replace(_BURY, f"{_BURY_AS}('{TABLE}')"))
    cursor.execute(f"ANALYZE {TABLE}")
    return Report(True, rows, months)
