"""Typed XLSX exports, written row by row (docs/exports.md).

XlsxWriter in ``constant_memory`` mode writes each row to the sheet's temporary file as soon as the
next row starts (text as in-line strings, no shared-string table in memory), so an export of any
length is written with flat memory; the finished file is itself a temporary file, served as it is
read. Cells are typed: numbers as numbers, dates as dates (``yyyy-mm-dd``), money with a number
format naming its currency, yes/no as booleans, text as text. Text is always written as text, never
as a formula, a number or a link (a text starting with "=" stays that text), and characters XML
cannot carry (control characters) are dropped.
"""

import datetime as dt
import math
import numbers
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter
from django.http import FileResponse
from django.utils import timezone
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Excel's sheet names: at most 31 characters, none of these.
_SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))
# Text is written as given: never turned into a formula, a number or a hyperlink.
_WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}


def money_format(currency: str) -> str:
    """Thousands separators, two decimals and the currency code: ``#,##0.00 "EUR"``."""
    return '#,##0.00 "' + currency.replace('"', "") + '"'


@dataclass
class Sheet:
    """One worksheet: its name, header row, rows, and number formats by column name."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]
    formats: dict[str, str] = field(default_factory=dict)


def clean_text(text: str) -> str:
    # ``isprintable`` (in C) is true for most text, which then has nothing to drop.
    return text if text.isprintable() else ILLEGAL_CHARACTERS_RE.sub("", text)


def _sheet_title(title: str) -> str:
    return title.translate(_SHEET_NAME_FORBIDDEN)[:31] or "Sheet"


def write_sheets(sheets: Sequence[Sheet]):
    """The workbook as a temporary file, positioned at its start (the caller closes it)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- handed to the response, which closes it
    workbook = xlsxwriter.Workbook(out, _WORKBOOK_OPTIONS)
    bold = workbook.add_format({"bold": True})
    # One format object per number format, made once: cells share it.
    made: dict[str, object] = {}

    def number_format(code: str | None):
        if code is not None and code not in made:
            made[code] = workbook.add_format({"num_format": code})
        return made.get(code)

    for sheet in sheets:
        ws = workbook.add_worksheet(_sheet_title(sheet.title))
        ws.freeze_panes(1, 0)
        for column, name in enumerate(sheet.header):
            ws.write_string(0, column, clean_text(name), bold)
        writers = [
            _column_writer(ws, number_format(sheet.formats.get(name)), number_format) for name in sheet.header
        ]
        for index, row in enumerate(sheet.rows, start=1):
            if len(row) != len(writers):
                raise ValueError(f"row {index} has {len(row)} cells, the header {len(writers)}")
            for column, (value, write) in enumerate(zip(row, writers, strict=True)):
                if value is not None:
                    write(index, column, value)
    workbook.close()
    out.seek(0)
    return out


def _column_writer(ws, column_format, number_format):
    """The function that writes one value of a column, typed by the value (its format made once)."""
    date_format = column_format or number_format(DATE_FORMAT)
    datetime_format = column_format or number_format(DATETIME_FORMAT)

    def write(row: int, column: int, value) -> None:
        kind = type(value)
        if kind is str:
            if value:  # an empty text is an empty cell
                ws.write_string(row, column, clean_text(value))
        elif kind is float:
            if math.isfinite(value):  # no cell holds NaN or ±inf
                ws.write_number(row, column, value, column_format)
        elif kind is bool:
            ws.write_boolean(row, column, value)
        elif kind is int or kind is Decimal:
            ws.write_number(row, column, float(value) if kind is Decimal else value, column_format)
        elif kind is dt.date:
            ws.write_datetime(row, column, value, date_format)
        elif kind is dt.datetime:
            if value.tzinfo is not None:
                value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
            ws.write_datetime(row, column, value, datetime_format)
        else:
            plain = _plain(value)
            if plain is None:
                ws.write_string(row, column, clean_text(str(value)))
            else:
                write(row, column, plain)

    return write


def _plain(value):
    """A value of a subclass of a cell type (a ``str`` choice, ``numpy.float64``, a ``pandas``
    timestamp…) as that plain type; None when it is none of them (it is written as its text)."""
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, dt.datetime):
        return dt.datetime.combine(value.date(), value.timetz())
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, (numbers.Real, Decimal)):
        return float(value)
    return None


def xlsx_response(sheets: Sequence[Sheet], *, filename: str) -> FileResponse:
    """The workbook as a download; the temporary file is closed when the response is."""
    return FileResponse(
        write_sheets(sheets), as_attachment=True, filename=filename, content_type=XLSX_MEDIA_TYPE
    )
