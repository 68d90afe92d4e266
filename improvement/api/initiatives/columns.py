"""The initiatives list's columns, declared once.

``INITIATIVE_COLUMNS`` is the answer's keys in order, each with the value columns (``values_list``
names of ``initiative_list``) it is written from and the shape that writes it. From it derive:
``InitiativeSerializer``'s fields, the lean read path of ``InitiativeViewSet.list`` (one
``values_list`` of ``INITIATIVE_VALUES``, rows written by ``initiative_list_data``), and bench/'s raw
SQL baseline and seed. Adding a key here adds it everywhere; tests/api/test_initiative_list_fast.py
holds the lean path to the serializer's output, byte for byte.
"""

import enum
import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers

from common.api.writers import date_column_writer, datetime_column_writer
from improvement.models import Quadrant, quadrant_for


class Shape(enum.StrEnum):
    """How a key's value is written from its value columns."""

    VALUE = "value"  # the one column as read
    DATE = "date"  # a date, as DRF's DateField writes it
    MOMENT = "moment"  # a datetime, as DRF's DateTimeField writes it
    # An object of a related row: ``<key>_id`` becomes "id", ``<key>__<field>`` becomes "<field>".
    REF = "ref"
    OPTIONAL_REF = "optional_ref"  # a REF, or null when its first column (the id) is null
    # An object of annotated counts: ``<key>_<name>`` becomes "<name>".
    COUNTS = "counts"
    QUADRANT = "quadrant"  # the impact/effort matrix quadrant of the two columns
    FLAG = "flag"  # true when the one column is not null
    MEMBERS = "members"  # the members' ids: no column, loaded once per page


# The shapes written from one column of the key's own name unless told otherwise.
_OWN_COLUMN = frozenset({Shape.VALUE, Shape.DATE, Shape.MOMENT})


@dataclass(frozen=True)
class Column:
    """One key of the answer and the value columns it is written from."""

    key: str
    shape: Shape = Shape.VALUE
    sources: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.sources and self.shape in _OWN_COLUMN:
            object.__setattr__(self, "sources", (self.key,))

    @property
    def parts(self) -> tuple[str, ...]:
        """The keys of a REF or COUNTS object, one per source column."""
        return tuple(self._part(source) for source in self.sources)

    def _part(self, source: str) -> str:
        if source == f"{self.key}_id":
            return "id"
        for prefix in (f"{self.key}__", f"{self.key}_"):
            if source.startswith(prefix):
                return source.removeprefix(prefix)
        raise ValueError(f"{source!r} is not a part of {self.key!r}.")


INITIATIVE_COLUMNS = (
    Column("id"),
    Column("code"),
    Column("title"),
    Column("problem_statement"),
    Column("smart_goal"),
    Column("scope"),
    Column("category"),
    Column("breakpoint_type"),
    Column("team", Shape.REF, ("team_id", "team__name")),
    Column("lead", Shape.REF, ("lead_id", "lead__email", "lead__full_name")),
    Column("sponsor", Shape.OPTIONAL_REF, ("sponsor_id", "sponsor__email", "sponsor__full_name")),
    Column("members", Shape.MEMBERS),
    Column("impact"),
    Column("effort"),
    Column("quadrant", Shape.QUADRANT, ("impact", "effort")),
    Column("health"),
    Column("start_date", Shape.DATE),
    Column("target_end_date", Shape.DATE),
    Column("stage"),
    Column("status"),
    Column("cycle"),
    Column("cycle_started_on", Shape.DATE),
    Column("version"),
    Column("milestones", Shape.COUNTS, ("milestones_total", "milestones_done", "milestones_overdue")),
    Column("archived", Shape.FLAG, ("archived_at",)),
    Column("archived_at", Shape.MOMENT),
    Column("created_at", Shape.MOMENT),
    Column("updated_at", Shape.MOMENT),
)
# The answer's keys, in order: ``InitiativeSerializer.Meta.fields``.
INITIATIVE_KEYS = tuple(column.key for column in INITIATIVE_COLUMNS)
# The value columns of a row, each once, in the order of first use: the lean path's ``values_list``.
INITIATIVE_VALUES = tuple(dict.fromkeys(source for column in INITIATIVE_COLUMNS for source in column.sources))

Writer = Callable[[Any], Any]


def initiative_row_writer(
    *,
    members: Mapping[int, list[int]],
    date: Writer,
    moment: Writer,
    quadrant: Callable[[int, int], Any],
) -> Callable[[Sequence], dict]:
    """A function that writes a row (``INITIATIVE_VALUES`` first, in order) as one answer object.

    ``date``, ``moment`` and ``quadrant`` write those shapes; ``members`` maps an initiative's id to
    its members' ids. Built once per page: each key's reader is resolved here, not per row.
    """
    index = {source: i for i, source in enumerate(INITIATIVE_VALUES)}
    pk = index["id"]

    def reader(column: Column) -> Callable[[Sequence], Any]:
        at = [index[source] for source in column.sources]
        match column.shape:
            case Shape.VALUE:
                return operator.itemgetter(at[0])
            case Shape.DATE:
                return lambda row, i=at[0]: date(row[i])
            case Shape.MOMENT:
                return lambda row, i=at[0]: moment(row[i])
            case Shape.REF | Shape.COUNTS:
                parts = tuple(zip(column.parts, at, strict=True))
                return lambda row: {part: row[i] for part, i in parts}
            case Shape.OPTIONAL_REF:
                parts = tuple(zip(column.parts, at, strict=True))
                return lambda row, i=at[0]: None if row[i] is None else {part: row[j] for part, j in parts}
            case Shape.QUADRANT:
                return lambda row, i=at[0], j=at[1]: quadrant(row[i], row[j])
            case Shape.FLAG:
                return lambda row, i=at[0]: row[i] is not None
            case Shape.MEMBERS:
                return lambda row: members.get(row[pk], [])
        raise ValueError(f"No writer for the shape {column.shape!r} of {column.key!r}.")

    readers = tuple((column.key, reader(column)) for column in INITIATIVE_COLUMNS)
    return lambda row: {key: read(row) for key, read in readers}


# --- the API's formats, as InitiativeSerializer's fields write them ---------------------------------


@functools.cache
def _quadrant(impact: int, effort: int) -> str:
    return serializers.ChoiceField(choices=Quadrant.choices).to_representation(quadrant_for(impact, effort))


# Where a row of ``INITIATIVE_VALUES`` holds each date and each time: written a column at a time.
_COLUMN_WRITTEN = {
    shape: tuple(
        INITIATIVE_VALUES.index(column.sources[0]) for column in INITIATIVE_COLUMNS if column.shape is shape
    )
    for shape in (Shape.DATE, Shape.MOMENT)
}


def _as_written(value):
    return value


def initiative_list_data(rows, *, members: Mapping[int, list[int]]) -> list[dict]:
    """``InitiativeSerializer(many=True).data`` for rows of ``INITIATIVE_VALUES`` (a ``values_list``
    of ``initiative_list``) and the members' ids of each (``initiative_member_ids``). Dates and times
    are written a column at a time (``date_column_writer``, ``datetime_column_writer``: one orjson
    call per column in the usual case, a third of the rows' writing cost when written one by one)."""
    rows = [list(row) for row in rows]
    writers = {Shape.DATE: date_column_writer(), Shape.MOMENT: datetime_column_writer()}
    for shape, column_writer in writers.items():
        for at in _COLUMN_WRITTEN[shape]:
            for row, text in zip(rows, column_writer([row[at] for row in rows]), strict=True):
                row[at] = text
    write = initiative_row_writer(members=members, date=_as_written, moment=_as_written, quadrant=_quadrant)
    return [write(row) for row in rows]
