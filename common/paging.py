"""Paginators that do not count every row: rows whose number is already known, and rows counted up
to a bound."""

from collections.abc import Sequence

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


class CountedRows(Sequence):
    """A query's rows whose number is already known (counted on write, or by a query that had to
    read them anyway), read a slice at a time: a ``Paginator`` of them asks the database for the
    page's rows only, not for their count."""

    def __init__(self, rows: QuerySet, *, count: int):
        self.rows, self.total = rows, count

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        return self.rows[index]

    def __iter__(self):
        return iter(self.rows)


# Pages past this one are read as this one: the bound of a larger page would not fit a SQL LIMIT.
LAST_PAGE_ASKED = 1_000_000


def _page_number(asked: str | int | None) -> int:
    try:
        return min(max(int(asked), 1), LAST_PAGE_ASKED)
    except (TypeError, ValueError):
        return 1


class BoundedCountPaginator(Paginator):
    """Pages of a query whose rows are counted only up to a bound: at least ``count_at_least`` rows,
    and always past the page asked for, so that "next" is known.

    ``count`` is the exact number when there are no more rows than the bound, and the bound when
    there are; ``count_is_exact`` tells which. Counting stops at the bound (``COUNT(*)`` over a
    ``LIMIT``), so its cost follows the page asked for, not the whole table: a page of 25 out of
    17,000 rows counts 1,001 of them, not 17,000.
    """

    def __init__(self, object_list: QuerySet, per_page: int, *, asked: str | int | None, count_at_least: int):
        super().__init__(object_list, per_page)
        # One row past the page after the one asked for: enough to tell whether there is a next page.
        self.bound = max(count_at_least, (_page_number(asked) + 1) * per_page)

    def get_page(self, number):
        """The page asked for; the first for anything below 1 or not a number, the last past the end."""
        return super().get_page(_page_number(number))

    @cached_property
    def counted(self) -> int:
        return self.object_list.order_by()[: self.bound + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.bound)

    @property
    def count_is_exact(self) -> bool:
        return self.counted <= self.bound

    @property
    def more_than(self) -> int | None:
        """The bound when there are more rows than it ("more than 1,000"), ``None`` when counted."""
        return None if self.count_is_exact else self.bound

    @cached_property
    def num_pages(self) -> int:
        if not self.count_is_exact:
            # Every page within the bound, and at least one more for the rows past it: a lower bound.
            return self.bound // self.per_page + 1
        return super().num_pages


class PageAndCountPaginator(Paginator):
    """Pages of rows that may read a page and the number of all rows in one query
    (``slice_and_count(bottom, top)`` → the page's rows and the count, ``None`` for the count when
    the page is empty or the rows would rather be counted apart).

    For rows that a query must read all of to choose any page (ids a reader may see, then ordered):
    the count then costs no second pass over them. Anything else is counted first, as ``Paginator``
    does. A page past the end, which reads no row and so no count, is counted apart and refused as
    ``Paginator`` refuses it.
    """

    def page(self, number):
        read = getattr(self.object_list, "slice_and_count", None)
        if read is None or self.orphans:
            return super().page(number)
        try:
            asked = int(number)
        except (TypeError, ValueError):
            return super().page(number)
        if asked < 1 or (asked != number and str(asked) != number):
            # Below 1, or not a whole number (2.5, "2.0"): refused by ``Paginator`` as before.
            return super().page(number)
        bottom = (asked - 1) * self.per_page
        rows, total = read(bottom, bottom + self.per_page)
        if total is None:
            return super().page(number)
        self.__dict__["count"] = total
        return self._get_page(rows, self.validate_number(asked), self)
