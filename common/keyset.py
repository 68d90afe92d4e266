"""Keyset conditions: "the rows after this key" for an ordered walk on a composite key.

``after(("updated_at", "pk"), (when, 42))`` is the condition ``(updated_at, id) > (when, 42)``.

- PostgreSQL: a real row comparison. The planner reads it as one range on a (updated_at, id)
  index (an index condition, not a filter), so a page deep in the walk costs what the first does.
- SQLite (and any other backend): the same condition spelled portably,
  ``a >= x AND (a > x OR (a = x AND b > y))``; the leading ``a >= x`` alone is a range on the index.
"""

from django.db import connections
from django.db.models import BooleanField, F, Func, Q, Value

_ROW_BACKENDS = frozenset({"postgresql"})


class _Row(Func):
    """``(a, b, …)``: a row constructor."""

    template = "(%(expressions)s)"


class RowAfter(Func):
    """``(a, b) > (x, y)``, a boolean usable in ``filter()``."""

    arg_joiner = " > "
    template = "%(expressions)s"
    output_field = BooleanField()


def _value(queryset, name: str, value):
    model = queryset.model
    if name in queryset.query.annotations:  # e.g. a derived change marker (common/sync.py)
        return Value(value, output_field=queryset.query.annotations[name].output_field)
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return Value(value, output_field=field)


def after(queryset, fields: tuple[str, ...], values: tuple, *, using: str | None = None):
    """``queryset``'s rows whose ``fields`` come after ``values`` (no ordering is added)."""
    if len(fields) != len(values) or not fields:
        raise ValueError("after() needs as many values as fields, at least one")
    vendor = connections[using or queryset.db].vendor
    if vendor in _ROW_BACKENDS and len(fields) > 1:
        condition = RowAfter(
            _Row(*[F(name) for name in fields]),
            _Row(*[_value(queryset, name, value) for name, value in zip(fields, values, strict=True)]),
        )
        return queryset.filter(condition)
    return queryset.filter(portable_after(fields, values))


def portable_after(fields: tuple[str, ...], values: tuple) -> Q:
    """The row comparison as plain conditions, led by a range on the first field."""
    first, value = fields[0], values[0]
    if len(fields) == 1:
        return Q(**{f"{first}__gt": value})
    return Q(**{f"{first}__gte": value}) & (
        Q(**{f"{first}__gt": value}) | (Q(**{first: value}) & portable_after(fields[1:], values[1:]))
    )
