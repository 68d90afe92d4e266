"""Restore drill: seed → backup → restore into an empty database → same rows in every table."""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("RESTORE_DRILL_POSTGRES", "postgres://postgres@127.0.0.1:5432")
SOURCE = os.environ.get("RESTORE_DRILL_DB", "pdca_restore_drill")
TARGET = f"{SOURCE}_restored"
# The demo must reach this many models, or the drill proves little.
MIN_MODELS_WITH_ROWS = 20


def manage(database: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": f"{SERVER}/{database}", "DJANGO_ENV": "development"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout.strip()


def admin(statement: sql.Composable) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(statement)


def recreate(database: str) -> None:
    admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
    admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))


def table_rows(database: str) -> dict[str, int]:
    with psycopg.connect(f"{SERVER}/{database}") as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
        ]
        count = sql.SQL("SELECT COUNT(*) FROM {}")
        return {t: conn.execute(count.format(sql.Identifier(t))).fetchone()[0] for t in tables}


def main() -> None:
    started = time.monotonic()
    recreate(SOURCE)
    admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(TARGET)))
    try:
        manage(SOURCE, "migrate", "--noinput")
        manage(SOURCE, "load_demo")
        with tempfile.TemporaryDirectory() as tmp:
            print(manage(SOURCE, "backup", "--dir", tmp))
            [manifest] = Path(tmp).glob("pdca-*.json")
            records = json.loads(manifest.read_text())["records"]
            admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TARGET)))
            print(manage(SOURCE, "restore", str(manifest), "--target", f"{SERVER}/{TARGET}"))
        source, restored = table_rows(SOURCE), table_rows(TARGET)
    finally:
        for database in (SOURCE, TARGET):
            admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))

    differences = {t: (n, restored.get(t)) for t, n in source.items() if restored.get(t) != n}
    if differences or set(restored) != set(source):
        sys.exit(f"restored database differs (table: source, restored): {differences}")
    with_rows = [label for label, entry in records.items() if entry["rows"]]
    if len(with_rows) < MIN_MODELS_WITH_ROWS:
        sys.exit(f"only {len(with_rows)} models had rows; the demo data should cover the schema")
    print(
        f"restore drill: {sum(source.values())} rows in {len(source)} tables identical after restore "
        f"({len(with_rows)} models with rows) in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
