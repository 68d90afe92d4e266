"""The money reads against the code they replaced, interleaved in one process (docs/performance.md).

    BENCH_DATABASE=<a kept, seeded database> python -m bench.money [--rounds 5]

Alternates, round by round: the streamed portfolio CSV and the CSV built in memory as before (the
bytes are compared every round), then the portfolio summary from the roll-up rows and the live
roll-up from the money rows. Reports wall-clock and CPU medians and the load average.
"""

import argparse
import os
import statistics
import time

from bench import db


def _timed(call) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = call()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def _load() -> str:
    with open("/proc/loadavg") as f:
        return f.read().strip()


def _report(name: str, results: list[tuple[float, float]]) -> None:
    walls, cpus = [w * 1000 for w, _ in results], [c * 1000 for _, c in results]
    print(
        f"{name}: {len(results)} rounds, median {statistics.median(walls):.1f} ms "
        f"(min {min(walls):.1f}, max {max(walls):.1f}), CPU median {statistics.median(cpus):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    db.setup_django()
    from django.test import Client, RequestFactory
    from rest_framework.test import APIClient

    from accounts.models import User
    from bench.sizes import ADMIN_EMAIL
    from improvement.api.initiatives.serializers import PortfolioSummarySerializer
    from improvement.selectors.money import portfolio_summary_live
    from tests.web.test_portfolio_csv_stream import _in_memory_export

    admin = User.objects.get(email=ADMIN_EMAIL)
    site, api = Client(), APIClient()
    site.force_login(admin)
    api.force_authenticate(admin)
    url = "/dashboard/portfolio.csv"

    def streamed() -> bytes:
        return site.get(url).getvalue()

    def in_memory() -> bytes:
        request = RequestFactory().get(url)
        request.user = admin
        return _in_memory_export(request)

    def summary() -> dict:
        return api.get("/api/v1/portfolio/summary/").json()

    def live() -> dict:
        return PortfolioSummarySerializer(portfolio_summary_live(user=admin)).data

    print("load average before:", _load())
    streamed(), summary(), live()  # warm-up (and the roll-up's first count of the day)
    timings: dict[str, list] = {"csv streamed": [], "csv in memory": [], "summary": [], "summary live": []}
    for _ in range(rounds):
        wall, cpu, new = _timed(streamed)
        timings["csv streamed"].append((wall, cpu))
        wall, cpu, old = _timed(in_memory)
        timings["csv in memory"].append((wall, cpu))
        assert new == old, "the streamed CSV differs from the in-memory one"
        for name, call in (("summary", summary), ("summary live", live)):
            wall, cpu, _ = _timed(call)
            timings[name].append((wall, cpu))
    for name, results in timings.items():
        _report(name, results)
    print("load average after:", _load())


if __name__ == "__main__":
    main()
