"""A measurement write marks its series, not every target that follows the series.

A target's answer (its ``current_value`` and ``progress``) is read from the latest value of its
(kpi, segment) series, so a measurement write must move the target in the change walk.
``TouchSeriesTargets`` did it by rewriting every following target with a new marker: a 10,000-row
upsert of 150 series rewrote 15,000 targets (each a new row version in every index of the table),
most of the write's time. ``MarkSeriesChanges`` replaces the function those triggers call: it moves
one marker row per written series (``kpis.SeriesChange``), and the targets' change walk serves a
target at the later of its own marker and its series' (``improvement.selectors.target_change_marker``).

The triggers keep their names (``<measurements>_touch_targets_<event>``), so a table that
``partition_measurements`` rebuilt keeps them too; on PostgreSQL only the function's body changes.
"""

from django.db.migrations.operations.base import Operation

from common.sync_triggers import _EVENTS, _PG_XID, _SQLITE_CLOCK, touch_series_targets_function


def mark_series_function(series: str) -> str:
    """Once per write statement: the distinct series of the changed rows get this transaction's
    marker. In (kpi, segment) order, so two writes marking the same series wait, never deadlock."""
    return f"""
        CREATE OR REPLACE FUNCTION sync_touch_series_targets() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {series} AS series (kpi_id, segment, change_marker)
            SELECT DISTINCT kpi_id, segment, {_PG_XID} FROM changed ORDER BY kpi_id, segment
            ON CONFLICT (kpi_id, segment) DO UPDATE SET change_marker = EXCLUDED.change_marker
            WHERE series.change_marker <> EXCLUDED.change_marker;
            RETURN NULL;
        END $$"""


class MarkSeriesChanges(Operation):
    """Measurement writes move their series' row in ``series`` instead of the ``targets``' rows."""

    reduces_to_sql = True
    reversible = True

    def __init__(self, measurements: str, series: str, targets: str):
        self.measurements, self.series, self.targets = measurements, series, targets

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        # Every series that has measurements gets its row (marker 0: its targets' own markers
        # stand), so a delete finds one to move (SQLite's delete trigger only updates).
        m, s = self.measurements, self.series
        seed = f"INSERT INTO {s} (kpi_id, segment, change_marker) SELECT DISTINCT kpi_id, segment, 0 FROM {m}"
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(seed + " ON CONFLICT (kpi_id, segment) DO NOTHING", params=None)
            schema_editor.execute(mark_series_function(self.series), params=None)
        else:
            # The triggers come at the end of the migrate run (sqlite_install, post_migrate).
            schema_editor.execute(seed.replace("INSERT INTO", "INSERT OR IGNORE INTO"), params=None)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(touch_series_targets_function(self.targets), params=None)
        else:
            # TouchSeriesTargets' own triggers are put back by post_migrate (same names).
            for name in sorted(self.sqlite_triggers()):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)

    def sqlite_install(self, schema_editor) -> None:
        m, s = self.measurements, self.series
        clock = f"UPDATE {_SQLITE_CLOCK} SET value = value + 1 WHERE id = 1;"
        now = f"(SELECT value FROM {_SQLITE_CLOCK} WHERE id = 1)"
        # A written row's series gets its row or moves it; a deleted row's series only moves the
        # row it has (every series with measurements has one): ``flush`` empties the tables in any
        # order, and a delete must not put back a row naming a KPI already gone.
        upsert = (
            f"INSERT INTO {s} (kpi_id, segment, change_marker) VALUES ({{row}}.kpi_id, {{row}}.segment, "
            f"{now}) ON CONFLICT (kpi_id, segment) DO UPDATE SET change_marker = excluded.change_marker;"
        )
        update = (
            f"UPDATE {s} SET change_marker = {now} "
            "WHERE kpi_id = {row}.kpi_id AND segment = {row}.segment;"
        )
        events = (
            ("INSERT", [upsert.format(row="NEW")]),
            ("UPDATE", [upsert.format(row="NEW"), update.format(row="OLD")]),
            ("DELETE", [update.format(row="OLD")]),
        )
        for event, marks in events:
            name = f"{m}_touch_targets_{event.lower()}"
            # Replaces TouchSeriesTargets' trigger of the same name, whichever was installed first.
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {m} BEGIN {clock} " + " ".join(marks) + " END",
                params=None,
            )

    def describe(self):
        return f"Mark {self.series} on changes of {self.measurements}, instead of {self.targets}"

    def sqlite_triggers(self) -> set[str]:
        return {f"{self.measurements}_touch_targets_{event}" for event in _EVENTS}
