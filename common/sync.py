"""The change cursor: a commit-ordered change marker on every synced row, and its database triggers.

``updated_at`` is stamped when Python saves a row, not when its transaction commits, so a mirror
that asks for "changed since T" misses the rows of any transaction that was still open at T. The
change marker is written by the DATABASE on every insert and update (triggers installed by the
migrations through ``ChangeTracking``), so no write path — a service, a bulk upsert,
``queryset.update()``, the admin, raw SQL — can forget it, and it is ordered by commit:

- PostgreSQL: the marker is the writing transaction's id (``pg_current_xact_id()``). A walk serves
  rows only below ``pg_snapshot_xmin(pg_current_snapshot())``: every transaction below it has ended,
  so a transaction that commits later always writes a marker above any cursor already handed out.
- SQLite: writers are serialised (one write transaction at a time, held to its commit), so a
  counter bumped inside the writing transaction is already in commit order; no horizon is needed.

A row whose answer includes numbers derived from other tables (an initiative's milestone counts and
members, a target's current value, an experiment's variants) is "touched" by triggers on those
tables in the same transaction, so its marker moves whenever its answer can.
"""

import base64
import binascii
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.migrations.operations.base import Operation
from django.db.models import F, Q
from django.db.models.expressions import RawSQL

MARKER = "change_marker"
CURSOR_VERSION = "c1"
# The position before every row (markers and ids are positive): the start of a full walk.
START = (0, 0)
MSG_CURSOR_INVALID = "This change cursor is not valid; start again with an empty change_cursor."

_PG_XID = "pg_current_xact_id()::text::bigint"
# Every transaction with an id below this has ended (committed or rolled back) for this statement.
_PG_HORIZON = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"
_SQLITE_CLOCK = "sync_clock"


class ChangeTracked(models.Model):
    """Rows with a change marker, served in (marker, id) order by the change cursor."""

    # Written only by the database's triggers: the value a Python save sends is overwritten.
    change_marker = models.BigIntegerField(default=0, editable=False)

    class Meta:
        abstract = True


# --- the cursor token ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Position:
    """A place in a table's change walk: rows after (marker, id) have not been served yet."""

    marker: int
    id: int

    def token(self) -> str:
        raw = f"{CURSOR_VERSION}.{self.marker}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str) -> "Position":
        """The position of a token; an empty token is the start. Anything else is a 400."""
        if not token:
            return cls(*START)
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            version, marker, pk = raw.split(".")
            if version != CURSOR_VERSION or not marker.isdigit() or not pk.isdigit():
                raise ValueError(raw)
            position = cls(int(marker), int(pk))
        except (ValueError, UnicodeDecodeError, binascii.Error) as error:
            raise ValidationError({"change_cursor": [MSG_CURSOR_INVALID]}) from error
        if (
            position.marker > models.BigIntegerField.MAX_BIGINT
            or position.id > models.BigIntegerField.MAX_BIGINT
        ):
            raise ValidationError({"change_cursor": [MSG_CURSOR_INVALID]})
        return position


def rows_after(queryset, *, position: Position, vendor: str):
    """``queryset``'s rows after ``position`` that no open transaction can still fall behind, in
    (marker, id) order. The first condition, alone, is a range on the (marker, id) index."""
    after = Q(**{f"{MARKER}__gt": position.marker}) | Q(**{MARKER: position.marker, "pk__gt": position.id})
    qs = queryset.filter(Q(**{f"{MARKER}__gte": position.marker}) & after)
    if vendor == "postgresql":
        qs = qs.filter(**{f"{MARKER}__lt": RawSQL(_PG_HORIZON, ())})
    return qs.order_by(F(MARKER).asc(), F("pk").asc())


# --- the triggers, installed by migrations ---------------------------------------------------------


def _pg_functions() -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION sync_mark() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.change_marker := {_PG_XID};
            RETURN NEW;
        END $$""",
        # Touch the parent row named by a foreign key of the changed row (old and new, if moved):
        # its BEFORE UPDATE trigger moves its marker. Once per transaction and parent is enough.
        f"""
        CREATE OR REPLACE FUNCTION sync_touch() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            parents bigint[];
        BEGIN
            IF TG_OP <> 'DELETE' THEN
                parents := array_append(parents, (to_jsonb(NEW) ->> TG_ARGV[1])::bigint);
            END IF;
            IF TG_OP <> 'INSERT' THEN
                parents := array_append(parents, (to_jsonb(OLD) ->> TG_ARGV[1])::bigint);
            END IF;
            EXECUTE format(
                'UPDATE %I SET change_marker = 0 WHERE id = ANY($1) AND change_marker <> {_PG_XID}',
                TG_ARGV[0]
            ) USING parents;
            RETURN NULL;
        END $$""",
    ]


def _sqlite_clock() -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS {_SQLITE_CLOCK} "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)",
        f"INSERT OR IGNORE INTO {_SQLITE_CLOCK} (id, value) VALUES (1, 0)",
    ]


def _sqlite_mark(table: str, event: str) -> str:
    # An AFTER trigger that updates its own table does not fire itself again (SQLite's
    # recursive_triggers is off), but does fire the touch triggers of other tables.
    return f"""
        CREATE TRIGGER {table}_mark_{event.lower()} AFTER {event} ON {table} BEGIN
            UPDATE {_SQLITE_CLOCK} SET value = value + 1 WHERE id = 1;
            UPDATE {table} SET change_marker = (SELECT value FROM {_SQLITE_CLOCK} WHERE id = 1)
                WHERE id = NEW.id;
        END"""


class ChangeTracking(Operation):
    """Give ``table`` (which has a ``change_marker`` column) its marking trigger and (marker, id)
    index, and stamp its existing rows. Database-only: the model state already has the field."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str):
        self.table = table

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        t = self.table
        index = f"CREATE INDEX {t}_change ON {t} (change_marker, id)"
        if schema_editor.connection.vendor == "postgresql":
            statements = [
                *_pg_functions(),
                f"UPDATE {t} SET change_marker = {_PG_XID}",
                f"CREATE TRIGGER {t}_mark BEFORE INSERT OR UPDATE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION sync_mark()",
                index,
            ]
        else:
            statements = [
                *_sqlite_clock(),
                f"UPDATE {_SQLITE_CLOCK} SET value = value + 1 WHERE id = 1",
                f"UPDATE {t} SET change_marker = (SELECT value FROM {_SQLITE_CLOCK} WHERE id = 1)",
                _sqlite_mark(t, "INSERT"),
                _sqlite_mark(t, "UPDATE"),
                index,
            ]
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        t = self.table
        if schema_editor.connection.vendor == "postgresql":
            statements = [f"DROP TRIGGER IF EXISTS {t}_mark ON {t}"]
        else:
            statements = [
                f"DROP TRIGGER IF EXISTS {t}_mark_insert",
                f"DROP TRIGGER IF EXISTS {t}_mark_update",
            ]
        for statement in [*statements, f"DROP INDEX IF EXISTS {t}_change"]:
            schema_editor.execute(statement, params=None)

    def describe(self):
        return f"Track changes of {self.table}"


class TouchParent(Operation):
    """Any insert, update or delete of a ``table`` row moves the marker of the ``parent`` row that
    its ``column`` names, in the same transaction: the parent's answer is derived from it."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str, column: str, parent: str):
        self.table, self.column, self.parent = table, column, parent

    def state_forwards(self, app_label, state):
        pass

    @property
    def _name(self) -> str:
        return f"{self.table}_touch_{self.column}"

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        t, column, parent = self.table, self.column, self.parent
        if schema_editor.connection.vendor == "postgresql":
            statements = [
                *_pg_functions(),
                f"CREATE TRIGGER {self._name} AFTER INSERT OR UPDATE OR DELETE ON {t} "
                f"FOR EACH ROW EXECUTE FUNCTION sync_touch('{parent}', '{column}')",
            ]
        else:
            touch = f"UPDATE {parent} SET change_marker = change_marker WHERE id = {{row}}.{column};"
            statements = [
                f"CREATE TRIGGER {self._name}_{event.lower()} AFTER {event} ON {t} BEGIN "
                + "".join(touch.format(row=row) for row in rows)
                + " END"
                for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["NEW", "OLD"]), ("DELETE", ["OLD"]))
            ]
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            names = [f"{self._name} ON {self.table}"]
        else:
            names = [f"{self._name}_{event}" for event in ("insert", "update", "delete")]
        for name in names:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")

    def describe(self):
        return f"Touch {self.parent} on changes of {self.table}"


class TouchSeriesTargets(Operation):
    """A measurement write moves the markers of the targets following its (kpi, segment) series:
    their ``current_value`` and ``progress`` are read from it. On PostgreSQL one statement per
    write statement (transition tables), so a 10,000-row upsert touches each target once."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, measurements: str, targets: str):
        self.measurements, self.targets = measurements, targets

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        m, t = self.measurements, self.targets
        if schema_editor.connection.vendor == "postgresql":
            statements = [
                f"""
                CREATE OR REPLACE FUNCTION sync_touch_series_targets() RETURNS trigger
                LANGUAGE plpgsql AS $$
                BEGIN
                    UPDATE {t} AS target SET change_marker = 0
                    FROM (SELECT DISTINCT kpi_id, segment FROM changed) AS series
                    WHERE target.kpi_id = series.kpi_id AND target.segment = series.segment
                      AND target.change_marker <> {_PG_XID};
                    RETURN NULL;
                END $$"""
            ]
            for event, table in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                statements.append(
                    f"CREATE TRIGGER {m}_touch_targets_{event.lower()} AFTER {event} ON {m} "
                    f"REFERENCING {table} TABLE AS changed "
                    "FOR EACH STATEMENT EXECUTE FUNCTION sync_touch_series_targets()"
                )
        else:
            touch = (
                f"UPDATE {t} SET change_marker = change_marker "
                "WHERE kpi_id = {row}.kpi_id AND segment = {row}.segment;"
            )
            statements = [
                f"CREATE TRIGGER {m}_touch_targets_{event.lower()} AFTER {event} ON {m} BEGIN "
                + "".join(touch.format(row=row) for row in rows)
                + " END"
                for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["NEW", "OLD"]), ("DELETE", ["OLD"]))
            ]
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        m = self.measurements
        for event in ("insert", "update", "delete"):
            on = f" ON {m}" if schema_editor.connection.vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {m}_touch_targets_{event}{on}")

    def describe(self):
        return f"Touch {self.targets} on changes of {self.measurements}"
