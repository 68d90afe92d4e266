"""App and raw baseline timed interleaved in one process, with a verdict per target.

    BENCH_DATABASE=my_bench python -m bench.interleave               # every pair, 15 rounds
    BENCH_DATABASE=my_bench python -m bench.interleave --pair control_chart --rounds 31

For each pair of bench.pairs: the app's answer and the raw baseline's are asserted byte-identical,
both are warmed up, then timed in alternating rounds (app then raw, raw then app, …) so both see the
same machine. Each call is timed in wall-clock (``time.perf_counter``) and in this process's CPU
(``time.process_time``: it leaves out PostgreSQL's time). Reported: the median and spread of each,
and of the per-round ratio app ÷ raw; the load average (/proc/loadavg) before and after.

Verdict: ``met`` when the median wall-clock ratio is within the target, ``not met`` when above it —
but ``noisy`` (no verdict) when the ratio's spread is over 25 % or the 1-minute load average, before
or after, exceeds the number of cores: a run like that says nothing either way.

Spread is the interquartile range over the median (0.10 = the middle half within ±5 %).
"""

import argparse
import json
import os
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from bench import db

ROUNDS = 15
WARMUP = 3
MAX_RATIO_SPREAD = 0.25
RESULTS = Path(__file__).resolve().parent / "results"

warnings.filterwarnings("ignore", message="No directory at")


def loadavg() -> list[float]:
    """The 1, 5 and 15-minute load averages."""
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return [float("nan")] * 3


def quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def summary(values: list[float]) -> dict:
    q1, median, q3 = quartiles(values)
    return {
        "median": round(median, 3),
        "q1": round(q1, 3),
        "q3": round(q3, 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
        "spread": round((q3 - q1) / median, 3) if median else None,
    }


def time_pair(
    app: Callable[[], object],
    raw: Callable[[], object],
    *,
    rounds: int = ROUNDS,
    warmup: int = WARMUP,
    before: dict[str, Callable[[], object]] | None = None,
) -> dict:
    """``app`` and ``raw`` in alternating rounds (the order flips each round), after ``warmup``
    calls of each: per-call wall-clock and CPU in ms, and the per-round ratios. ``before``, by
    ``"app"`` or ``"raw"``, is called untimed before each of that side's calls."""
    before = before or {}
    for _ in range(warmup):
        app()
        raw()
    times: dict[str, list[float]] = {"app": [], "raw": [], "app_cpu": [], "raw_cpu": []}
    for round_ in range(rounds):
        order = (("app", app), ("raw", raw)) if round_ % 2 == 0 else (("raw", raw), ("app", app))
        for name, fn in order:
            if name in before:
                before[name]()
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[f"{name}_cpu"].append((time.process_time() - cpu) * 1000)
            times[name].append((time.perf_counter() - wall) * 1000)
    ratio = [a / r for a, r in zip(times["app"], times["raw"], strict=True)]
    cpu_ratio = [a / r for a, r in zip(times["app_cpu"], times["raw_cpu"], strict=True) if r > 0]
    return {
        "rounds": rounds,
        "warmup": warmup,
        "app_ms": summary(times["app"]),
        "raw_ms": summary(times["raw"]),
        "app_cpu_ms": summary(times["app_cpu"]),
        "raw_cpu_ms": summary(times["raw_cpu"]),
        "ratio": summary(ratio),
        "cpu_ratio": summary(cpu_ratio) if cpu_ratio else None,
    }


def verdict(result: dict, *, target: float, cores: int | None = None) -> tuple[str, list[str]]:
    """``met``, ``not met`` or ``noisy``, and why it is noisy."""
    cores = cores or os.cpu_count() or 1
    reasons = []
    spread = result["ratio"]["spread"]
    if spread is None or spread > MAX_RATIO_SPREAD:
        reasons.append(f"ratio spread {spread} > {MAX_RATIO_SPREAD}")
    for when in ("load_before", "load_after"):
        if result[when][0] > cores:
            reasons.append(f"{when.replace('_', ' ')} {result[when][0]} > {cores} cores")
    if reasons:
        return "noisy", reasons
    return ("met" if result["ratio"]["median"] <= target else "not met"), []


class AnswersDiffer(AssertionError):
    pass


def same_bytes(name: str, app: bytes, raw: bytes) -> None:
    if app != raw:
        at = next(
            (i for i, (a, b) in enumerate(zip(app, raw, strict=False)) if a != b), min(len(app), len(raw))
        )
        raise AnswersDiffer(
            f"{name}: the raw baseline does not answer the app's bytes (lengths {len(app)} and {len(raw)},"
            f" first difference at byte {at}: app {app[at - 40 : at + 40]!r}, raw {raw[at - 40 : at + 40]!r})"
        )


def bench_context() -> dict:
    """What the pairs' requests address: the KPI whose rows have the lowest ids."""
    from kpis.models import Measurement

    return {"kpi_code": Measurement.objects.order_by("id").values_list("kpi__code", flat=True).first()}


def admin_client():
    """A test Client with a Bearer token of the bench's admin (every scope)."""
    from django.test import Client

    from accounts.models import Scope, User
    from accounts.services import token_create
    from bench.sizes import ADMIN_EMAIL

    admin = User.objects.get(email=ADMIN_EMAIL)
    _, secret = token_create(actor=admin, name="bench-interleave", scopes=Scope.values)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def run_pairs(client, context: dict, *, names=None, rounds: int = ROUNDS, warmup: int = WARMUP, log=print):
    """Assert, time and judge each pair; a dict by pair name."""
    from bench.pairs import PAIRS

    results = {}
    for pair in PAIRS:
        if names and pair.name not in names:
            continue
        url = pair.url(context)

        def app(url=url):
            response = client.get(url)
            if response.status_code != 200:
                raise AssertionError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
            return response.content

        def raw(pair=pair):
            return pair.raw(context)

        same_bytes(pair.name, app(), raw())
        before = loadavg()
        result = time_pair(app, raw, rounds=rounds, warmup=warmup)
        result.update(load_before=before, load_after=loadavg(), target=pair.target, url=url, note=pair.note)
        result["verdict"], result["noisy_because"] = verdict(result, target=pair.target)
        results[pair.name] = result
        log(line(pair.name, result))
    return results


def judged(r: dict) -> str:
    """A timed result's load, target and verdict, for a progress line."""
    return f"load {r['load_before'][0]}→{r['load_after'][0]}  target ≤ {r['target']}: {r['verdict']}" + (
        f" ({'; '.join(r['noisy_because'])})" if r["noisy_because"] else ""
    )


def line(name: str, r: dict) -> str:
    return (
        f"  {name:<18} app {r['app_ms']['median']:>8.2f} ms  raw {r['raw_ms']['median']:>8.2f} ms  "
        f"ratio {r['ratio']['median']:.2f} (spread {r['ratio']['spread']:.2f})  "
        f"cpu {r['app_cpu_ms']['median']:.2f}/{r['raw_cpu_ms']['median']:.2f} ms "
        f"= {r['cpu_ratio']['median']:.2f}  {judged(r)}"
    )


def markdown(results: dict) -> str:
    rows = [
        "| pair | rounds | app ms (spread) | raw ms (spread) | app ÷ raw (spread) | CPU app / raw ms "
        "| CPU ratio | load before → after | target | verdict |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for name, r in results.items():
        rows.append(
            f"| {name} | {r['rounds']} | {r['app_ms']['median']:.2f} ({r['app_ms']['spread']:.2f}) "
            f"| {r['raw_ms']['median']:.2f} ({r['raw_ms']['spread']:.2f}) "
            f"| {r['ratio']['median']:.2f} ({r['ratio']['spread']:.2f}) "
            f"| {r['app_cpu_ms']['median']:.2f} / {r['raw_cpu_ms']['median']:.2f} "
            f"| {r['cpu_ratio']['median']:.2f} | {r['load_before'][0]} → {r['load_after'][0]} "
            f"| ≤ {r['target']} | {r['verdict']} |"
        )
    return "\n".join(rows) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--pair", action="append", help="a pair of bench.pairs (default: all)")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--warmup", type=int, default=WARMUP)
    parser.add_argument("--stem", default="interleave", help="results file name in bench/results/")
    args = parser.parse_args()
    db.setup_django()
    print(f"database {db.DATABASE}, {os.cpu_count()} cores, load {loadavg()}", flush=True)
    results = run_pairs(
        admin_client(), bench_context(), names=args.pair, rounds=args.rounds, warmup=args.warmup
    )
    print(save(results, args.stem, markdown(results)))


def save(results: dict, stem: str, text: str) -> str:
    """Write ``results`` (JSON) and their Markdown ``text`` in bench/results/; the text."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(results, indent=2))
    (RESULTS / f"{stem}.md").write_text(text)
    return text


if __name__ == "__main__":
    main()
