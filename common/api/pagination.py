"""Page-number pagination for bounded lists, cursor pagination for lists that grow without bound."""

from django.conf import settings
from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    # Hard cap: a client cannot ask for the whole table in one page.
    max_page_size = settings.API_MAX_PAGE_SIZE


class StreamCursorPagination(CursorPagination):
    """Stable under inserts: a mirror walking measurements or history never skips or repeats a row."""

    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    ordering = ("-id",)
