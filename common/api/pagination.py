"""Page-number pagination for bounded lists, cursor pagination for lists that grow without bound.

A page or page size that is not a whole number answers 400 on that parameter: DRF would quietly
fall back to the default size or answer 404, and a client would never learn its request was wrong.
A page past the end and a cursor this server never issued answer 404 (documented in the schema).
"""

import re

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination

from common.paging import PageAndCountPaginator

PAGE_SIZE_PARAM = "page_size"
PAGE_PARAM = "page"
MSG_PAGE_SIZE = gettext_noop("A page size is a whole number of at least 1 (larger ones are capped at {max}).")
MSG_PAGE = gettext_noop("A page number is a whole number of at least 1.")
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


def _whole_number(request, param: str, message: str) -> int | None:
    """The query parameter as a positive integer, None when absent; anything else is a 400."""
    raw = request.query_params.get(param)
    if raw is None:
        return None
    if not _WHOLE_NUMBER.fullmatch(raw) or int(raw) < 1:
        raise ValidationError({param: [message]})
    return int(raw)


class _StrictPageSize:
    page_size_query_param = PAGE_SIZE_PARAM
    # Hard cap: a client cannot ask for the whole table in one page.
    max_page_size = settings.API_MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view):
        # A larger size is accepted and capped, not refused: the cap is said, not a ``maximum``
        # that would make a validating client refuse what the server answers.
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {**parameter["schema"], "minimum": 1}
                parameter["description"] = (
                    f"Rows per page (default {self.page_size}); "
                    f"larger sizes are capped at {self.max_page_size}."
                )
        return parameters

    def get_page_size(self, request):
        message = _(MSG_PAGE_SIZE).format(max=self.max_page_size)
        asked = _whole_number(request, self.page_size_query_param, message)
        return self.page_size if asked is None else min(asked, self.max_page_size)


class PagePagination(_StrictPageSize, PageNumberPagination):
    # Rows that read a page with their count in one query (``slice_and_count``) do so.
    django_paginator_class = PageAndCountPaginator
    page_size = settings.API_PAGE_SIZE
    page_query_param = PAGE_PARAM
    # Only numbers: the schema says the page is an integer, so "last" is not offered either.
    last_page_strings = ()

    def get_page_number(self, request, paginator):
        return _whole_number(request, self.page_query_param, _(MSG_PAGE)) or 1


class StreamCursorPagination(_StrictPageSize, CursorPagination):
    """Stable under inserts: a mirror walking measurements or history never skips or repeats a row."""

    page_size = settings.API_PAGE_SIZE
    ordering = ("-id",)

    def get_ordering(self, request, queryset, view):
        """The asked ordering, with the id in the same direction as its last field added when absent:
        rows that tie (one ``period`` holds many measurements) then come in one fixed order, and the
        cursor's offset among them counts the same rows on every page."""
        ordering = super().get_ordering(request, queryset, view)
        if any(field.lstrip("-") in ("id", "pk") for field in ordering):
            return ordering
        return (*ordering, "-id" if ordering[-1].startswith("-") else "id")
