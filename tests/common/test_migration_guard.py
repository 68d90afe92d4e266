"""Going back a migration never destroys data silently: it is refused whole, naming what would go.

The refusal happens before ``migrate`` changes anything, so these tests run it on the test database.
Reversing for real, with data, forth and back, on SQLite and PostgreSQL: ``.ci/migration_drill.py``.
"""

import importlib

import pytest
from django.apps import apps as global_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from accounts.models import Notification
from common.migration_guard import ALLOW_DATA_LOSS_ENV, data_lost_by
from common.sync_series import MarkSeriesChanges
from common.sync_triggers import ChangeTracking, TouchParent, TouchSeriesTargets
from kpis.models import Kpi, Measurement
from tests.factories import MeasurementFactory, UserFactory

pytestmark = pytest.mark.django_db

OUR_APPS = ("accounts", "kpis", "improvement", "common")
catalogue = importlib.import_module("kpis.migrations.0002_kpi_catalogue")

# Operations whose reverse keeps every row (triggers and indexes of derived columns, constraints)
# or whose reverse the guard checks (CreateModel: the table; AddField: the column).
GUARDED_OR_LOSSLESS = (
    migrations.CreateModel,
    migrations.AddField,
    migrations.AddConstraint,
    migrations.AddIndex,
    ChangeTracking,
    TouchParent,
    TouchSeriesTargets,
    MarkSeriesChanges,
)
# Reviewed one by one: how each reverses without loss.
REVIEWED = {
    # Only the choices of ``kind`` change: same column type both ways.
    ("accounts", "0003_notification_kinds_registered"): migrations.AlterField,
    # Reverse takes back only the shipped KPIs nothing uses; the forward adds only missing ones.
    ("kpis", "0002_kpi_catalogue"): migrations.RunPython,
    # Only ``db_index`` of the measurement's ``kpi`` changes: an index dropped and re-created, no row.
    ("kpis", "0005_measurement_series_indexes"): migrations.AlterField,
    # Three indexes another index covers are dropped (``db_index`` of created_at and updated_at, and
    # (kpi, segment, period), a prefix of the natural key): going back re-creates them, no row moves.
    ("kpis", "0009_measurement_fewer_indexes"): (migrations.AlterField, migrations.RemoveIndex),
    # A delivery's subscription becomes optional (chat deliveries have none): going back to NOT NULL
    # fails (PostgreSQL refuses, no row is lost) while chat deliveries exist, and they exist only
    # with chat destinations, whose table the guard protects first.
    ("improvement", "0016_chat_destinations"): migrations.AlterField,
    # Forward clears an externalId repeated on a later user or live team (the constraint's
    # precondition); going back keeps every row as it is.
    ("accounts", "0010_scim_external_id_unique"): migrations.RunPython,
    # PostgreSQL-only indexes of the money summaries (SQLite cannot index NULLS LAST); going back
    # drops them, no row moves.
    ("improvement", "0025_money_rank_indexes"): migrations.RunPython,
    # Fills the new table of kept progress from the targets and measurements (derived values);
    # going back drops the table with the model, no other row moves.
    ("improvement", "0026_target_progress"): migrations.RunPython,
    # The team's and the owner's own indexes are dropped by name (indexes that lead with the same
    # column replace them); going back re-creates them, no row moves.
    ("improvement", "0027_visibility_indexes"): migrations.SeparateDatabaseAndState,
}


def _applied(app_label: str) -> set[str]:
    return set(MigrationRecorder(connection).applied_migrations()) & {
        key for key in MigrationLoader(connection).disk_migrations if key[0] == app_label
    }


def test_every_migration_of_our_apps_reverses_without_loss_or_is_guarded():
    """A new migration kind (RemoveField, RunSQL, a data migration…) must be reviewed here first."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    unreviewed = [
        f"{app}.{name}: {type(op).__name__}"
        for (app, name), migration in loader.disk_migrations.items()
        if app in OUR_APPS
        for op in migration.operations
        if not isinstance(op, GUARDED_OR_LOSSLESS) and not isinstance(op, REVIEWED.get((app, name), ()))
    ]
    assert unreviewed == []


def test_going_back_past_notifications_is_refused_and_changes_nothing(lead):
    Notification.objects.create(recipient=lead, kind="digest", title="Weekly digest", dedupe_key="d:1")
    before = _applied("accounts")

    refused = r"accounts\.0002_notifications.*table accounts_notification \(1 row\)"
    with pytest.raises(CommandError, match=refused):
        call_command("migrate", "accounts", "0001", verbosity=0)

    assert _applied("accounts") == before
    assert Notification.objects.count() == 1


def test_the_refusal_names_every_table_and_how_to_proceed(lead):
    Notification.objects.create(recipient=lead, kind="digest", title="Weekly digest", dedupe_key="d:1")
    MeasurementFactory()

    with pytest.raises(CommandError) as refused:
        call_command("migrate", "kpis", "zero", verbosity=0)

    message = str(refused.value)
    assert "table kpis_measurement (1 row)" in message
    assert "table kpis_kpi (" in message
    assert "Nothing was changed" in message
    assert "restore the backup taken before the upgrade" in message
    assert f"{ALLOW_DATA_LOSS_ENV}=1" in message


def test_a_dropped_column_with_values_counts_as_data_and_defaults_do_not():
    loader = MigrationLoader(connection)
    migration = loader.get_migration("accounts", "0004_user_calendar_feed_generation")
    state_apps = loader.project_state().apps
    user = UserFactory()
    assert data_lost_by(migration, state_apps, connection) == []

    user.calendar_feed_generation = 3
    user.save(update_fields=["calendar_feed_generation"])

    [loss] = data_lost_by(migration, state_apps, connection)
    assert str(loss) == "column accounts_user.calendar_feed_generation (1 row with a value)"


def test_derived_change_markers_are_not_data():
    loader = MigrationLoader(connection)
    MeasurementFactory()
    migration = loader.get_migration("kpis", "0004_change_cursor")
    assert data_lost_by(migration, loader.project_state().apps, connection) == []


def test_catalogue_reverse_keeps_used_and_edited_kpis_and_reapplying_keeps_their_settings(kpi_catalogue):
    measured = Kpi.objects.get(code="csat")
    MeasurementFactory(kpi=measured)
    Kpi.objects.filter(code="nps").update(name="NPS (relationship survey)")

    catalogue.unload(global_apps, None)

    assert set(Kpi.objects.filter(code__in=["csat", "nps"]).values_list("code", flat=True)) == {"csat", "nps"}
    assert not Kpi.objects.filter(code="ces").exists()
    assert Measurement.objects.filter(kpi=measured).count() == 1

    catalogue.load(global_apps, None)

    codes = [row[0] for row in catalogue.CATALOGUE]
    assert Kpi.objects.filter(code__in=codes).count() == len(codes)
    assert Kpi.objects.get(code="nps").name == "NPS (relationship survey)"


def test_a_derived_table_is_not_data_and_going_forward_computes_it_again(lead):
    """The targets' kept progress is computed from the targets and measurements: going back drops
    it, going forward writes the same values again."""
    from improvement.models import KpiTargetProgress
    from improvement.services.targets import kpi_target_create
    from tests.factories import InitiativeFactory, KpiFactory

    loader = MigrationLoader(connection)
    kpi = KpiFactory(direction="higher")
    kpi_target_create(
        actor=lead, initiative=InitiativeFactory(lead=lead), kpi=kpi, baseline_value=1, target_value=2
    )
    MeasurementFactory(kpi=kpi, value=1.5)
    kept = dict(KpiTargetProgress.objects.values_list("target", "progress"))
    assert KpiTargetProgress.objects.exists()
    migration = loader.get_migration("improvement", "0026_target_progress")
    assert data_lost_by(migration, loader.project_state().apps, connection) == []

    KpiTargetProgress.objects.all().delete()
    fill = migration.operations[-1].code
    fill(loader.project_state().apps, connection.schema_editor())
    assert dict(KpiTargetProgress.objects.values_list("target", "progress")) == kept
