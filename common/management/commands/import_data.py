"""Load a file written by export_data into a migrated, empty database."""

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings

MSG_NOT_EMPTY = "The database already holds users; import into a freshly migrated, empty database."


class Command(BaseCommand):
    help = "Import a file written by export_data (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("input", help="file written by export_data")

    def handle(self, *args, input: str, **options):
        if get_user_model().objects.exists():
            raise CommandError(MSG_NOT_EMPTY)
        # The file carries the history rows themselves; recording new ones while loading (as
        # django-simple-history does for many-to-many changes) would duplicate them.
        with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
            call_command("loaddata", input, verbosity=0)
        self.stdout.write(f"Imported {input}.")
