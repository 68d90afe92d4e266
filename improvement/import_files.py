"""Reading an uploaded CSV or XLSX file into a header and rows of cells (docs/exports.md, Import).

Pure: no Django. Cells are data, never evaluated: an XLSX formula cell is read as its text
(``=SUM(A1:A3)``), never as the value a spreadsheet computed, and text starting with ``=``, ``+``,
``-`` or ``@`` stays text. The apostrophe our CSV exports put in front of such text (a CSV has no
types) is taken off again, so an exported file imports as it was exported.

A workbook is read with calamine (a Rust reader, many times faster than openpyxl) unless one of
its sheets holds a formula: calamine answers a formula cell's cached value, so such a workbook is
read with openpyxl, which gives the formula's text.
"""

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import load_workbook
from python_calamine import CalamineError, CalamineWorkbook

from improvement.words import gettext, gettext_noop

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
# The header is row 1: a data row's number is its row in the spreadsheet (or line in the CSV).
FIRST_DATA_ROW = 2
CSV_ENCODINGS = ("utf-8-sig", "cp1252")
# Text our CSV exports wrote with a leading apostrophe (a formula-injection guard).
GUARDED_STARTS = ("'=", "'+", "'-", "'@")
# A formula element of a sheet's XML (<f>, <f t="shared" …/>, or with a namespace prefix).
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s>/]")
SHEET_PREFIX = "xl/worksheets/"
# Sheets larger than this once unpacked are refused (a small zip can unpack to gigabytes).
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
SCAN_CHUNK = 1 << 20

MSG_FORMAT = gettext_noop("Upload a .csv or .xlsx file.")
MSG_EMPTY = gettext_noop("The file has no header row.")
MSG_NOT_XLSX = gettext_noop("The file is not a readable XLSX workbook.")
MSG_ENCODING = gettext_noop("The CSV file must be UTF-8 (or Windows-1252) text.")
MSG_DUPLICATE_COLUMN = gettext_noop("The column {name} appears twice.")
MSG_UNPACKED_TOO_LARGE = gettext_noop("The workbook is too large once unpacked.")


class FileError(ValueError):
    """The file as a whole cannot be read (wrong format, no header…)."""


@dataclass
class Table:
    """The normalised header (``Sample size`` → ``sample_size``) and the data rows as
    ``(row number, {column: cell})``; empty rows are skipped."""

    columns: list[str]
    rows: list[tuple[int, dict[str, object]]]


def file_format(filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in FORMATS:
        raise FileError(gettext(MSG_FORMAT))
    return extension


def column_key(name: object) -> str:
    """A header cell as a column key: ``Target end date`` → ``target_end_date``."""
    return "_".join(str(name or "").strip().lower().replace("-", " ").split())


def _unguard(value: object) -> object:
    if value.__class__ is str and value[:1] == "'" and value.startswith(GUARDED_STARTS):
        return value[1:]
    return value


def _table(rows: Iterator[tuple]) -> Table:
    header = next(rows, None)
    if header is None or not any(cell not in (None, "") for cell in header):
        raise FileError(gettext(MSG_EMPTY))
    columns = [column_key(cell) for cell in header]
    named = [c for c in columns if c]
    for name in named:
        if named.count(name) > 1:
            raise FileError(gettext(MSG_DUPLICATE_COLUMN).format(name=name))
    data = []
    for number, cells in enumerate(rows, start=FIRST_DATA_ROW):
        row = {
            column: _unguard(cell)
            for column, cell in zip(columns, cells, strict=False)
            if column and cell not in (None, "")
        }
        if row:
            data.append((number, row))
    return Table(columns=named, rows=data)


def _csv_rows(content: bytes) -> Iterator[list[str]]:
    for encoding in CSV_ENCODINGS:
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError(gettext(MSG_ENCODING))
    yield from csv.reader(io.StringIO(text, newline=""))


def _has_formulas(content: bytes) -> bool:
    """Whether any sheet of the workbook holds a formula; refuses a workbook that unpacks too large."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheets = [i for i in archive.infolist() if i.filename.startswith(SHEET_PREFIX)]
            if sum(i.file_size for i in sheets) > MAX_UNPACKED_BYTES:
                raise FileError(gettext(MSG_UNPACKED_TOO_LARGE))
            for info in sheets:
                with archive.open(info) as sheet:
                    tail = b""
                    while chunk := sheet.read(SCAN_CHUNK):
                        if FORMULA_ELEMENT.search(tail + chunk):
                            return True
                        tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise FileError(gettext(MSG_NOT_XLSX)) from error
    return False


def _calamine_rows(content: bytes) -> Iterator[list]:
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        # Leading empty rows kept, so a row's number is its row in the sheet.
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, IndexError, ValueError) as error:
        raise FileError(gettext(MSG_NOT_XLSX)) from error
    for cells in rows:
        yield [
            cell.date() if isinstance(cell, dt.datetime) and cell.time() == dt.time() else cell
            for cell in cells
        ]


def _xlsx_rows(content: bytes) -> Iterator[tuple]:
    if not _has_formulas(content):
        yield from _calamine_rows(content)
        return
    try:
        # read_only streams the sheet; data_only=False keeps a formula as its text, unevaluated.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise FileError(gettext(MSG_NOT_XLSX)) from error
    try:
        sheet = workbook.worksheets[0]
        for cells in sheet.iter_rows(values_only=True):
            yield tuple(
                cell.date() if isinstance(cell, dt.datetime) and cell.time() == dt.time() else cell
                for cell in cells
            )
    finally:
        workbook.close()


def read_table(content: bytes, *, filename: str) -> Table:
    """The first sheet of an XLSX workbook, or the CSV file, as a :class:`Table`."""
    if file_format(filename) == XLSX:
        return _table(_xlsx_rows(content))
    return _table(iter(_csv_rows(content)))
