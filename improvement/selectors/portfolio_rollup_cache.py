"""The portfolio roll-up's answer for a reader of every initiative, kept in the shared cache.

The answer is cached under the roll-up's current *revision*: a random token replaced whenever a
roll-up row is written (``rollup_revision_new``, called by the roll-up refresh when it writes and
again once its transaction commits), so a cached answer is never served after a write has
committed. Each answer also expires after ``SUMMARY_CACHE_SECONDS``, which bounds how stale it can
be where the cache is not shared between processes (the in-memory default). The key carries the
day, the horizon and the discount rate, which the figures depend on. With the cache down the
answer is computed as before (docs/money.md, "Roll-up cache").
"""

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from common.cache_errors import CACHE_ERRORS

REVISION_KEY = "portfolio-rollup:revision"
SUMMARY_CACHE_SECONDS = 60
T = TypeVar("T")


def rollup_revision_new() -> None:
    """Drop every cached roll-up answer (a new revision token)."""
    with contextlib.suppress(CACHE_ERRORS):
        cache.set(REVISION_KEY, uuid.uuid4().hex, None)


def rollup_cached(*, team_id: int | None, category: str, today: dt.date, compute: Callable[[], T]) -> T:
    """``compute()``'s answer, from the cache when the roll-up has not changed since it was stored."""
    try:
        revision = cache.get(REVISION_KEY)
        if revision is None:
            revision = uuid.uuid4().hex
            if not cache.add(REVISION_KEY, revision, None):
                revision = cache.get(REVISION_KEY)
        key = (
            f"portfolio-rollup:{revision}:{team_id}:{category}:{today.isoformat()}:"
            f"{settings.PDCA_ROI_HORIZON_MONTHS}:{settings.PDCA_DISCOUNT_RATE}:"
            f"{settings.PDCA_PAYBACK_TARGET_MONTHS}"
        )
        found = cache.get(key)
    except CACHE_ERRORS:
        return compute()
    if found is not None:
        return found
    answer = compute()
    with contextlib.suppress(CACHE_ERRORS):
        cache.set(key, answer, SUMMARY_CACHE_SECONDS)
    return answer
