"""The backup routine: pg_dump + manifest, retention, a checked restore into an empty database, and
an export that reads one snapshot. The whole drill on demo data runs in ``.ci/restore_drill``."""

import datetime as dt
import io
import json
import threading

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.commands import dumpdata
from django.db import connection
from psycopg import sql

from accounts.models import Team, User
from common.backup import MSG_NEEDS_POSTGRES, backup_create, backups_list, backups_prune
from common.revision_cache import revision_cached
from improvement.selectors.initiative_count import INITIATIVE_COUNT
from kpis.models import Measurement
from tests.factories import KpiFactory, MeasurementFactory, TeamFactory

NOW = dt.datetime(2026, 12, 2, 3, 15, tzinfo=dt.UTC)


def _fake_backup(directory, created: dt.datetime) -> None:
    stem = f"pdca-{created:%Y%m%dT%H%M%SZ}"
    (directory / f"{stem}.dump").write_bytes(b"dump")
    (directory / f"{stem}.json").write_text(
        json.dumps({"created_at": created.isoformat(), "dump": f"{stem}.dump"})
    )


def _stems(directory) -> list[str]:
    return [backup.dump.stem for backup in backups_list(directory)]


def test_retention_keeps_the_newest_n(tmp_path):
    for days in range(5):
        _fake_backup(tmp_path, NOW - dt.timedelta(days=days))

    deleted = backups_prune(directory=tmp_path, keep=3, keep_days=0, now=NOW)

    assert len(deleted) == 2
    assert _stems(tmp_path) == ["pdca-20261202T031500Z", "pdca-20261201T031500Z", "pdca-20261130T031500Z"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{stem}{suffix}" for stem in _stems(tmp_path) for suffix in (".dump", ".json")
    )


def test_retention_by_age_always_keeps_the_newest(tmp_path):
    _fake_backup(tmp_path, NOW - dt.timedelta(days=40))
    _fake_backup(tmp_path, NOW - dt.timedelta(days=50))

    backups_prune(directory=tmp_path, keep=0, keep_days=30, now=NOW)

    assert _stems(tmp_path) == ["pdca-20261023T031500Z"]


@pytest.mark.django_db
def test_backup_on_sqlite_says_what_to_use_instead(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite refusal")
    with pytest.raises(CommandError) as refused:
        call_command("backup", "--dir", str(tmp_path))
    assert str(refused.value) == MSG_NEEDS_POSTGRES.format(vendor="sqlite")
    assert "export_data" in str(refused.value)
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def empty_database():
    """An empty PostgreSQL database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = {"dbname": "postgres", "autocommit": True}
    for key, option in (("HOST", "host"), ("PORT", "port"), ("USER", "user"), ("PASSWORD", "password")):
        if connection.settings_dict.get(key):
            admin[option] = connection.settings_dict[key]
    with psycopg.connect(**admin) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield {**connection.settings_dict, "NAME": name}
    with psycopg.connect(**admin) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _url(settings_dict: dict) -> str:
    return f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_writes_a_manifest_and_restores_checked_into_an_empty_database(tmp_path, lead, empty_database):
    MeasurementFactory.create_batch(3)

    backup = backup_create(directory=tmp_path)

    manifest = json.loads(backup.manifest.read_text())
    assert manifest["records"]["kpis.measurement"] == {"table": "kpis_measurement", "rows": 3}
    assert manifest["records"]["accounts.user"]["rows"] == User.objects.count()
    assert "0002_notifications" in manifest["migrations"]["accounts"]
    assert manifest["size"] == backup.dump.stat().st_size
    assert manifest["pg_dump_version"].startswith("pg_dump (PostgreSQL)")

    kept = revision_cached(name=INITIATIVE_COUNT, key="live", compute=lambda: "before", timeout=60)
    out = io.StringIO()
    call_command("restore", str(backup.manifest), "--target", _url(empty_database), stdout=out)
    assert "every count as in the manifest" in out.getvalue()
    # Into another database: the running processes still read this one, so what the cache keeps
    # stays until DATABASE_URL is switched and the kept answers are dropped (a step of its own).
    assert "run `manage.py drop_kept_answers`" in out.getvalue()
    assert revision_cached(name=INITIATIVE_COUNT, key="live", compute=lambda: "after", timeout=60) == kept

    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore", str(backup.manifest), "--target", _url(empty_database))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_damaged_dump_is_not_restored(tmp_path, empty_database):
    backup = backup_create(directory=tmp_path)
    with backup.dump.open("ab") as handle:
        handle.write(b"x")

    with pytest.raises(CommandError, match="does not match its manifest"):
        call_command("restore", str(backup.manifest), "--target", _url(empty_database))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_export_reads_one_snapshot_so_writes_committed_meanwhile_are_absent_everywhere(tmp_path, monkeypatch):
    """A team (dumped early) and a measurement (dumped later) committed by another connection after
    the export started: without one snapshot the measurement would be in the file, the team not."""
    TeamFactory(name="Before")
    kpi = KpiFactory()
    original = dumpdata.Command.handle

    def write_elsewhere():
        TeamFactory(name="During")
        MeasurementFactory(kpi=kpi)
        connection.close()

    def handle_after_a_concurrent_write(self, *args, **options):
        # The export's snapshot is taken by its first query, this one.
        assert Team.objects.filter(name="Before").exists()
        writer = threading.Thread(target=write_elsewhere)
        writer.start()
        writer.join()
        return original(self, *args, **options)

    monkeypatch.setattr(dumpdata.Command, "handle", handle_after_a_concurrent_write)
    path = tmp_path / "export.json"
    call_command("export_data", str(path), stdout=io.StringIO())

    records = json.loads(path.read_text())
    assert [r["fields"]["name"] for r in records if r["model"] == "accounts.team"] == ["Before"]
    assert not [r for r in records if r["model"] == "kpis.measurement"]
    assert Measurement.objects.count() == 1 and Team.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_whose_counts_differ_from_the_manifest_fails_naming_it(tmp_path, lead, empty_database):
    backup = backup_create(directory=tmp_path)
    manifest = json.loads(backup.manifest.read_text())
    manifest["records"]["accounts.user"]["rows"] += 1
    backup.manifest.write_text(json.dumps(manifest))

    expected = User.objects.count()
    with pytest.raises(CommandError, match=rf"accounts\.user: {expected} rows, expected {expected + 1}"):
        call_command("restore", str(backup.manifest), "--target", _url(empty_database))
