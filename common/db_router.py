"""Reads that tolerate lag go to a read replica (``DATABASE_REPLICA_URL``); everything else to the primary.

A replica of PostgreSQL's streaming replication answers what the primary held a moment ago (usually
milliseconds, seconds under load, more while it replays a long transaction). Only reads that are
fine with that go there, and only when the code says so: a view or a block marked ``lag_tolerant``.
The router never guesses from the model, because the same table serves both kinds of read.

Marked lag tolerant (read-only answers that summarise, where a second-old figure is as good):
- the portfolio summary (``/api/v1/portfolio/summary/``);
- the control chart (``/api/v1/kpis/<code>/control-chart/``).

Never on the replica, whatever the marking:
- anything inside a transaction (``atomic``) or after a write in the same block: the read must see
  the write;
- raw SQL on ``django.db.connection`` (always the primary);
- writes, migrations, sessions, tokens and sign-in (a token just made must work on the next request);
- the change cursor and ``updated_since`` reads: a mirror's next cursor must not come from a
  replica that is behind the primary it asks next (common/sync.py's horizon is the primary's);
- forms, If-Match checks and every read that decides a write.

Without ``DATABASE_REPLICA_URL`` there is no ``replica`` alias and every read stays on the primary.
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_lag_tolerant = ContextVar("lag_tolerant", default=False)
# Set by the first write inside a lag-tolerant block: the block's later reads go to the primary.
_wrote = ContextVar("wrote_in_lag_tolerant_block", default=False)


@contextmanager
def lag_tolerant():
    """Reads in this block may come from the replica (when one is configured and no transaction is open)."""
    token, wrote = _lag_tolerant.set(True), _wrote.set(False)
    try:
        yield
    finally:
        _wrote.reset(wrote)
        _lag_tolerant.reset(token)


def lag_tolerant_view(view):
    """A view (or viewset action) whose reads may come from the replica."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        with lag_tolerant():
            return view(*args, **kwargs)

    return wrapper


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def reads_from_replica() -> bool:
    """Whether a read made here would go to the replica."""
    if not (_lag_tolerant.get() and replica_configured()) or _wrote.get():
        return False
    # In a transaction the primary holds what this request wrote or is about to decide on.
    return not connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: lag-tolerant reads to ``replica``, everything else to ``default``."""

    def db_for_read(self, model, **hints):
        return REPLICA if reads_from_replica() else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        if _lag_tolerant.get():
            _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object read from either may relate to the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A replica replays the primary's schema; it is never migrated itself.
        return db == DEFAULT_DB_ALIAS
