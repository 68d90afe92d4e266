"""The change cursor: a commit-ordered change marker on every synced row, and its database triggers.

``updated_at`` is stamped when Python saves a row, not when its transaction commits, so a mirror
that asks for "changed since T" misses the rows of any transaction that was still open at T. The
change marker is written by the DATABASE on every insert and update (triggers installed by the
migrations, common/sync_triggers.py), so no write path — a service, a bulk upsert,
``queryset.update()``, the admin, raw SQL — can forget it, and it is ordered by commit:

- PostgreSQL: the marker is the writing transaction's id (``pg_current_xact_id()``). A walk serves
  rows only below ``pg_snapshot_xmin(pg_current_snapshot())``: every transaction below it has ended,
  so a transaction that commits later always writes a marker above any cursor already handed out.
- SQLite: writers are serialised (one write transaction at a time, held to its commit), so a
  counter bumped inside the writing transaction is already in commit order; no horizon is needed.

A row whose answer includes numbers derived from other tables (an initiative's milestone counts and
members, a target's current value, an experiment's variants) is "touched" by triggers on those
tables in the same transaction, so its marker moves whenever its answer can. A deleted row leaves
a tombstone (its id, with the deleting transaction's marker) that the walk serves in order too.
"""

import base64
import binascii
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import F

from common.keyset import after

MARKER = "change_marker"
# The annotation a walk by a derived marker goes by (``rows_after(marker=SYNC_MARKER)``).
SYNC_MARKER = "sync_marker"
CURSOR_VERSION = "c1"
# The position before every row (markers and ids are positive): the start of a full walk.
START = (0, 0)
MSG_CURSOR_INVALID = "This change cursor is not valid; start again with an empty change_cursor."

# Every transaction with an id below this has ended (committed or rolled back) for this statement.
_PG_HORIZON = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint"


class ChangeTracked(models.Model):
    """Rows with a change marker, served in (marker, id) order by the change cursor."""

    # Written only by the database's triggers: the value a Python save sends is overwritten. Not
    # part of an export: a restored database stamps its rows anew (mirrors walk again from empty).
    change_marker = models.BigIntegerField(default=0, editable=False, serialize=False)

    class Meta:
        abstract = True


# --- the cursor token ------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Position:
    """A place in a table's change walk: rows after (marker, id) have not been served yet."""

    marker: int
    id: int

    def token(self) -> str:
        raw = f"{CURSOR_VERSION}.{self.marker}.{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str) -> "Position":
        """The position of a token; an empty token is the start. Anything else is a 400."""
        if not token:
            return cls(*START)
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            version, marker, pk = raw.split(".")
            if version != CURSOR_VERSION or not marker.isdigit() or not pk.isdigit():
                raise ValueError(raw)
            position = cls(int(marker), int(pk))
        except (ValueError, UnicodeDecodeError, binascii.Error) as error:
            raise ValidationError({"change_cursor": [MSG_CURSOR_INVALID]}) from error
        if (
            position.marker > models.BigIntegerField.MAX_BIGINT
            or position.id > models.BigIntegerField.MAX_BIGINT
        ):
            raise ValidationError({"change_cursor": [MSG_CURSOR_INVALID]})
        return position


def sync_horizon() -> int | None:
    """The marker below which every transaction has ended (PostgreSQL), read ONCE per page and used
    by every query of that page: a later query's snapshot sees all of them, so the page's rows and
    its tombstones are cut at the same place and a delete committing between the two queries is
    served on a later page instead of being skipped. None on SQLite (no horizon is needed)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_PG_HORIZON}")
        return cursor.fetchone()[0]


def rows_after(queryset, *, position: Position, horizon: int | None, marker: str = MARKER):
    """``queryset``'s rows after ``position`` and below ``horizon`` (``sync_horizon``), in
    (marker, id) order: ``(change_marker, id) > (marker, id)``, a row comparison on PostgreSQL (one
    range on the (marker, id) index), its portable spelling elsewhere (common/keyset.py).

    ``marker``: the field or annotation to walk by; ``SYNC_MARKER`` for a row whose answer is read
    from another table's rows (a target from its series), annotated by the caller."""
    qs = after(queryset, (marker, "pk"), (position.marker, position.id))
    if horizon is not None:
        qs = qs.filter(**{f"{marker}__lt": horizon})
    return qs.order_by(F(marker).asc(), F("pk").asc())


def deletions_after(
    table: str, *, position: Position, horizon: int | None, limit: int
) -> list[tuple[int, int]]:
    """(marker, id) of ``table``'s rows deleted after ``position`` and below ``horizon``, in order:
    the tombstones written by the database on every delete."""
    below = "" if horizon is None else " AND change_marker < %s"
    sql = (
        "SELECT change_marker, object_id FROM sync_tombstone WHERE table_name = %s"
        " AND change_marker >= %s AND (change_marker > %s OR object_id > %s)"
        f"{below} ORDER BY change_marker, object_id LIMIT %s"
    )
    params = [table, position.marker, position.marker, position.id]
    params += ([] if horizon is None else [horizon]) + [limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(marker, pk) for marker, pk in cursor.fetchall()]
