"""Back up the PostgreSQL database (pg_dump custom format + manifest) and apply the retention."""

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from common.backup import BackupError, backup_create, backups_prune

DEFAULT_DIRECTORY = "backups"
DEFAULT_KEEP = "14"
DEFAULT_KEEP_DAYS = "0"


class Command(BaseCommand):
    help = (
        "Dump the configured PostgreSQL database into a directory with a JSON manifest (migrations, "
        "record counts, sha256), then delete backups beyond the retention."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=os.environ.get("BACKUP_DIR", DEFAULT_DIRECTORY),
            help="where to write (env BACKUP_DIR; default ./backups)",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=int(os.environ.get("BACKUP_KEEP", DEFAULT_KEEP)),
            help="keep the newest N backups (env BACKUP_KEEP; default 14; 0 = no count limit)",
        )
        parser.add_argument(
            "--keep-days",
            type=int,
            default=int(os.environ.get("BACKUP_KEEP_DAYS", DEFAULT_KEEP_DAYS)),
            help="delete backups older than N days (env BACKUP_KEEP_DAYS; default 0 = no age limit)",
        )

    def handle(self, *args, dir: str, keep: int, keep_days: int, **options):
        directory = Path(dir)
        try:
            backup = backup_create(directory=directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up to {backup.dump} (manifest {backup.manifest.name}).")
        for pruned in backups_prune(directory=directory, keep=keep, keep_days=keep_days):
            self.stdout.write(f"Deleted old backup {pruned.dump.name}.")
