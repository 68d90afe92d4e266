"""Answers kept in the shared cache under a *revision*: a random token replaced whenever what they
are computed from is written, so that a cached answer is never served after such a write has
committed.

A writer calls ``revision_new(name)`` in its transaction and again once it commits (a reader in
between may have stored an answer computed from the rows before the commit). Each answer also
expires after its ``timeout``, which bounds how stale it can be where the cache is not shared
between processes (the in-memory default). With the cache down the answer is computed each time.
"""

import contextlib
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from common.cache_errors import CACHE_ERRORS

T = TypeVar("T")


def _revision_key(name: str) -> str:
    return f"{name}:revision"


def revision_new(name: str) -> None:
    """Drop every answer cached under ``name`` (a new revision token)."""
    with contextlib.suppress(CACHE_ERRORS):
        cache.set(_revision_key(name), uuid.uuid4().hex, None)


def revision_cached(*, name: str, key: str, compute: Callable[[], T], timeout: int) -> T:
    """``compute()``'s answer, from the cache when ``name`` has not been written since it was stored."""
    try:
        revision = cache.get(_revision_key(name))
        if revision is None:
            revision = uuid.uuid4().hex
            if not cache.add(_revision_key(name), revision, None):
                revision = cache.get(_revision_key(name))
        cache_key = f"{name}:{revision}:{key}"
        found = cache.get(cache_key)
    except CACHE_ERRORS:
        return compute()
    if found is not None:
        return found
    answer = compute()
    with contextlib.suppress(CACHE_ERRORS):
        cache.set(cache_key, answer, timeout)
    return answer
