"""Each read of bench.reads at two sizes in one process, the sizes alternated request by request: the
growth from large to xlarge measured on one machine state (target: xlarge ÷ large ≤ 1.3).

    python -m bench.growth                                  # pdca_bench against pdca_bench_xlarge
    python -m bench.growth --case page_board --rounds 31
    python -m bench.growth --small pdca_bench --large pdca_bench_xlarge --stem growth

Both databases are seeded and kept by ``bench.run --keep`` (docs/performance.md). Two runs of
``bench.run``, one per size, are minutes apart, and this machine's speed moves between them by more
than the bound: the same control chart took 5.96 ms of CPU in one run and 9.51 ms in the next. Here
each size has its own database connection, its own cache and its own callers (a token, a signed-in
session), all open at once; each round asks one size then the other (the order flips each round),
as bench.interleave does for app and raw. Reported per read: the median and spread of each size's
wall-clock and CPU time, the median of the per-round ratios, the load average before and after, and
the verdict of bench.interleave (``noisy`` when the ratio's spread is over 25 % or the load is over
the cores).
"""

import argparse
import os
from collections.abc import Callable

from bench import db
from bench.interleave import judged, loadavg, save, time_pair, verdict
from bench.report import GROWS_WITH_ROWS, TARGET_XLARGE_RATIO

ROUNDS = 15
WARMUP = 3
SMALLER, BIGGER = "large", "xlarge"


class Sized:
    """One seeded database with its own connection, cache and callers; ``use`` makes it the default."""

    def __init__(self, name: str, database: str, *, first: bool) -> None:
        from django.conf import settings
        from django.db import connections
        from django.utils.module_loading import import_string

        self.name, self.database = name, database
        if first:
            self.connection = connections["default"]
        else:
            current = connections["default"]
            self.connection = type(current)({**current.settings_dict, "NAME": database}, alias="default")
        params = {**settings.CACHES["default"], "KEY_PREFIX": f"bench-growth-{name}"}
        location = params.pop("LOCATION", f"bench-growth-{name}")
        self.cache = import_string(params.pop("BACKEND"))(location, params)
        self.use()
        if self.connection.settings_dict["NAME"] != database:
            raise SystemExit(f"{name}: connected to {self.connection.settings_dict['NAME']}, not {database}")
        from bench.reads import clients, reads

        self.clients = clients()
        self.reads = reads(self.clients)

    def use(self) -> None:
        from django.core.cache import caches
        from django.db import connections

        connections["default"] = self.connection
        caches["default"] = self.cache

    def written(self, case: str) -> Callable[[], None]:
        """What a write does to this size's kept answers before ``case`` (nothing for most reads)."""
        before = self.reads[case].before

        def write() -> None:
            self.use()
            if before is not None:
                before()

        return write

    def asker(self, case: str) -> Callable[[], bytes]:
        read = self.reads[case]
        client = self.clients[read.caller]

        def ask() -> bytes:
            self.use()
            response = client.get(read.url)
            if response.status_code != 200:
                raise AssertionError(
                    f"{self.name} {read.url} answered {response.status_code}: {response.content[:300]!r}"
                )
            return response.content

        return ask


def initiatives(sized: Sized) -> int:
    from improvement.models import Initiative

    sized.use()
    return Initiative.objects.count()


def run_growth(
    smaller: Sized, bigger: Sized, *, names=None, rounds: int = ROUNDS, warmup: int = WARMUP, log=print
) -> dict:
    """Time each read at both sizes, interleaved; a dict by case name (``ratio``: bigger ÷ smaller)."""
    counts = initiatives(smaller), initiatives(bigger)
    if counts[1] <= counts[0]:
        raise SystemExit(f"{bigger.database}: {counts[1]:,} initiatives, {smaller.database}: {counts[0]:,}")
    log(f"{smaller.database}: {counts[0]:,} initiatives; {bigger.database}: {counts[1]:,}")
    results = {}
    for case in smaller.reads:
        if (names and case not in names) or case in GROWS_WITH_ROWS or case not in bigger.reads:
            continue
        # The answers' sizes: a page whose content differs between the sizes (more rows on the
        # roadmap's first page, say) is told apart from a read that grows with the table.
        answered = {sized.name: len(sized.asker(case)()) for sized in (smaller, bigger)}
        before = loadavg()
        timed = time_pair(
            bigger.asker(case),
            smaller.asker(case),
            rounds=rounds,
            warmup=warmup,
            before={"app": bigger.written(case), "raw": smaller.written(case)},
        )
        result = {
            "rounds": rounds,
            "warmup": warmup,
            SMALLER: {"url": smaller.reads[case].url, "ms": timed["raw_ms"], "cpu_ms": timed["raw_cpu_ms"]},
            BIGGER: {"url": bigger.reads[case].url, "ms": timed["app_ms"], "cpu_ms": timed["app_cpu_ms"]},
            "bytes": answered,
            "ratio": timed["ratio"],
            "cpu_ratio": timed["cpu_ratio"],
            "load_before": before,
            "load_after": loadavg(),
            "target": TARGET_XLARGE_RATIO,
            "note": smaller.reads[case].note,
        }
        result["verdict"], result["noisy_because"] = verdict(result, target=TARGET_XLARGE_RATIO)
        results[case] = result
        log(line(case, result))
    return results


def line(case: str, r: dict) -> str:
    return (
        f"  {case:<50} {r[SMALLER]['ms']['median']:>8.2f} → {r[BIGGER]['ms']['median']:>8.2f} ms  "
        f"÷ {r['ratio']['median']:.2f} (spread {r['ratio']['spread']:.2f})  "
        f"cpu ÷ {r['cpu_ratio']['median']:.2f}  {judged(r)}"
    )


def markdown(results: dict) -> str:
    rows = [
        f"| read | {SMALLER} ms (spread) | {BIGGER} ms (spread) | {BIGGER} ÷ {SMALLER} (spread) "
        "| CPU ms, each size | CPU ratio | answer KB, each size | load before → after | verdict (≤ 1.3) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for case, r in results.items():
        small, big = r[SMALLER], r[BIGGER]
        rows.append(
            f"| {case} | {small['ms']['median']:.2f} ({small['ms']['spread']:.2f}) "
            f"| {big['ms']['median']:.2f} ({big['ms']['spread']:.2f}) "
            f"| {r['ratio']['median']:.2f} ({r['ratio']['spread']:.2f}) "
            f"| {small['cpu_ms']['median']:.2f} / {big['cpu_ms']['median']:.2f} "
            f"| {r['cpu_ratio']['median']:.2f} | {answered(r)} "
            f"| {r['load_before'][0]} → {r['load_after'][0]} "
            f"| {r['verdict']} |"
        )
    return "\n".join(rows) + "\n"


def answered(r: dict) -> str:
    sizes = r.get("bytes")
    return f"{sizes[SMALLER] / 1024:.1f} / {sizes[BIGGER] / 1024:.1f}" if sizes else ""


def open_sizes(smaller: str, bigger: str) -> tuple[Sized, Sized]:
    """Django set up on ``smaller`` (the default database), then ``bigger`` opened beside it."""
    db.setup_django(smaller)
    return Sized(SMALLER, smaller, first=True), Sized(BIGGER, bigger, first=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--small", default="pdca_bench", help=f"the seeded {SMALLER} database")
    parser.add_argument("--large", default="pdca_bench_xlarge", help=f"the seeded {BIGGER} database")
    parser.add_argument("--case", action="append", help="a read of bench.reads (default: all)")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--warmup", type=int, default=WARMUP)
    parser.add_argument("--stem", default="growth", help="results file name in bench/results/")
    args = parser.parse_args()
    smaller, bigger = open_sizes(args.small, args.large)
    print(f"{os.cpu_count()} cores, load {loadavg()}", flush=True)
    results = run_growth(smaller, bigger, names=args.case, rounds=args.rounds, warmup=args.warmup)
    print(save(results, args.stem, markdown(results)))


if __name__ == "__main__":
    main()
