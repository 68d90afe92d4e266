"""The portfolio XLSX against the portfolio CSV, interleaved in one process (docs/performance.md).

    BENCH_DATABASE=<a kept, seeded database> python -m bench.xlsx [--rounds 5] [--served]

Alternates, round by round: the site's XLSX download (``/dashboard/portfolio.xlsx``, read to the last
byte), the streamed CSV of the same rows, an XLSX of every initiative (10,000 rows at the large size)
and the same workbook written by the openpyxl write-only writer the exports used before
(``_openpyxl_sheets``, kept here as the baseline). Reports wall-clock and CPU medians and the load
average. ``--served`` loads ``config.wsgi`` first, as gunicorn does.
Then the writer's peak memory (tracemalloc, the rows read beforehand) for the first 1,000 rows and
for all of them, and the whole export's (ranking included) for 1,000 and 10,000 initiatives.
"""

import argparse
import io
import itertools
import os
import tracemalloc

from bench import db
from bench.money import _load, _report, _timed


def _openpyxl_sheets(sheets):
    """The exports' previous writer (openpyxl's write-only workbook, a cell object per formatted
    value), for the comparison: the same sheets, as a temporary file at its start."""
    import datetime as dt
    import math
    import tempfile
    from decimal import Decimal

    from django.utils import timezone
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from common.xlsx import _sheet_title, clean_text

    workbook = Workbook(write_only=True)
    for sheet in sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.title))
        ws.freeze_panes = "A2"
        header = []
        for name in sheet.header:
            head = WriteOnlyCell(ws, value=clean_text(name))
            head.font, head.data_type = Font(bold=True), "s"
            header.append(head)
        ws.append(header)
        formats = [sheet.formats.get(name) for name in sheet.header]
        for row in sheet.rows:
            cells = []
            for value, number_format in zip(row, formats, strict=True):
                if isinstance(value, str):
                    value = clean_text(value)
                    if value.startswith("="):
                        cell = WriteOnlyCell(ws, value=value)
                        cell.data_type = "s"
                        cells.append(cell)
                        continue
                elif isinstance(value, dt.datetime) and value.tzinfo is not None:
                    value = timezone.localtime(value).replace(tzinfo=None)
                elif isinstance(value, Decimal):
                    value = float(value)
                elif isinstance(value, float) and not math.isfinite(value):
                    value = None
                if number_format is not None and value is not None:
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = number_format
                    value = cell
                cells.append(value)
            ws.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115 -- the caller closes it
    workbook.save(out)
    out.seek(0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--served", action="store_true", help="load config.wsgi first, as gunicorn does")
    options = parser.parse_args()
    rounds = options.rounds
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    db.setup_django()
    if options.served:
        import config.wsgi  # noqa: F401  (start-up's objects frozen out of the collector's full passes)
    from django.conf import settings
    from django.test import Client
    from openpyxl import load_workbook

    from accounts.models import User
    from bench.sizes import ADMIN_EMAIL
    from common.xlsx import Sheet, write_sheets
    from improvement.exports import PORTFOLIO_HEADER, portfolio_formats, portfolio_xlsx_row
    from improvement.selectors.initiatives import initiative_list
    from improvement.selectors.money import DEFAULT_MONEY_SORT
    from improvement.selectors.portfolio_export import portfolio_export

    admin = User.objects.get(email=ADMIN_EMAIL)
    currency = settings.PDCA_CURRENCY
    site = Client()
    site.force_login(admin)

    def xlsx() -> bytes:
        return b"".join(site.get("/dashboard/portfolio.xlsx").streaming_content)

    def csv() -> bytes:
        return site.get("/dashboard/portfolio.csv").getvalue()

    def every_initiative(writer=write_sheets) -> bytes:
        """All initiatives, abandoned ones too (the dashboard leaves them out): 10,000 rows."""
        chunks = portfolio_export(initiatives=initiative_list(user=admin), sort=DEFAULT_MONEY_SORT)
        rows = (portfolio_xlsx_row(row, currency) for chunk in chunks for row in chunk)
        with writer([Sheet("Portfolio", PORTFOLIO_HEADER, rows, portfolio_formats(currency))]) as f:
            return f.read()

    def every_initiative_before() -> bytes:
        return every_initiative(_openpyxl_sheets)

    print("load average before:", _load())
    body = xlsx()
    rows = sum(1 for _ in load_workbook(io.BytesIO(body), read_only=True).active.iter_rows()) - 1
    every = load_workbook(io.BytesIO(every_initiative()), read_only=True).active.iter_rows()
    print(f"rows: {rows} (dashboard), {sum(1 for _ in every) - 1} (every initiative)")
    print(f"XLSX {len(body) / 1e6:.2f} MB, CSV {len(csv()) / 1e6:.2f} MB")

    def cells(body: bytes) -> list:
        return list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))

    assert cells(every_initiative_before()) == cells(every_initiative()), "the writers' values differ"
    calls = [
        ("xlsx", xlsx),
        ("csv", csv),
        ("xlsx every initiative", every_initiative),
        ("xlsx every initiative, openpyxl writer (before)", every_initiative_before),
    ]
    timings: dict[str, list] = {name: [] for name, _ in calls}
    for i in range(rounds):
        for name, call in calls if i % 2 == 0 else calls[::-1]:
            wall, cpu, _ = _timed(call)
            timings[name].append((wall, cpu))
    for name, results in timings.items():
        _report(name, results)
    print("load average after:", _load())

    chunks = portfolio_export(initiatives=initiative_list(user=admin), sort=DEFAULT_MONEY_SORT)
    table = [portfolio_xlsx_row(row, currency) for chunk in chunks for row in chunk]
    for count in (1000, len(table)):
        tracemalloc.start()
        sheet = Sheet(
            "Portfolio", PORTFOLIO_HEADER, itertools.islice(table, count), portfolio_formats(currency)
        )
        write_sheets([sheet]).close()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"writer peak for {count} rows: {peak / 1e6:.2f} MB (tracemalloc)")
    # The whole export (ranking, rows read in chunks, workbook written), the first 1,000 initiatives
    # by id against all of them.
    everyone = initiative_list(user=admin)
    for scope in (everyone.filter(pk__in=everyone.order_by("pk").values("pk")[:1000]), everyone):
        tracemalloc.start()
        chunks = portfolio_export(initiatives=scope, sort=DEFAULT_MONEY_SORT)
        rows = (portfolio_xlsx_row(row, currency) for chunk in chunks for row in chunk)
        write_sheets([Sheet("Portfolio", PORTFOLIO_HEADER, rows, portfolio_formats(currency))]).close()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"whole export peak for {scope.count()} initiatives: {peak / 1e6:.2f} MB (tracemalloc)")
        tracemalloc.start()
        for _ in portfolio_export(initiatives=scope, sort=DEFAULT_MONEY_SORT):
            pass
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  of which the rows alone (as the CSV reads them): {peak / 1e6:.2f} MB (tracemalloc)")


if __name__ == "__main__":
    main()
