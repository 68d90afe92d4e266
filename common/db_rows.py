"""Rows read by hand-written SQL, converted as the ORM converts them.

Where a hot read writes its SQL once instead of letting the ORM compile it on every call, the
values must still come out as the ORM's would: a JSON list for a ``JSONField``, an aware datetime
on SQLite (which hands back text), a ``bool`` for a ``BooleanField``… ``RowConverter`` applies the
backend's converters, then the field's own (``from_db_value``), in the ORM's order.
"""

from collections.abc import Sequence

from django.db import connections


class RowConverter:
    """Converts rows whose leading columns are ``fields`` (the rest pass as read)."""

    def __init__(self, alias: str, fields: Sequence):
        # The connection is looked up per call: each thread has its own.
        self.alias = alias
        connection = connections[alias]
        self.chains = []
        for at, field in enumerate(fields):
            expression = field.get_col(field.model._meta.db_table)
            converters = connection.ops.get_db_converters(expression)
            converters += field.get_db_converters(connection)
            if converters:
                self.chains.append((at, expression, converters))

    def __call__(self, row: Sequence) -> Sequence:
        if not self.chains:
            return row
        connection = connections[self.alias]
        values = list(row)
        for at, expression, converters in self.chains:
            value = values[at]
            for converter in converters:
                value = converter(value, expression, connection)
            values[at] = value
        return tuple(values)
