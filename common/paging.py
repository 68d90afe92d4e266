"""Rows for a ``Paginator`` whose number is already known."""

from collections.abc import Sequence

from django.db.models import QuerySet


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
