"""The columns of each import kind and how a cell becomes a value (docs/exports.md, Import).

Header names are matched loosely (``Sample size``, ``sample_size`` and ``SAMPLE SIZE`` are one
column), so the header row of our own exports is accepted as it is and columns an import does not
use (``KPI name``, ``ROI %``…) are ignored. A cell that cannot become its column's type is an
error for that row and column; what a value means for the record (a known KPI, a target better than
the baseline…) is the services' rule, reported on the same row.
"""

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext, gettext_noop

from improvement.models import BreakpointType, Category, ImportKind, MilestoneStatus, Phase

MSG_REQUIRED = gettext_noop("This column is required.")
MSG_MISSING_COLUMN = gettext_noop("The file has no {name} column.")
MSG_DATE = gettext_noop("Enter a date as YYYY-MM-DD.")
MSG_NUMBER = gettext_noop("Enter a number.")
MSG_WHOLE_NUMBER = gettext_noop("Enter a whole number.")
MSG_BOOLEAN = gettext_noop("Enter yes or no.")
MSG_CHOICE = gettext_noop("Enter one of: {choices}.")
MSG_TOO_LONG = gettext_noop("At most {limit} characters.")
TRUE_TEXT = frozenset({"yes", "y", "true", "1"})
FALSE_TEXT = frozenset({"no", "n", "false", "0"})


class CellError(ValueError):
    pass


def text(limit: int | None = None) -> Callable[[object], str]:
    def parse(value: object) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # a spreadsheet's number 42 read as a code is "42", not "42.0"
        value = value if isinstance(value, str) else str(value)
        value = value.strip()
        if limit is not None and len(value) > limit:
            raise CellError(gettext(MSG_TOO_LONG).format(limit=limit))
        return value

    return parse


def date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise CellError(gettext(MSG_DATE)) from error


def number(value: object) -> float:
    if isinstance(value, bool):
        raise CellError(gettext(MSG_NUMBER))
    try:
        result = float(value if isinstance(value, int | float) else str(value).strip())
    except ValueError as error:
        raise CellError(gettext(MSG_NUMBER)) from error
    if not math.isfinite(result):
        raise CellError(gettext(MSG_NUMBER))
    return result


def whole_number(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    result = number(value)
    if not result.is_integer():
        raise CellError(gettext(MSG_WHOLE_NUMBER))
    return int(result)


def money(value: object) -> Decimal:
    try:
        return Decimal(str(number(value))).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise CellError(gettext(MSG_NUMBER)) from error


def boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_TEXT:
        return True
    if word in FALSE_TEXT:
        return False
    raise CellError(gettext(MSG_BOOLEAN))


def choice(choices) -> Callable[[object], str]:
    """A value of ``choices`` given by its value or its label (``knowledge_base``, ``Knowledge base``)."""
    known = {str(value).lower(): value for value in choices.values}
    known |= {str(label).lower(): value for value, label in choices.choices}

    def parse(value: object) -> str:
        found = known.get(str(value).strip().lower())
        if found is None:
            raise CellError(
                gettext(MSG_CHOICE).format(choices=", ".join(str(label) for label in choices.labels))
            )
        return found

    return parse


@dataclass(frozen=True)
class Column:
    header: str  # as the template writes it
    parse: Callable[[object], object]
    required: bool = False

    @property
    def key(self) -> str:
        return "_".join(self.header.lower().replace("-", " ").split())


COLUMNS: dict[str, tuple[Column, ...]] = {
    # The measurements export's header (docs/exports.md): KPI name and Unit are read and ignored.
    ImportKind.MEASUREMENTS: (
        Column("KPI", text(50), required=True),
        Column("Segment", text()),
        Column("Period", date, required=True),
        Column("Value", number, required=True),
        Column("Sample size", whole_number),
        Column("Numerator", whole_number),
        Column("Source", text()),
    ),
    # The portfolio export's first columns; its figures (stage, money…) are read and ignored.
    ImportKind.INITIATIVES: (
        Column("Code", text(20), required=True),
        Column("Title", text(200), required=True),
        Column("Team", text(), required=True),
        Column("Lead", text()),
        Column("Category", choice(Category)),
        Column("Start date", date, required=True),
        Column("Target end date", date),
        Column("Problem statement", text()),
        Column("SMART goal", text()),
        Column("Scope", text()),
        Column("Breakpoint type", choice(BreakpointType)),
        Column("Impact", whole_number),
        Column("Effort", whole_number),
        Column("Sponsor", text()),
    ),
    ImportKind.TARGETS: (
        Column("Initiative", text(20), required=True),
        Column("KPI", text(50), required=True),
        Column("Segment", text()),
        Column("Baseline value", number, required=True),
        Column("Baseline start", date),
        Column("Baseline end", date),
        Column("Target value", number, required=True),
        Column("Target date", date),
        Column("Primary", boolean),
        Column("Unit value per month", money),
    ),
    ImportKind.MILESTONES: (
        Column("Initiative", text(20), required=True),
        Column("Title", text(200), required=True),
        Column("Due date", date, required=True),
        Column("Owner", text()),
        Column("Phase", choice(Phase)),
        Column("Status", choice(MilestoneStatus)),
        Column("Description", text()),
        Column("Acceptance criteria", text()),
    ),
}


def headers(kind: str) -> list[str]:
    return [column.header for column in COLUMNS[kind]]


def missing_columns(kind: str, present: list[str]) -> list[Column]:
    return [c for c in COLUMNS[kind] if c.required and c.key not in present]


# (key, parse, required) of each column, worked out once: parse_row runs for every row of a file.
_PARSERS = {kind: [(c.key, c.parse, c.required) for c in columns] for kind, columns in COLUMNS.items()}


def parse_row(kind: str, cells: dict[str, object]) -> tuple[dict[str, object], dict[str, str]]:
    """The row's values by column key (absent or empty cells left out) and its cell errors."""
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for key, parse, required in _PARSERS[kind]:
        cell = cells.get(key)
        if cell is None or (isinstance(cell, str) and not cell.strip()):
            if required:
                errors[key] = gettext(MSG_REQUIRED)
            continue
        try:
            values[key] = parse(cell)
        except CellError as error:
            errors[key] = str(error)
    return values, errors
