"""The XLSX writer: cell types, text that is never a formula, what no cell can hold."""

import datetime as dt
import io
import zoneinfo
from decimal import Decimal

from openpyxl import load_workbook

from common.xlsx import Sheet, money_format, write_sheets


def _written(rows, header=("a", "b", "c"), formats=None, title="Data"):
    with write_sheets([Sheet(title, list(header), rows, formats or {})]) as out:
        return load_workbook(io.BytesIO(out.read())).active


def test_values_keep_their_types_and_formats():
    sheet = _written([[Decimal("12.30"), dt.date(2026, 5, 4), True]], formats={"a": money_format("CHF")})

    amount, day, flag = sheet[2]
    assert (amount.value, amount.data_type, amount.number_format) == (12.3, "n", '#,##0.00 "CHF"')
    assert (day.value, day.number_format) == (dt.datetime(2026, 5, 4), "yyyy-mm-dd")
    assert (flag.value, flag.data_type) == (True, "b")
    assert [cell.value for cell in sheet[1]] == ["a", "b", "c"] and sheet[1][0].font.b
    assert sheet.freeze_panes == "A2"


def test_formula_text_is_text_and_an_empty_cell_stays_empty():
    sheet = _written([["=SUM(A1:A9)", None, "=x"]], formats={"b": money_format("EUR")})

    first, empty, last = sheet[2]
    assert (first.value, first.data_type) == ("=SUM(A1:A9)", "s")
    assert empty.value is None
    assert (last.value, last.data_type) == ("=x", "s")


def test_nan_and_infinity_are_left_empty_not_a_broken_file():
    sheet = _written([[float("nan"), float("inf"), -float("inf")]])

    assert [cell.value for cell in sheet[2]] == [None, None, None]


def test_an_aware_datetime_is_written_in_the_sites_time_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    moment = dt.datetime(2026, 7, 1, 10, 0, tzinfo=dt.UTC)

    sheet = _written([[moment, "", ""]])

    assert sheet["A2"].value == dt.datetime(2026, 7, 1, 12, 0)
    assert moment.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).hour == 12


def test_control_characters_are_dropped_and_a_sheet_name_made_valid():
    with write_sheets([Sheet("Q1/Q2: [draft]?", ["x\x00y"], [["a\x1fb"]])]) as out:
        workbook = load_workbook(io.BytesIO(out.read()))

    sheet = workbook.active
    assert sheet.title == "Q1-Q2- -draft--"
    assert (sheet["A1"].value, sheet["A2"].value) == ("xy", "ab")
