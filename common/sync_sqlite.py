"""SQLite's change triggers around ``migrate``: taken off before the migrations, put back after.

The triggers themselves are declared by the migrations' operations (common/sync_triggers.py,
common/sync_series.py).
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation

from common.sync_series import MarkSeriesChanges
from common.sync_triggers import ChangeTracking, TouchParent, TouchSeriesTargets

TRACKING_OPERATIONS = (ChangeTracking, TouchParent, TouchSeriesTargets, MarkSeriesChanges)


# SQLite cannot add a NOT NULL column or alter one in place, so Django rebuilds the table (copy,
# drop, rename). A rebuild drops the table's own triggers, and it fails outright while a trigger of
# another table names it (the measurement → target touch names the targets' table). So on SQLite
# the triggers live outside the migrations: dropped before every migrate run, installed after it.
# PostgreSQL alters tables in place; its triggers are created by the migrations and stay.


def _sqlite_tracking_operations(connection, *, applied_only: bool) -> list[Operation]:
    loader = MigrationLoader(connection)
    keys = loader.applied_migrations if applied_only else loader.disk_migrations
    return [
        operation
        for key in keys
        if key in loader.disk_migrations
        for operation in loader.disk_migrations[key].operations
        if isinstance(operation, TRACKING_OPERATIONS)
    ]


def _sqlite_triggers(connection) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def drop_triggers_before_migrate(sender=None, *, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Before ``migrate`` (pre_migrate), SQLite only: drop every change trigger, so that no table
    rebuild of this run can trip over one."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    existing = _sqlite_triggers(connection)
    declared = set().union(
        *(op.sqlite_triggers() for op in _sqlite_tracking_operations(connection, applied_only=False))
    )
    with connection.cursor() as cursor:
        for name in sorted(declared & existing):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def reinstall_dropped_triggers(sender=None, *, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After ``migrate`` (post_migrate; ``flush`` sends it too), SQLite only: install every trigger
    the applied migrations declare that is not there."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    existing = _sqlite_triggers(connection)
    missing = [
        operation
        for operation in _sqlite_tracking_operations(connection, applied_only=True)
        if not operation.sqlite_triggers() <= existing
    ]
    if missing:
        # ChangeTracking stamps the table's rows anew: a row written while its trigger was gone
        # is served again rather than missed.
        with connection.schema_editor() as editor:
            for operation in missing:
                operation.sqlite_install(editor)
