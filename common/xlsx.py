"""Typed XLSX exports, written row by row (docs/exports.md).

openpyxl's write-only workbook keeps each sheet's rows in a temporary file, not in memory, so an
export of any length is written with flat memory; the finished file is itself a temporary file,
served as it is read. Cells are typed: numbers as numbers, dates as dates (``yyyy-mm-dd``), money
with a number format naming its currency, yes/no as booleans, text as text. A text starting with "="
is written as text, never as a formula (openpyxl would otherwise store it as one), and characters
XML cannot carry (control characters) are dropped.
"""

import datetime as dt
import math
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# Excel's sheet names: at most 31 characters, none of these.
_SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "-"))


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
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _sheet_title(title: str) -> str:
    return title.translate(_SHEET_NAME_FORBIDDEN)[:31] or "Sheet"


def write_sheets(sheets: Sequence[Sheet]):
    """The workbook as a temporary file, positioned at its start (the caller closes it)."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.title))
        ws.freeze_panes = "A2"
        header = []
        for name in sheet.header:
            head = WriteOnlyCell(ws, value=clean_text(name))
            head.font = bold
            head.data_type = "s"
            header.append(head)
        ws.append(header)
        formats = [sheet.formats.get(name) for name in sheet.header]
        for row in sheet.rows:
            ws.append(_cells(ws, row, formats))
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- handed to the response, which closes it
    workbook.save(out)
    out.seek(0)
    return out


def _cells(ws, row: Sequence, formats: list[str | None]) -> list:
    cells = []
    for value, number_format in zip(row, formats, strict=True):
        if isinstance(value, str):
            value = clean_text(value)
            if value.startswith("="):
                cell = WriteOnlyCell(ws, value=value)
                cell.data_type = "s"  # text, never a formula
                cells.append(cell)
                continue
        elif isinstance(value, dt.datetime) and value.tzinfo is not None:
            value = timezone.localtime(value).replace(tzinfo=None)  # Excel has no time zones
        elif isinstance(value, Decimal):
            value = float(value)
        elif isinstance(value, float) and not math.isfinite(value):  # no cell holds NaN or ±inf
            value = None
        if number_format is not None and value is not None:
            cell = WriteOnlyCell(ws, value=value)
            cell.number_format = number_format
            value = cell
        cells.append(value)
    return cells


def xlsx_response(sheets: Sequence[Sheet], *, filename: str) -> FileResponse:
    """The workbook as a download; the temporary file is closed when the response is."""
    return FileResponse(
        write_sheets(sheets), as_attachment=True, filename=filename, content_type=XLSX_MEDIA_TYPE
    )
