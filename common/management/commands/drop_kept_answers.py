"""Drop the counts and choices kept in the cache: each is computed again from the database at its next
read (after a restore into another database, or rows written past the models)."""

from django.core.management.base import BaseCommand, CommandError

from common.cache_errors import CACHE_ERRORS
from common.revision_cache import revision_new_every

MSG_CACHE_DOWN = (
    "The cache did not answer ({error}): the kept answers are not all dropped. Check REDIS_URL and run again."
)


class Command(BaseCommand):
    help = (
        "Drop every count and choice kept in the cache (the whole list's count, the board's, the "
        "roll-up, the owner and lead choices, the first rows at risk, the money check): each is "
        "computed again from the database at its next read. Run it after pointing DATABASE_URL at a "
        "restored database, with the deployment's REDIS_URL."
    )

    def handle(self, *args, **options):
        try:
            names = revision_new_every(strict=True)
        except CACHE_ERRORS as error:
            raise CommandError(MSG_CACHE_DOWN.format(error=error)) from error
        self.stdout.write(f"Dropped the answers kept under {len(names)} names: {', '.join(names)}.")
