"""Restore a backup into an empty PostgreSQL database and check it against its manifest."""

from pathlib import Path

import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from common.backup import BackupError, backup_restore
from common.revision_cache import revision_new_every

MSG_TARGET_NOT_POSTGRES = "restore needs a PostgreSQL target (postgres://…); got {url}."
MSG_DROP_AFTER = (
    "Once DATABASE_URL points at it, run `manage.py drop_kept_answers` with the deployment's REDIS_URL."
)


class Command(BaseCommand):
    help = (
        "Restore a backup (its manifest file) into an EMPTY PostgreSQL database and verify the sha256 "
        "and the record count of every model against the manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("manifest", help="the backup's manifest, e.g. backups/pdca-20261202T031500Z.json")
        parser.add_argument(
            "--target",
            help="database URL to restore into (default: the configured database); it must be empty",
        )

    def handle(self, *args, manifest: str, target: str | None, **options):
        if target:
            settings_dict = dj_database_url.parse(target)
            if settings_dict["ENGINE"] != "django.db.backends.postgresql":
                raise CommandError(MSG_TARGET_NOT_POSTGRES.format(url=target))
        elif connection.vendor != "postgresql":
            raise CommandError(MSG_TARGET_NOT_POSTGRES.format(url=connection.settings_dict["NAME"]))
        else:
            settings_dict = connection.settings_dict
        try:
            counts = backup_restore(manifest=Path(manifest), target=settings_dict)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        total = sum(counts.values())
        done = (
            f"Restored {manifest} into {settings_dict['NAME']}: {total} records in {len(counts)} models, "
            "every count as in the manifest."
        )
        if target:
            # The running processes still read the configured database: dropping the kept answers
            # now would only let them be computed again from the old rows.
            self.stdout.write(f"{done} {MSG_DROP_AFTER}")
            return
        # Counts and choices kept in the shared cache were computed from the rows the restore
        # replaced: a running deployment would serve them until their bounds (up to 10 minutes).
        dropped = revision_new_every()
        self.stdout.write(f"{done} The answers kept under {len(dropped)} names are computed again.")
