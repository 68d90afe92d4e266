"""PostgreSQL backups: a pg_dump custom-format file and a JSON manifest that describes it.

The manifest is written from the very snapshot the dump is taken from (``pg_export_snapshot`` in a
REPEATABLE READ transaction, handed to ``pg_dump --snapshot``), so its record counts are exactly
what the dump holds, even while users keep writing. A restore goes into an empty database only and
is checked against the manifest: the file's sha256 before, the record count of every model after.

File names sort by time (``pdca-20261202T031500Z.dump`` and ``….json``); retention deletes the
oldest pairs. SQLite has no pg_dump: the commands refuse it (MSG_NEEDS_POSTGRES) and the deploy
guide says what to use instead.
"""

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.apps import apps
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from psycopg import sql

PREFIX = "pdca-"
DUMP_SUFFIX = ".dump"
MANIFEST_SUFFIX = ".json"
MANIFEST_VERSION = 1
HASH_CHUNK_BYTES = 1 << 20

MSG_NEEDS_POSTGRES = (
    "backup and restore work on PostgreSQL (pg_dump/pg_restore); this database is {vendor}. On SQLite, "
    'use export_data / import_data, or copy the database file with `sqlite3 db.sqlite3 ".backup copy"`.'
)
MSG_NOT_EMPTY = (
    "The target database {database} is not empty ({tables} tables): restore only into an empty one."
)
MSG_CHECKSUM = "{dump} does not match its manifest (sha256 {actual}, expected {expected}): not restoring it."
MSG_COUNTS = "The restored database differs from the manifest: {differences}."


class BackupError(Exception):
    """A backup or restore that must not be trusted; the message says why."""


@dataclass(frozen=True)
class Backup:
    dump: Path
    manifest: Path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq_env(settings_dict: dict) -> dict[str, str]:
    """The connection settings as libpq variables, so no password appears on a command line."""
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    return env


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        raise BackupError(MSG_NEEDS_POSTGRES.format(vendor=connection.vendor))


def _record_counts() -> dict[str, dict]:
    """Rows per model (history and many-to-many tables included), keyed by model label."""
    existing = set(connection.introspection.table_names())
    counts = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if model._meta.proxy or not model._meta.managed or table not in existing:
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[model._meta.label_lower] = {"table": table, "rows": cursor.fetchone()[0]}
    return dict(sorted(counts.items()))


def _migration_state() -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        state.setdefault(app_label, []).append(name)
    return state


def _tool_version(tool: str) -> str:
    return subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()


def backup_create(*, directory: Path, now: dt.datetime | None = None) -> Backup:
    """Dump the configured PostgreSQL database into ``directory`` with its manifest."""
    _require_postgres()
    now = now or timezone.now()
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{PREFIX}{now.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}"
    dump, manifest = directory / f"{stem}{DUMP_SUFFIX}", directory / f"{stem}{MANIFEST_SUFFIX}"
    partial = directory / f"{stem}{DUMP_SUFFIX}.partial"
    settings_dict = connection.settings_dict
    # One snapshot for the counts and the dump; the transaction stays open until pg_dump is done.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(
                "SELECT pg_export_snapshot(), current_database(), current_setting('server_version')"
            )
            snapshot, database, server_version = cursor.fetchone()
        counts, migration_state = _record_counts(), _migration_state()
        result = subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
             f"--file={partial}", database],
            env=_libpq_env(settings_dict), capture_output=True, text=True, check=False,
        )  # fmt: skip
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
    partial.rename(dump)
    document = {
        "format": MANIFEST_VERSION,
        "created_at": now.isoformat(),
        "database": database,
        "host": settings_dict.get("HOST") or "local socket",
        "server_version": server_version,
        "pg_dump_version": _tool_version("pg_dump"),
        "dump": dump.name,
        "size": dump.stat().st_size,
        "sha256": _sha256(dump),
        "migrations": migration_state,
        "records": counts,
    }
    manifest.write_text(json.dumps(document, indent=2) + "\n")
    return Backup(dump=dump, manifest=manifest)


def backups_list(directory: Path) -> list[Backup]:
    """Complete backups (dump and manifest) in ``directory``, newest first."""
    found = []
    for manifest in directory.glob(f"{PREFIX}*{MANIFEST_SUFFIX}"):
        dump = manifest.with_suffix(DUMP_SUFFIX)
        if dump.exists():
            found.append(Backup(dump=dump, manifest=manifest))
    return sorted(found, key=lambda backup: backup.manifest.name, reverse=True)


def backups_prune(
    *, directory: Path, keep: int, keep_days: int, now: dt.datetime | None = None
) -> list[Backup]:
    """Delete backups beyond the newest ``keep`` and those older than ``keep_days`` (0 = no limit
    of that kind). The newest backup always stays. Returns what was deleted."""
    now = now or timezone.now()
    backups = backups_list(directory)
    doomed = []
    for position, backup in enumerate(backups[1:], start=1):
        created = dt.datetime.fromisoformat(json.loads(backup.manifest.read_text())["created_at"])
        too_many = keep > 0 and position >= keep
        too_old = keep_days > 0 and now - created > dt.timedelta(days=keep_days)
        if too_many or too_old:
            doomed.append(backup)
    for backup in doomed:
        backup.dump.unlink(missing_ok=True)
        backup.manifest.unlink(missing_ok=True)
    return doomed


def _connect(target: dict) -> psycopg.Connection:
    return psycopg.connect(
        dbname=target["NAME"],
        host=target.get("HOST") or None,
        port=target.get("PORT") or None,
        user=target.get("USER") or None,
        password=target.get("PASSWORD") or None,
        autocommit=True,
    )


def _table_count(target: dict) -> int:
    with _connect(target) as conn:
        return conn.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()[0]


def backup_restore(*, manifest: Path, target: dict) -> dict[str, int]:
    """Restore the backup described by ``manifest`` into the empty PostgreSQL database ``target``
    (a DATABASES entry) and check it: sha256 before, every model's record count after.
    Returns the restored counts."""
    document = json.loads(manifest.read_text())
    dump = manifest.parent / document["dump"]
    if (actual := _sha256(dump)) != document["sha256"]:
        raise BackupError(MSG_CHECKSUM.format(dump=dump, actual=actual, expected=document["sha256"]))
    if tables := _table_count(target):
        raise BackupError(MSG_NOT_EMPTY.format(database=target["NAME"], tables=tables))
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed.")
    # One transaction: a restore that fails half-way leaves the target empty, not half-filled.
    result = subprocess.run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={target['NAME']}", str(dump)],
        env=_libpq_env(target), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    restored = {}
    with _connect(target) as conn:
        migrations: dict[str, list[str]] = {}
        for app_label, name in sorted(conn.execute("SELECT app, name FROM django_migrations").fetchall()):
            migrations.setdefault(app_label, []).append(name)
        if migrations != document["migrations"]:
            raise BackupError(MSG_COUNTS.format(differences="the applied migrations differ"))
        for label, entry in document["records"].items():
            table = sql.Identifier(entry["table"])
            restored[label] = conn.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(table)).fetchone()[0]
    differences = [
        f"{label}: {restored[label]} rows, expected {entry['rows']}"
        for label, entry in document["records"].items()
        if restored[label] != entry["rows"]
    ]
    if differences:
        raise BackupError(MSG_COUNTS.format(differences="; ".join(differences)))
    return restored
