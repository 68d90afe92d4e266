"""Rows read by hand-written SQL, converted as the ORM converts them.

Where a hot read writes its SQL once instead of letting the ORM compile it on every call, the
values must still come out as the ORM's would: a JSON list for a ``JSONField``, an aware datetime
on SQLite (which hands back text), a ``bool`` for a ``BooleanField``… ``RowConverter`` applies the
backend's converters, then the field's own (``from_db_value``), in the ORM's order.
"""

from collections.abc import Iterable, Sequence

from django.db import connections


class RowConverter:
    """Converts rows whose leading columns are ``fields`` (a None field: the column as read)."""

    def __init__(self, alias: str, fields: Sequence):
        self.alias = alias
        self.columns = [
            (at, field, field.get_col(field.model._meta.db_table))
            for at, field in enumerate(fields)
            if field is not None
        ]

    def _chains(self, connection) -> list:
        # Resolved on each call, from this thread's connection: a backend's converters are methods
        # of its connection's operations.
        chains = []
        for at, field, expression in self.columns:
            converters = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
            if converters:
                chains.append((at, expression, converters))
        return chains

    def rows(self, rows: Iterable[Sequence]) -> list[tuple]:
        connection = connections[self.alias]
        chains = self._chains(connection)
        if not chains:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            values = list(row)
            for at, expression, converters in chains:
                value = values[at]
                for converter in converters:
                    value = converter(value, expression, connection)
                values[at] = value
            converted.append(tuple(values))
        return converted
