"""Migration drill on the new, empty database of DATABASE_URL: migrations back and forth, with data.

Migrate to the latest and load the demo. Then, per app (accounts, kpis, improvement): go back one
migration and, if that is allowed, forward again — every record must be as before; go back to zero —
refused, with every record and every applied migration as before. Last, on an emptied database, every
app goes to zero and back: all reverses run when no data is at stake.
"""

import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402 -- after django.setup()
from django.core.management.base import CommandError  # noqa: E402 -- after django.setup()
from django.db import connection  # noqa: E402 -- after django.setup()
from django.db.migrations.loader import MigrationLoader  # noqa: E402 -- after django.setup()
from django.db.migrations.recorder import MigrationRecorder  # noqa: E402 -- after django.setup()

APPS = ("accounts", "kpis", "improvement")
EXCLUDED = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes"]


def snapshot() -> list[dict]:
    out = io.StringIO()
    call_command("dumpdata", natural_foreign=True, exclude=EXCLUDED, stdout=out)
    return sorted(json.loads(out.getvalue()), key=lambda r: (r["model"], json.dumps(r["pk"])))


def applied() -> set[tuple[str, str]]:
    return set(MigrationRecorder(connection).applied_migrations())


def previous(app: str) -> str:
    loader = MigrationLoader(connection)
    [leaf] = [name for label, name in loader.graph.leaf_nodes() if label == app]
    parents = [name for label, name in loader.graph.node_map[(app, leaf)].parents if label == app]
    return parents[0] if parents else "zero"


def migrate(*args: str) -> str | None:
    """None when it ran; the refusal message when it was refused."""
    try:
        call_command("migrate", *args, verbosity=0, interactive=False)
    except CommandError as exc:
        if "Refusing to unapply" not in str(exc):
            raise
        return str(exc)
    return None


def check(label: str, before: list[dict], state: set) -> None:
    if snapshot() != before:
        sys.exit(f"{connection.vendor}: {label} changed the data")
    if applied() != state:
        sys.exit(f"{connection.vendor}: {label} left the migrations at {sorted(applied() ^ state)}")


def main() -> None:
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_demo", stdout=io.StringIO())
    data, state = snapshot(), applied()
    print(f"{connection.vendor}: {len(data)} records")
    reversed_with_data = 0
    for app in APPS:
        back = previous(app)
        refusal = migrate(app, back)
        if refusal is None:
            migrate(app)
            reversed_with_data += 1
            print(f"{connection.vendor}: {app} → {back} → latest: reversed and reapplied, every record kept")
        else:
            losses = refusal.split(": it would destroy ")[1].split(". ")[0]
            print(f"{connection.vendor}: {app} → {back}: refused ({losses})")
        check(f"{app} back one and forth", data, state)
        if migrate(app, "zero") is None:
            sys.exit(f"{connection.vendor}: {app} → zero ran with data in the database")
        check(f"the refused {app} → zero", data, state)
        print(f"{connection.vendor}: {app} → zero: refused, nothing changed")
    if not reversed_with_data:
        sys.exit("no migration reversed with data: the drill proved only refusals")

    call_command("flush", interactive=False, verbosity=0)
    for app in reversed(APPS):
        if (refusal := migrate(app, "zero")) is not None:
            sys.exit(f"{connection.vendor}: {app} → zero refused on an empty database: {refusal}")
    call_command("migrate", verbosity=0, interactive=False)
    if applied() != state:
        sys.exit(f"{connection.vendor}: zero and back did not reach the same migrations")
    elapsed = time.monotonic() - started
    print(f"{connection.vendor}: empty database: every app → zero → latest ran ({elapsed:.0f} s)")


if __name__ == "__main__":
    main()
