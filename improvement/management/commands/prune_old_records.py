"""Prune what the nightly job prunes (improvement/services/retention.py), now."""

from django.core.management.base import BaseCommand

from improvement.services.retention import records_prune


class Command(BaseCommand):
    help = "Delete webhook deliveries, events and read notifications older than their retention (settings)."

    def handle(self, *args, **options):
        for name, rows in records_prune().items():
            self.stdout.write(f"{name}: {rows} deleted")
