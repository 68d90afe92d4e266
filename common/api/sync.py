"""The change feed of a list: ``?change_cursor=`` walks a resource's changes in commit order.

A list whose paginator mixes in ``ChangeFeed`` answers ``?change_cursor=<token>`` (empty for a full
walk) with the rows changed after the cursor, oldest change first, keyset-paginated on the
(change marker, id) index, so every page costs the same however deep the walk is:

    {"next": "...?change_cursor=…" | null, "previous": null, "results": [...],
     "sync": {"cursor": "…", "complete": true | false}}

``complete`` is true when the walk has reached the horizon (nothing more can be served now); keep
``sync.cursor`` and start from it next time. See common/sync.py for why no committed change can
fall behind a cursor already handed out.
"""

from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from common.api.pagination import PagePagination, StreamCursorPagination
from common.api.since import SinceKeyset
from common.api.viewsets import CHANGE_CURSOR_PARAM
from common.sync import MARKER, SYNC_MARKER, Position, deletions_after, rows_after, sync_horizon

CURSOR_PARAM = CHANGE_CURSOR_PARAM
CURSOR_HELP = (
    "Walk this list's changes in commit order (lossless incremental sync): empty for a full walk, "
    "then the `sync.cursor` of the last answer. Rows come oldest change first, archived ones "
    "included (`archived: true`); `page_size` applies, ordering does not. Follow `next` until "
    "`sync.complete` is true, keep `sync.cursor`, and start from it next time. An invalid cursor "
    "answers 400."
)
UPDATED_SINCE_HELP = (
    "Only records changed at or after this ISO 8601 time; archived records are included (flagged "
    "`archived`). Approximate: a change is stamped when written, not when committed, and derived "
    "numbers change without it. Use `change_cursor` for a lossless mirror. Rows come oldest change "
    "first in (updated_at, id) order; follow `next` (a `since_cursor`): `page` and `ordering` do "
    "not apply."
)
SYNC_SCHEMA = {
    "type": "object",
    "description": "Present on answers to `change_cursor`.",
    "required": ["cursor", "complete", "deleted"],
    "properties": {
        "cursor": {"type": "string", "description": "Where the next walk starts: store it."},
        "complete": {
            "type": "boolean",
            "description": "True when every change committed so far has been served.",
        },
        "deleted": {
            "type": "array",
            "items": {"type": "integer"},
            "description": "Ids deleted in this stretch of the walk: drop them from the mirror.",
        },
    },
}


def change_feed_requested(request) -> bool:
    return CURSOR_PARAM in request.query_params


class ChangeFeed:
    """Mixed in front of a DRF paginator: ``?change_cursor=`` switches the list to the change walk."""

    walk = None
    # A list whose rows' answers are read from other tables' rows may walk by a derived marker: a
    # function that annotates the queryset with ``SYNC_MARKER`` (common/sync.py ``rows_after``).
    change_marker = None

    def paginate_queryset(self, queryset, request, view=None):
        if not change_feed_requested(request):
            self.walk = None
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        self.walk = _Walk(
            position=Position.parse(request.query_params[CURSOR_PARAM]),
            size=self.get_page_size(request),
            annotate=self.change_marker,
        )
        return self.walk.page(queryset)

    def get_paginated_response(self, data):
        if self.walk is None:
            return super().get_paginated_response(data)
        url = remove_query_param(self.request.build_absolute_uri(), "page")
        next_url = None
        if not self.walk.complete:
            next_url = replace_query_param(url, CURSOR_PARAM, self.walk.position.token())
        return Response(
            {
                "next": next_url,
                "previous": None,
                "results": data,
                "sync": {
                    "cursor": self.walk.position.token(),
                    "complete": self.walk.complete,
                    "deleted": self.walk.deleted,
                },
            }
        )

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        # A change-feed answer has no count: a count would cost a scan of the whole walk.
        paginated["required"] = [key for key in paginated.get("required", []) if key != "count"]
        paginated["properties"]["sync"] = SYNC_SCHEMA
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameter = {"name": CURSOR_PARAM, "required": False, "in": "query", "description": CURSOR_HELP}
        return [*parameters, {**parameter, "schema": {"type": "string"}}]


class _Walk:
    """One page of a change walk: the keys in one index range scan, then the rows of those keys."""

    def __init__(self, *, position: Position, size: int, annotate=None):
        self.position = position
        self.size = size
        self.annotate = annotate
        self.complete = True
        self.deleted: list[int] = []

    def page(self, rows) -> list:
        # The lean initiative list passes value rows that keep their queryset (ValueRows).
        queryset = getattr(rows, "queryset", rows)
        horizon = sync_horizon()
        keys, marker = queryset.prefetch_related(None), MARKER
        if self.annotate is not None:
            keys, marker = self.annotate(keys), SYNC_MARKER
        live = rows_after(keys, position=self.position, horizon=horizon, marker=marker)
        dead = deletions_after(
            queryset.model._meta.db_table, position=self.position, horizon=horizon, limit=self.size + 1
        )
        # Two ordered streams on one key (ids are never reused, so a row and a tombstone never
        # share one): the page is the first ``size`` keys of both.
        keys = sorted(
            [(marker, pk, False) for marker, pk in live.values_list(marker, "pk")[: self.size + 1]]
            + [(marker, pk, True) for marker, pk in dead]
        )
        self.complete = len(keys) <= self.size
        keys = keys[: self.size]
        if keys:
            self.position = Position(*keys[-1][:2])
        self.deleted = [pk for _, pk, gone in keys if gone]
        ids = [pk for _, pk, gone in keys if not gone]
        if not ids:
            return []
        # A row changed again since the keys were read comes with its newer content now, and again
        # at its new place later: a mirror's upsert makes the repeat harmless, nothing is lost.
        found = rows.keyed(ids) if hasattr(rows, "keyed") else queryset.filter(pk__in=ids)
        order = {pk: index for index, pk in enumerate(ids)}
        return sorted(found, key=lambda row: order[_pk(row, rows)])


def _pk(row, rows):
    return rows.pk_of(row) if hasattr(rows, "pk_of") else row.pk


class ChangePagePagination(ChangeFeed, SinceKeyset, PagePagination):
    """Page numbers, keyset pages with ``?updated_since=``, or the change walk with ``?change_cursor=``."""


class ChangeStreamPagination(ChangeFeed, SinceKeyset, StreamCursorPagination):
    """The stable id cursor, keyset pages with ``?updated_since=``, or the change walk with
    ``?change_cursor=``."""
