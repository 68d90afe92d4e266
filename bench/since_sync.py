"""The ``updated_since`` sync at one size, against the page-number walk it replaced, interleaved.

    BENCH_DATABASE=hc_bench_large python -m bench.since_sync --rounds 5

Times, in one process and interleaved round by round (wall and CPU time, medians), then the
database's own time for each deep page's queries (``sql_ms``, EXPLAIN ANALYZE, median of the rounds):
- ``since_sync``: every initiative by ``updated_since`` in keyset pages of 100 (follow ``next``);
- ``since_deep``: its last page (the keyset URL the walk ended on);
- ``offset_deep``: the same rows' last page as a page number (``ordering=updated_at&page=N``), what
  an ``updated_since`` read paged before: the database builds and drops every skipped row.
The seeded database must exist (a copy of the bench template, migrated); the run writes only its
own API token, deleted at the end.
"""

import argparse
import json
import os
import resource
import statistics
import time

from bench import db
from bench.sizes import ADMIN_EMAIL
from bench.sync import SYNC_PAGE, since_sync


def _timed(fn) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    fn()
    after = resource.getrusage(resource.RUSAGE_SELF)
    used = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    return (time.perf_counter() - wall) * 1000, used * 1000


def _sql_ms(client, url: str, rounds: int) -> float:
    """The database's own time for ``url``'s queries: the median over ``rounds`` of the sum of
    their ``EXPLAIN ANALYZE`` execution and planning times (no Python, no network in it)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    statements = [
        q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    totals = []
    with connection.cursor() as cursor:
        for _ in range(rounds):
            total = 0.0
            for statement in statements:
                cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}")
                plan = cursor.fetchone()[0][0]
                total += plan["Execution Time"] + plan["Planning Time"]
            totals.append(total)
    return round(statistics.median(totals), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    db.setup_django()
    from django.test import Client

    from accounts.models import Scope, User
    from accounts.services import token_create
    from improvement.models import Initiative

    admin = User.objects.get(email=ADMIN_EMAIL)
    _, secret = token_create(actor=admin, name="bench-since", scopes=Scope.values)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    total = Initiative.objects.count()
    served, pages, deep_url = since_sync(api)
    assert served == total, (served, total)
    offset_url = (
        "/api/v1/initiatives/?include_archived=true&ordering=updated_at,id"
        f"&page_size={SYNC_PAGE}&page={pages}"
    )

    def get(url):
        response = api.get(url)
        assert response.status_code == 200, response.content[:300]

    cases = {
        "since_sync": lambda: since_sync(api),
        "since_deep": lambda: get(deep_url),
        "offset_deep": lambda: get(offset_url),
    }
    for fn in cases.values():  # warm-up
        fn()
    times = {name: [] for name in cases}
    loads = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for name, fn in cases.items():
            times[name].append(_timed(fn))
        loads.append(os.getloadavg()[0])
    sql = {
        "since_deep": _sql_ms(api, deep_url, args.rounds),
        "offset_deep": _sql_ms(api, offset_url, args.rounds),
    }
    result = {
        "database": db.DATABASE,
        "initiatives": total,
        "pages": pages,
        "rounds": args.rounds,
        "load_avg_1m": [round(load, 2) for load in loads],
        **{
            name: {
                "median_ms": round(statistics.median(t for t, _ in runs), 1),
                "median_cpu_ms": round(statistics.median(c for _, c in runs), 1),
                "per_page_ms": round(statistics.median(t for t, _ in runs) / pages, 2)
                if name == "since_sync"
                else None,
            }
            for name, runs in times.items()
        },
    }
    result["sql_ms"] = sql
    print(json.dumps(result, indent=1))
    admin.api_tokens.filter(name="bench-since").delete()


if __name__ == "__main__":
    main()
