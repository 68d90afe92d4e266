"""Keyset pages for ``?updated_since=``: every page of the read costs what the first one does.

A list asked for ``updated_since`` answers its rows oldest change first, in (updated_at, id) order
(``created_at`` for a list whose rows are never edited: the field its ``updated_since`` filter
names). ``next`` carries the last row's (updated_at, id) in an opaque ``since_cursor``; the next
page is the rows after it, ``(updated_at, id) > (…, …)``, one range on the list's (updated_at, id)
index. A page number would make the database build and throw away every skipped row (with its
derived columns) on each page, so a deep page cost O(offset): ``page`` is refused here, and
``ordering`` does not apply.

A row changed while a client follows ``next`` moves to the end of the walk and is served again
there with its new content (a mirror's upsert makes the repeat harmless); no row is skipped, because
the rows not yet served keep their place after the cursor. The answer keeps the list's shape: a
page-numbered list answers ``count`` (counted on the first page and carried by the cursor, so the
count is the one of the read's start), a cursor-paged list has no count.
"""

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from common.api.pagination import PAGE_PARAM
from common.api.viewsets import SYNC_PARAM
from common.keyset import after

SINCE_CURSOR_PARAM = "since_cursor"
SINCE_CURSOR_VERSION = "s1"
DEFAULT_FIELD = "updated_at"
MSG_SINCE_CURSOR = gettext_noop(
    "This cursor is not valid; start again from the first page of the updated_since read."
)
MSG_SINCE_PAGE = gettext_noop(
    "An updated_since read is paged by following `next` (a since_cursor), not by page number."
)
SINCE_CURSOR_HELP = (
    "With `updated_since`: where the next page starts. Opaque; take it from `next`, never build it."
)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_MAX_BIGINT = 2**63 - 1


@dataclass(frozen=True)
class SincePosition:
    """The last row served: (its time in microseconds since 1970 UTC, its id), and the read's count."""

    micros: int
    id: int
    count: int

    @property
    def when(self) -> dt.datetime:
        return _EPOCH + self.micros * _MICROSECOND

    @classmethod
    def of(cls, when: dt.datetime, pk: int, count: int) -> "SincePosition":
        return cls((when - _EPOCH) // _MICROSECOND, pk, count)

    def token(self) -> str:
        raw = f"{SINCE_CURSOR_VERSION}.{self.micros}.{self.id}.{self.count}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def parse(cls, token: str) -> "SincePosition":
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            version, *numbers = raw.split(".")
            if version != SINCE_CURSOR_VERSION or len(numbers) != 3:
                raise ValueError(raw)
            micros, pk, count = (int(number) for number in numbers)
            position = cls(micros, pk, count)
            position.when  # noqa: B018 — a time outside Python's years is refused here, not in SQL
        except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error) as error:
            raise ValidationError({SINCE_CURSOR_PARAM: [_(MSG_SINCE_CURSOR)]}) from error
        if min(pk, count) < 0 or max(pk, count) > _MAX_BIGINT:
            raise ValidationError({SINCE_CURSOR_PARAM: [_(MSG_SINCE_CURSOR)]})
        return position


def since_requested(request) -> bool:
    return SYNC_PARAM in request.query_params


def since_field(view) -> str:
    """The field the view's ``updated_since`` filter compares: the walk's order."""
    filterset = getattr(view, "filterset_class", None)
    declared = getattr(filterset, "base_filters", {}).get(SYNC_PARAM) if filterset else None
    return getattr(declared, "field_name", None) or DEFAULT_FIELD


class SinceKeyset:
    """Mixed in front of a DRF paginator: ``?updated_since=`` switches the list to keyset pages."""

    since = None

    def paginate_queryset(self, queryset, request, view=None):
        if not since_requested(request):
            self.since = None
            return super().paginate_queryset(queryset, request, view)
        if request.query_params.get(PAGE_PARAM, "1") != "1":
            raise ValidationError({PAGE_PARAM: [_(MSG_SINCE_PAGE)]})
        token = request.query_params.get(SINCE_CURSOR_PARAM)
        position = SincePosition.parse(token) if token else None
        self.request = request
        self.since = _SincePage(field=since_field(view), size=self.get_page_size(request))
        return self.since.page(queryset, position=position, counted=self._counts())

    def _counts(self) -> bool:
        return isinstance(self, PageNumberPagination)

    def get_paginated_response(self, data):
        if self.since is None:
            return super().get_paginated_response(data)
        url = remove_query_param(self.request.build_absolute_uri(), PAGE_PARAM)
        next_url = None
        if self.since.next is not None:
            next_url = replace_query_param(url, SINCE_CURSOR_PARAM, self.since.next.token())
        body = {"next": next_url, "previous": None, "results": data}
        if self._counts():
            body = {"count": self.since.count, **body}
        return Response(body)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameter = {"name": SINCE_CURSOR_PARAM, "required": False, "in": "query"}
        parameter |= {"description": SINCE_CURSOR_HELP, "schema": {"type": "string"}}
        return [*parameters, parameter]


class _SincePage:
    """One keyset page: the keys in one index range scan, then the rows of those keys."""

    def __init__(self, *, field: str, size: int):
        self.field = field
        self.size = size
        self.next: SincePosition | None = None
        self.count: int | None = None

    def page(self, rows, *, position: SincePosition | None, counted: bool) -> list:
        # The lean initiative list passes value rows that keep their queryset (ValueRows).
        queryset = getattr(rows, "queryset", rows)
        keys_qs = queryset.prefetch_related(None).order_by(self.field, "pk")
        if position is not None:
            keys_qs = after(keys_qs, (self.field, "pk"), (position.when, position.id))
        keys = list(keys_qs.values_list(self.field, "pk")[: self.size + 1])
        if counted:
            self.count = position.count if position is not None else rows.count()
        if len(keys) > self.size:
            keys = keys[: self.size]
            self.next = SincePosition.of(*keys[-1], self.count or 0)
        ids = [pk for _, pk in keys]
        if not ids:
            return []
        found = rows.keyed(ids) if hasattr(rows, "keyed") else queryset.filter(pk__in=ids)
        order = {pk: index for index, pk in enumerate(ids)}
        # Value rows (the lean measurements list) are dicts that carry their "id".
        pk_of = (
            rows.pk_of
            if hasattr(rows, "pk_of")
            else (lambda row: row["id"] if isinstance(row, dict) else row.pk)
        )
        return sorted(found, key=lambda row: order[pk_of(row)])
