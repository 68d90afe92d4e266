"""``manage.py partition_measurements``: the measurements table in monthly range partitions.

PostgreSQL only. The first run converts the table (every row, constraint, index and trigger kept;
one transaction, the table locked meanwhile: docs/scaling.md gives the time measured on 1,000,000
rows); later runs add the months coming up. See kpis/partitioning.py.
"""

from django.core.management.base import BaseCommand, CommandError

from kpis.partitioning import PartitioningError, partition


class Command(BaseCommand):
    help = "Convert the measurements table to monthly range partitions (PostgreSQL), or add coming months."

    def add_arguments(self, parser):
        parser.add_argument(
            "--months-ahead",
            type=int,
            default=12,
            help="Create the partitions of this many months past the current one (default 12).",
        )

    def handle(self, *args, months_ahead: int, **options):
        if not 0 <= months_ahead <= 120:
            raise CommandError("--months-ahead must lie between 0 and 120.")
        try:
            report = partition(months_ahead=months_ahead)
        except PartitioningError as error:
            raise CommandError(str(error)) from None
        added = f"{report.months_added[0]} to {report.months_added[-1]}" if report.months_added else "none"
        if report.converted:
            self.stdout.write(
                f"Converted kpis_measurement to monthly partitions: {report.rows} rows kept; "
                f"{len(report.months_added)} months ({added}) and a default partition."
            )
        else:
            self.stdout.write(f"Already partitioned ({report.rows} rows); months added: {added}.")
