"""Export every record, change history included, to a database-independent file (JSON, .gz ok).

On PostgreSQL the whole export reads one REPEATABLE READ, READ ONLY snapshot: a write committed
while the export runs is either wholly in the file or wholly absent, never in some tables only.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction

# Rebuilt by ``migrate`` on any database, or not worth keeping (sessions, login attempts). A series'
# change marker (kpis.SeriesChange) is written by the measurement triggers as the measurements load.
EXCLUDED = ("contenttypes", "auth.permission", "sessions", "admin.logentry", "axes", "kpis.serieschange")


class Command(BaseCommand):
    help = "Export all data with natural keys; restore it with import_data on a migrated, empty database."

    def add_arguments(self, parser):
        parser.add_argument("output", help="file to write, e.g. pdca-backup.json.gz")

    def handle(self, *args, output: str, **options):
        # Only the transaction's first statement may set its isolation: inside a caller's transaction
        # (tests) the export shares the caller's snapshot instead.
        owns_transaction = not connection.in_atomic_block
        with transaction.atomic():
            if connection.vendor == "postgresql" and owns_transaction:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            call_command(
                "dumpdata",
                natural_foreign=True,
                exclude=list(EXCLUDED),
                output=output,
                verbosity=0,
            )
        self.stdout.write(f"Exported to {output}.")
