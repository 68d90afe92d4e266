"""100,000 measurement rows imported from a CSV file and from an XLSX file (docs/performance.md).

    BENCH_DATABASE=<a kept, seeded database> python -m bench.imports [--rounds 3] [--rows 100000]

Each round builds a file of new rows (10 KPIs × 10 segments of its own × daily periods), uploads it
(the dry run runs in-process, as with no broker), then imports it, then imports the same file again
(every row unchanged). Reports the medians of each step and the load average before and after.
The tasks run in-process (no broker), so the times are those of the background job itself.
"""

import argparse
import csv
import datetime as dt
import io
import os

from bench import db
from bench.money import _load, _report, _timed

KPIS = 10
SEGMENTS = 10


def _rows(kpis, round_number: int, count: int):
    days = -(-count // (KPIS * SEGMENTS))
    today = dt.date.today()
    produced = 0
    for kpi in kpis:
        for segment in range(SEGMENTS):
            for day in range(days):
                if produced == count:
                    return
                produced += 1
                period = today - dt.timedelta(days=day + 1)
                value = 1 + (day % 50)
                yield [kpi.code, f"bench-import-{round_number}-{segment}", period, value, 100, "import"]


HEADER = ["KPI", "Segment", "Period", "Value", "Sample size", "Source"]


def csv_file(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows([*row[:2], row[2].isoformat(), *row[3:]] for row in rows)
    return out.getvalue().encode()


def xlsx_file(rows) -> bytes:
    from common.xlsx import Sheet, write_sheets

    with write_sheets([Sheet("Measurements", HEADER, rows, {"Period": "yyyy-mm-dd"})]) as f:
        return f.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=100_000)
    options = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    db.setup_django()
    from accounts.models import User
    from bench.sizes import ADMIN_EMAIL
    from improvement.models import ImportJob, ImportStatus
    from improvement.services.imports import import_job_create, import_job_start
    from kpis.models import Kpi

    admin = User.objects.get(email=ADMIN_EMAIL)
    kpis = list(Kpi.objects.filter(min_value__isnull=True, max_value__isnull=True).order_by("code")[:KPIS])
    kpis += list(Kpi.objects.exclude(pk__in=[k.pk for k in kpis]).order_by("code")[: KPIS - len(kpis)])
    print("load average before:", _load())
    results: dict[str, list] = {}
    for round_number in range(options.rounds):
        stamp = f"{os.getpid()}-{round_number}"
        for name, build, filename in (("CSV", csv_file, "m.csv"), ("XLSX", xlsx_file, "m.xlsx")):
            content = build(_rows(kpis, f"{stamp}-{name}", options.rows))
            wall, cpu, job = _timed(
                lambda content=content, filename=filename: import_job_create(
                    actor=admin, kind="measurements", filename=filename, content=content
                )
            )
            job = ImportJob.objects.get(pk=job.pk)
            assert job.status == ImportStatus.VALID, job.errors[:3]
            results.setdefault(f"{name} upload + dry run", []).append((wall, cpu))
            wall, cpu, _ = _timed(lambda job=job: import_job_start(actor=admin, job=job))
            job = ImportJob.objects.get(pk=job.pk)
            assert job.status == ImportStatus.DONE and job.counts["create"] == options.rows, job.counts
            results.setdefault(f"{name} import", []).append((wall, cpu))
            wall, cpu, again = _timed(
                lambda content=content, filename=filename: import_job_create(
                    actor=admin, kind="measurements", filename=filename, content=content
                )
            )
            assert ImportJob.objects.get(pk=again.pk).counts["unchanged"] == options.rows
            results.setdefault(f"{name} same file again (dry run, all unchanged)", []).append((wall, cpu))
    print(f"{options.rows:,} rows per file")
    for name, timings in results.items():
        _report(name, timings)
    print("load average after:", _load())


if __name__ == "__main__":
    main()
