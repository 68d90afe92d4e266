"""Export every record, change history included, to a database-independent file (JSON, .gz ok)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

# Rebuilt by ``migrate`` on any database, or not worth keeping (sessions, login attempts).
EXCLUDED = ("contenttypes", "auth.permission", "sessions", "admin.logentry", "axes")


class Command(BaseCommand):
    help = "Export all data with natural keys; restore it with import_data on a migrated, empty database."

    def add_arguments(self, parser):
        parser.add_argument("output", help="file to write, e.g. pdca-backup.json.gz")

    def handle(self, *args, output: str, **options):
        call_command(
            "dumpdata",
            natural_foreign=True,
            exclude=list(EXCLUDED),
            output=output,
            verbosity=0,
        )
        self.stdout.write(f"Exported to {output}.")
