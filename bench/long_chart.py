"""A ten-year daily control chart of one rate KPI through the API (docs/performance.md).

    BENCH_DATABASE=<a kept, seeded database> python -m bench.long_chart [--rounds 31] [--phases 3]

Adds (once) the KPI ``bench_ten_years``: 3,650 daily periods with a sample size and a count on each
and ``--phases`` − 1 phase breaks, then asks ``GET /api/v1/kpis/bench_ten_years/control-chart/
?limit=3660`` as the bench's admin (Bearer token) for the p chart (``auto``), XmR and Laney P′,
interleaved round by round after one warm-up each. ``--served`` loads the app as gunicorn does
(``config.wsgi``, which freezes start-up's objects out of the garbage collector's full passes) before
the first request; without it, every object is collected as in a plain process. Reports wall-clock
and CPU medians and 90th percentiles, and the load average before and after.
"""

import argparse
import datetime as dt
import os
import random
import statistics

from bench import db
from bench.money import _load, _timed

CODE = "bench_ten_years"
DAYS = 3650
FIRST = dt.date(2016, 1, 1)
CHARTS = ("auto", "xmr", "laney_p")


def _series(phases: int) -> None:
    from kpis.models import Direction, Kpi, Measurement, PhaseBreak, Unit

    kpi, created = Kpi.objects.get_or_create(
        code=CODE,
        defaults={
            "name": "Bench: ten years of first-contact resolution",
            "unit": Unit.PERCENT,
            "direction": Direction.HIGHER,
        },
    )
    if created:
        rng = random.Random(10)
        rows = []
        for day in range(DAYS):
            size = rng.randint(400, 1600)
            counted = sum(rng.random() < 0.7 for _ in range(size))
            rows.append(
                Measurement(
                    kpi=kpi,
                    period=FIRST + dt.timedelta(days=day),
                    value=100 * counted / size,
                    sample_size=size,
                    numerator=counted,
                    source="bench",
                )
            )
        Measurement.objects.bulk_create(rows, batch_size=1000)
    PhaseBreak.objects.filter(kpi=kpi).delete()
    for n in range(1, phases):
        starts = FIRST + dt.timedelta(days=n * DAYS // phases)
        PhaseBreak.objects.create(kpi=kpi, starts=starts, label=f"Bench phase {n + 1}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=31)
    parser.add_argument("--phases", type=int, default=3)
    parser.add_argument("--served", action="store_true", help="load config.wsgi first, as gunicorn does")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    db.setup_django()
    if args.served:
        import config.wsgi  # noqa: F401
    from bench.interleave import admin_client

    _series(args.phases)
    api = admin_client()
    url = f"/api/v1/kpis/{CODE}/control-chart/?limit=3660"

    def ask(chart: str):
        def call():
            response = api.get(f"{url}&chart={chart}")
            assert response.status_code == 200, response.content[:300]
            return response

        return call

    for chart in CHARTS:
        _, _, response = _timed(ask(chart))
        body = response.json()
        print(
            f"{chart}: {len(body['points'])} points, {len(body['phases'])} phases, "
            f"{len(response.content):,} bytes"
        )
    print(f"load average before: {_load()}")
    results: dict[str, list[tuple[float, float]]] = {chart: [] for chart in CHARTS}
    for round_number in range(args.rounds):
        order = CHARTS if round_number % 2 == 0 else CHARTS[::-1]
        for chart in order:
            wall, cpu, _ = _timed(ask(chart))
            results[chart].append((wall, cpu))
    print(f"load average after: {_load()}")
    for chart, timings in results.items():
        walls = sorted(w * 1000 for w, _ in timings)
        cpus = sorted(c * 1000 for _, c in timings)
        p90 = walls[min(len(walls) - 1, int(0.9 * len(walls)))]
        print(
            f"{chart}: {len(walls)} requests, wall median {statistics.median(walls):.1f} ms, "
            f"p90 {p90:.1f} ms, CPU median {statistics.median(cpus):.1f} ms, "
            f"CPU p90 {cpus[min(len(cpus) - 1, int(0.9 * len(cpus)))]:.1f} ms"
        )


if __name__ == "__main__":
    main()
