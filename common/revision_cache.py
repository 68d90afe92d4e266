"""Answers kept in the shared cache under a *revision*: a random token replaced whenever what they
are computed from is written, so that a cached answer is never served after such a write has
committed.

A writer calls ``revision_new_on_commit(name)``: the revision is replaced once its transaction
commits (an answer stored before then was computed from the rows before the write), once per name
and transaction however many rows it writes, so that a hung cache costs a write one timeout per
name at most, after its commit. Each answer also expires after its ``timeout``, which bounds how
stale it can be where the cache is not shared between processes (the in-memory default). With the
cache down the answer is computed each time.
"""

import contextlib
import uuid
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

from common.cache_errors import CACHE_ERRORS

T = TypeVar("T")


# Every name that answers are kept under (``revision_name``): a restore drops them all at once.
_NAMES: set[str] = set()


def revision_name(name: str) -> str:
    """``name``, recorded as a name that answers are kept under (``revision_new_every`` drops it)."""
    _NAMES.add(name)
    return name


def revision_new_every(*, strict: bool = False) -> list[str]:
    """Drop every answer kept under any recorded name: the rows they were computed from were replaced
    (a restore). The names, in order. ``strict``: a cache that does not answer raises, instead of
    being passed over as everywhere else (a command must not say it dropped what it could not)."""
    names = sorted(_NAMES)
    for name in names:
        if strict:
            cache.set(_revision_key(name), uuid.uuid4().hex, None)
        else:
            revision_new(name)
    return names


def _revision_key(name: str) -> str:
    return f"{name}:revision"


def revision_new(name: str) -> None:
    """Drop every answer cached under ``name`` (a new revision token)."""
    with contextlib.suppress(CACHE_ERRORS):
        cache.set(_revision_key(name), uuid.uuid4().hex, None)


class _Once:
    """Shared by the callbacks of one name in one transaction: the first to run replaces the revision."""

    done = False


class _NewRevision:
    def __init__(self, name: str, once: _Once):
        self.name, self.once = name, once

    def __call__(self) -> None:
        if not self.once.done:
            self.once.done = True
            revision_new(self.name)


def revision_new_on_commit(name: str) -> None:
    """Drop the answers cached under ``name`` once the current transaction commits (at once outside
    one). However many rows the transaction writes, the cache is written once per name.

    The callbacks of a transaction are told apart by Django's list of them (``run_on_commit``), a
    new list after each commit or rollback."""
    connection = transaction.get_connection()
    hooks = connection.run_on_commit
    pending = getattr(connection, "_revisions_pending", None)
    if pending is None or pending[0] is not hooks:
        pending = connection._revisions_pending = (hooks, {})
    once = pending[1].get(name)
    if once is None or once.done:
        once = pending[1][name] = _Once()
    transaction.on_commit(_NewRevision(name, once))


def revision_cached(*, name: str, key: str, compute: Callable[[], T], timeout: int) -> T:
    """``compute()``'s answer, from the cache when ``name`` has not been written since it was stored.
    ``name`` is one of ``revision_name``'s (tests/common/test_revision_cache.py checks them all)."""
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
