"""The database side of the change cursor (common/sync.py): triggers installed by migrations.

Database-only operations: the model state already has the ``change_marker`` field, so the
autodetector sees nothing here.
"""

from django.db.migrations.operations.base import Operation

_PG_XID = "pg_current_xact_id()::text::bigint"
_SQLITE_CLOCK = "sync_clock"
# One row per deleted row of a tracked table, with the marker of the deleting transaction: the
# change feed serves the ids as ``sync.deleted`` (common/sync.py reads it).
TOMBSTONES = "sync_tombstone"
_EVENTS = ("insert", "update", "delete")
_TOMBSTONE_COLUMNS = "(table_name, object_id, change_marker)"


def _pg_functions() -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION sync_mark() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.change_marker := {_PG_XID};
            RETURN NEW;
        END $$""",
        f"""
        CREATE TABLE IF NOT EXISTS {TOMBSTONES} (
            table_name varchar(63) NOT NULL,
            object_id bigint NOT NULL,
            change_marker bigint NOT NULL,
            PRIMARY KEY (table_name, change_marker, object_id)
        )""",
        f"""
        CREATE OR REPLACE FUNCTION sync_bury() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {TOMBSTONES} {_TOMBSTONE_COLUMNS} VALUES (TG_TABLE_NAME, OLD.id, {_PG_XID});
            RETURN NULL;
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
        f"CREATE TABLE IF NOT EXISTS {TOMBSTONES} (table_name TEXT NOT NULL, object_id INTEGER NOT NULL, "
        "change_marker INTEGER NOT NULL, PRIMARY KEY (table_name, change_marker, object_id))",
    ]


def _sqlite_bury(table: str) -> str:
    return f"""
        CREATE TRIGGER IF NOT EXISTS {table}_bury AFTER DELETE ON {table} BEGIN
            UPDATE {_SQLITE_CLOCK} SET value = value + 1 WHERE id = 1;
            INSERT INTO {TOMBSTONES} {_TOMBSTONE_COLUMNS}
                VALUES ('{table}', OLD.id, (SELECT value FROM {_SQLITE_CLOCK} WHERE id = 1));
        END"""


def _sqlite_mark(table: str, event: str) -> str:
    # An AFTER trigger that updates its own table does not fire itself again (SQLite's
    # recursive_triggers is off), but does fire the touch triggers of other tables.
    return f"""
        CREATE TRIGGER IF NOT EXISTS {table}_mark_{event.lower()} AFTER {event} ON {table} BEGIN
            UPDATE {_SQLITE_CLOCK} SET value = value + 1 WHERE id = 1;
            UPDATE {table} SET change_marker = (SELECT value FROM {_SQLITE_CLOCK} WHERE id = 1)
                WHERE id = NEW.id;
        END"""


class ChangeTracking(Operation):
    """Give ``table`` (which has a ``change_marker`` column) its marking trigger, its tombstone
    trigger and (marker, id) index, and stamp its existing rows."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, table: str):
        self.table = table

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        t = self.table
        index = f"CREATE INDEX IF NOT EXISTS {t}_change ON {t} (change_marker, id)"
        if schema_editor.connection.vendor == "postgresql":
            statements = [
                *_pg_functions(),
                f"UPDATE {t} SET change_marker = {_PG_XID}",
                f"CREATE TRIGGER {t}_mark BEFORE INSERT OR UPDATE ON {t} "
                "FOR EACH ROW EXECUTE FUNCTION sync_mark()",
                f"CREATE TRIGGER {t}_bury AFTER DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION sync_bury()",
                index,
            ]
        else:
            # The triggers come at the end of the migrate run (sqlite_install, post_migrate).
            statements = self._sqlite_setup()
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def _sqlite_setup(self) -> list[str]:
        t = self.table
        return [
            *_sqlite_clock(),
            f"UPDATE {_SQLITE_CLOCK} SET value = value + 1 WHERE id = 1",
            f"UPDATE {t} SET change_marker = (SELECT value FROM {_SQLITE_CLOCK} WHERE id = 1)",
            f"CREATE INDEX IF NOT EXISTS {t}_change ON {t} (change_marker, id)",
        ]

    def sqlite_install(self, schema_editor) -> None:
        t = self.table
        for statement in [
            *self._sqlite_setup(),
            _sqlite_mark(t, "INSERT"),
            _sqlite_mark(t, "UPDATE"),
            _sqlite_bury(t),
        ]:
            schema_editor.execute(statement, params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        t = self.table
        if schema_editor.connection.vendor == "postgresql":
            statements = [
                f"DROP TRIGGER IF EXISTS {t}_mark ON {t}",
                f"DROP TRIGGER IF EXISTS {t}_bury ON {t}",
            ]
        else:
            statements = [
                f"DROP TRIGGER IF EXISTS {t}_mark_insert",
                f"DROP TRIGGER IF EXISTS {t}_mark_update",
                f"DROP TRIGGER IF EXISTS {t}_bury",
            ]
        for statement in [*statements, f"DROP INDEX IF EXISTS {t}_change"]:
            schema_editor.execute(statement, params=None)

    def describe(self):
        return f"Track changes of {self.table}"

    def sqlite_triggers(self) -> set[str]:
        return {f"{self.table}_mark_insert", f"{self.table}_mark_update", f"{self.table}_bury"}


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
            # The triggers come at the end of the migrate run (sqlite_install, post_migrate).
            statements = []
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def sqlite_install(self, schema_editor) -> None:
        t, column, parent = self.table, self.column, self.parent
        touch = f"UPDATE {parent} SET change_marker = change_marker WHERE id = {{row}}.{column};"
        for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["NEW", "OLD"]), ("DELETE", ["OLD"])):
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {self._name}_{event.lower()} AFTER {event} ON {t} BEGIN "
                + "".join(touch.format(row=row) for row in rows)
                + " END",
                params=None,
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            names = [f"{self._name} ON {self.table}"]
        else:
            names = [f"{self._name}_{event}" for event in ("insert", "update", "delete")]
        for name in names:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")

    def describe(self):
        return f"Touch {self.parent} on changes of {self.table}"

    def sqlite_triggers(self) -> set[str]:
        return {f"{self._name}_{event}" for event in _EVENTS}


def touch_series_targets_function(targets: str) -> str:
    """The statement trigger's function as ``TouchSeriesTargets`` created it: every target following
    a written series is rewritten with a new marker (superseded by ``MarkSeriesChanges``)."""
    return f"""
        CREATE OR REPLACE FUNCTION sync_touch_series_targets() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            -- Locked in id order: two upserts touching the same targets cannot deadlock.
            UPDATE {targets} SET change_marker = 0 WHERE id IN (
                SELECT target.id FROM {targets} AS target
                JOIN (SELECT DISTINCT kpi_id, segment FROM changed) AS series
                  ON target.kpi_id = series.kpi_id AND target.segment = series.segment
                WHERE target.change_marker <> {_PG_XID}
                ORDER BY target.id
                FOR UPDATE OF target
            );
            RETURN NULL;
        END $$"""


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
            statements = [touch_series_targets_function(t)]
            for event, table in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
                statements.append(
                    f"CREATE TRIGGER {m}_touch_targets_{event.lower()} AFTER {event} ON {m} "
                    f"REFERENCING {table} TABLE AS changed "
                    "FOR EACH STATEMENT EXECUTE FUNCTION sync_touch_series_targets()"
                )
        else:
            # The triggers come at the end of the migrate run (sqlite_install, post_migrate).
            statements = []
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def sqlite_install(self, schema_editor) -> None:
        m, t = self.measurements, self.targets
        touch = (
            f"UPDATE {t} SET change_marker = change_marker "
            "WHERE kpi_id = {row}.kpi_id AND segment = {row}.segment;"
        )
        for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["NEW", "OLD"]), ("DELETE", ["OLD"])):
            schema_editor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {m}_touch_targets_{event.lower()} AFTER {event} ON {m} BEGIN "
                + "".join(touch.format(row=row) for row in rows)
                + " END",
                params=None,
            )

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        m = self.measurements
        for event in ("insert", "update", "delete"):
            on = f" ON {m}" if schema_editor.connection.vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {m}_touch_targets_{event}{on}")

    def describe(self):
        return f"Touch {self.targets} on changes of {self.measurements}"

    def sqlite_triggers(self) -> set[str]:
        return {f"{self.measurements}_touch_targets_{event}" for event in _EVENTS}
