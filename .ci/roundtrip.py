"""Backup and restore lose nothing: SQLite → PostgreSQL → SQLite with export_data/import_data.

The demo data (initiatives in every stage, their change history, measurements, money) are loaded
into a fresh SQLite database, exported with natural keys, imported into an empty PostgreSQL
database, exported again, imported into a second SQLite database and exported a third time. The
three exports must be identical, record for record.
"""

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES = os.environ.get("ROUNDTRIP_POSTGRES", "postgres://postgres@127.0.0.1:5432/pdca_roundtrip")


def manage(database_url: str, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_ENV": "development"}
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def export(database_url: str, path: Path) -> list[dict]:
    manage(database_url, "export_data", str(path))
    records = json.loads(path.read_text())
    return sorted(records, key=lambda r: (r["model"], json.dumps(r["pk"])))


def psql(*args: str) -> None:
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", *args], check=True)


def main() -> None:
    database = POSTGRES.rsplit("/", 1)[1]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        first, second = f"sqlite:///{work / 'first.sqlite3'}", f"sqlite:///{work / 'second.sqlite3'}"
        manage(first, "migrate", "--noinput")
        manage(first, "load_demo")
        original = export(first, work / "first.json")

        psql("-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {database}")
        psql("-d", "postgres", "-c", f"CREATE DATABASE {database}")
        manage(POSTGRES, "migrate", "--noinput")
        manage(POSTGRES, "import_data", str(work / "first.json"))
        via_postgres = export(POSTGRES, work / "postgres.json")

        manage(second, "migrate", "--noinput")
        manage(second, "import_data", str(work / "postgres.json"))
        back = export(second, work / "second.json")
        psql("-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {database}")

    counts = Counter(record["model"] for record in original)
    history = sum(n for model, n in counts.items() if ".historical" in model)
    print(f"{len(original)} records in {len(counts)} models, {history} of them history rows")
    for name, copy in (("PostgreSQL", via_postgres), ("SQLite again", back)):
        if copy != original:
            lost = Counter(r["model"] for r in original) - Counter(r["model"] for r in copy)
            changed = [r for r, c in zip(original, copy, strict=False) if r != c][:3]
            sys.exit(f"round trip through {name} changed the data; missing {dict(lost)}; e.g. {changed}")
    if not history or len(counts) < 10:
        sys.exit("the demo data should cover the models and their history; the check proved nothing")
    print("round trip SQLite → PostgreSQL → SQLite: identical")


if __name__ == "__main__":
    main()
