"""``migrate`` refuses to unapply a migration whose reverse would destroy data.

Unapplying a migration that created a model drops its table; one that added a field drops the
column. Django does that silently, so going back one migration once wiped every notification. Before
``migrate`` touches anything (pre_migrate, with the whole plan), every migration the plan would
unapply is inspected: a table it would drop that holds rows, or a column it would drop that holds a
value other than the field's default, stops the whole run with a message naming them. Nothing has
changed at that point, so a refused rollback leaves the database exactly as it was.

Columns that are derived and rebuilt by the forward migration (fields with ``serialize=False``,
such as the change markers) are not data, nor are the tables a migration names in its
``derived_tables`` (kept values it computes again going forward). The escape hatch for an
operator who means it is ``PDCA_MIGRATE_ALLOW_DATA_LOSS=1``.
"""

import os
from dataclasses import dataclass

from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, migrations, models
from django.db.migrations.migration import Migration

ALLOW_DATA_LOSS_ENV = "PDCA_MIGRATE_ALLOW_DATA_LOSS"
MSG_REVERSE_REFUSED = (
    "Refusing to unapply {migrations}: it would destroy {losses}. Nothing was changed. "
    "To roll back a release, restore the backup taken before the upgrade (docs/deploy.md, "
    "“Rollback”); if these rows may really go, take a backup (manage.py backup) and run the same "
    f"command again with {ALLOW_DATA_LOSS_ENV}=1."
)


@dataclass(frozen=True)
class Loss:
    migration: str
    what: str  # "table accounts_notification" or "column accounts_user.calendar_feed_generation"
    rows: int

    def __str__(self) -> str:
        noun = "row" if self.rows == 1 else "rows"
        if self.what.startswith("column"):
            return f"{self.what} ({self.rows} {noun} with a value)"
        return f"{self.what} ({self.rows} {noun})"


def _created_tables(migration: Migration, apps) -> list[str]:
    """Tables the reverse of ``migration`` drops: its models' and their many-to-many tables."""
    tables = []
    for operation in migration.operations:
        if isinstance(operation, migrations.CreateModel):
            model = apps.get_model(migration.app_label, operation.name)
            tables.append(model._meta.db_table)
            declared = {name for name, _ in operation.fields}
            for field in model._meta.local_many_to_many:
                if field.name in declared and field.remote_field.through._meta.auto_created:
                    tables.append(field.remote_field.through._meta.db_table)
    return tables


def _added_columns(migration: Migration, apps) -> list[tuple[str, models.Field]]:
    """(table, field) of each added column that holds data (not derived, not on a new model)."""
    created = {op.name_lower for op in migration.operations if isinstance(op, migrations.CreateModel)}
    columns = []
    for operation in migration.operations:
        if not isinstance(operation, migrations.AddField) or operation.model_name_lower in created:
            continue
        if not operation.field.serialize:
            continue  # derived, rebuilt by the forward migration
        model = apps.get_model(migration.app_label, operation.model_name)
        field = model._meta.get_field(operation.name)
        if field.many_to_many:
            columns.append((field.remote_field.through._meta.db_table, None))
        else:
            columns.append((model._meta.db_table, field))
    return columns


def _count(connection, table: str, field: models.Field | None) -> int:
    quote = connection.ops.quote_name
    sql, params = f"SELECT COUNT(*) FROM {quote(table)}", []
    if field is not None:
        column = quote(field.column)
        default = field.default
        if default is models.NOT_PROVIDED or default is None:
            sql += f" WHERE {column} IS NOT NULL"
        elif not callable(default):
            sql += f" WHERE {column} IS NULL OR {column} <> %s"
            params.append(field.get_db_prep_save(default, connection))
        # A callable default cannot be compared: every row counts.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def data_lost_by(migration: Migration, apps, connection) -> list[Loss]:
    """What unapplying ``migration`` (applied, described by ``apps``) would destroy, now."""
    existing = set(connection.introspection.table_names())
    name = f"{migration.app_label}.{migration.name}"
    # Tables a migration declares derived (``derived_tables``): computed from other tables, and
    # computed again by the migration going forward. Dropping them loses nothing.
    derived = set(getattr(migration, "derived_tables", ()))
    losses = []
    for table in _created_tables(migration, apps):
        if table in derived:
            continue
        if table in existing and (rows := _count(connection, table, None)):
            losses.append(Loss(name, f"table {table}", rows))
    for table, field in _added_columns(migration, apps):
        if table not in existing:
            continue
        if rows := _count(connection, table, field):
            what = f"column {table}.{field.column}" if field is not None else f"table {table}"
            losses.append(Loss(name, what, rows))
    return losses


def refuse_destructive_reverse(sender=None, *, plan=None, apps=None, using: str = DEFAULT_DB_ALIAS, **kwargs):
    """pre_migrate: raise before anything runs if the plan would unapply a migration with data."""
    if not plan or os.environ.get(ALLOW_DATA_LOSS_ENV) == "1":
        return
    connection = connections[using]
    losses = [
        loss
        for migration, backwards in plan
        if backwards
        for loss in data_lost_by(migration, apps, connection)
    ]
    if losses:
        names = sorted({loss.migration for loss in losses})
        raise CommandError(
            MSG_REVERSE_REFUSED.format(migrations=", ".join(names), losses=", ".join(map(str, losses)))
        )
