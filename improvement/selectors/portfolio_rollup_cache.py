"""The portfolio roll-up's answer for a reader of every initiative, kept in the shared cache.

The answer is cached under the roll-up's current revision (``common.revision_cache``), replaced
whenever a roll-up row is written (``rollup_revision_new``, called by the roll-up refresh when it
writes and again once its transaction commits). Each answer also expires after
``SUMMARY_CACHE_SECONDS``. The key carries the day, the horizon and the discount rate, which the
figures depend on. With the cache down the answer is computed as before (docs/money.md, "Roll-up
cache").
"""

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

from common.revision_cache import revision_cached, revision_name, revision_new

ROLLUP = revision_name("portfolio-rollup")
SUMMARY_CACHE_SECONDS = 60
T = TypeVar("T")


def rollup_revision_new() -> None:
    """Drop every cached roll-up answer (a new revision token)."""
    revision_new(ROLLUP)


def rollup_cached(*, team_id: int | None, category: str, today: dt.date, compute: Callable[[], T]) -> T:
    """``compute()``'s answer, from the cache when the roll-up has not changed since it was stored."""
    key = (
        f"{team_id}:{category}:{today.isoformat()}:{settings.PDCA_ROI_HORIZON_MONTHS}:"
        f"{settings.PDCA_DISCOUNT_RATE}:{settings.PDCA_PAYBACK_TARGET_MONTHS}"
    )
    return revision_cached(name=ROLLUP, key=key, compute=compute, timeout=SUMMARY_CACHE_SECONDS)
