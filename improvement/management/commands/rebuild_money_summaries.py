"""Rewrite every initiative's money summary: after migrating, or after changing
PDCA_ROI_HORIZON_MONTHS or PDCA_DISCOUNT_RATE (docs/money.md)."""

import time

from django.core.management.base import BaseCommand

from improvement.services.money_summaries import money_summaries_rebuild


class Command(BaseCommand):
    help = "Rewrite every initiative's money summary (figures and month lines) from its money rows."

    def handle(self, *args, **options):
        started = time.perf_counter()
        written = money_summaries_rebuild()
        self.stdout.write(f"{written} money summaries written in {time.perf_counter() - started:.1f} s.")
