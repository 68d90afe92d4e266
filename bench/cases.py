"""The timed cases: each hot path called through Django's test ``Client`` with warm-up runs, then
repeated runs (median and p95)."""

import json
import statistics
import time
from collections.abc import Callable

from bench.interleave import ROUNDS, run_pairs
from bench.reads import bench_initiative, bench_kpi_code
from bench.sync import SYNC_PAGE, full_sync, since_sync

BULK_ROWS = 10_000
OBSERVATIONS = 1_000_000


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(fn: Callable[[int], None], *, warmup: int, repeat: int) -> dict:
    """Call ``fn(i)`` ``warmup`` times untimed, then ``repeat`` times timed; milliseconds."""
    for i in range(warmup):
        fn(i)
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(warmup + i)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "min_ms": round(min(times), 2),
        "runs": repeat,
        "warmup": warmup,
    }


def _expect(response, status: int = 200):
    if response.status_code != status:
        body = response.content[:500].decode(errors="replace")
        raise AssertionError(f"{response.status_code} (expected {status}) from {response.request}: {body}")
    return response


def _observations_csv(n: int) -> bytes:
    import numpy as np

    rng = np.random.default_rng(8)
    arms = rng.integers(0, 2, n)
    values = rng.normal(6.0, 2.0, n) - 0.05 * arms
    labels = np.where(arms == 1, "treatment", "control")
    lines = [f"{label},{value:.3f}" for label, value in zip(labels.tolist(), values.tolist(), strict=True)]
    return ("variant,value\n" + "\n".join(lines) + "\n").encode()


def run_cases(seeded: dict, *, quick: bool, log=print) -> dict:
    from django.utils import timezone

    from bench.reads import clients as callers
    from bench.reads import reads as timed_reads
    from improvement.models import Initiative
    from kpis.models import Measurement

    clients = callers()
    api = clients["api"]
    reads = timed_reads(clients)
    few, many = (2, 5) if quick else (3, 20)
    results: dict[str, dict] = {}

    def case(name: str, fn, *, warmup: int = few, repeat: int = many, **extra) -> None:
        started = time.perf_counter()
        results[name] = {**measure(fn, warmup=warmup, repeat=repeat), **extra}
        log(
            f"  {name:<36} median {results[name]['median_ms']:>9.2f} ms   "
            f"p95 {results[name]['p95_ms']:>9.2f} ms   ({time.perf_counter() - started:.1f} s)"
        )

    def get(client, url):
        return lambda i: _expect(client.get(url))

    def read(name: str) -> None:
        how = reads[name]
        ask = get(clients[how.caller], how.url)
        if how.before is not None:
            # A few cache writes (microseconds) ahead of a page of tens of milliseconds.
            ask = lambda i, ask=ask, before=how.before: (before(), ask(i))  # noqa: E731
        case(name, ask, note=how.note)

    for name in ("api_initiatives_list", "api_initiatives_list_filtered", "api_initiatives_list_lead"):
        read(name)
    read("api_initiative_progress")
    initiatives = Initiative.objects.count()

    def sync_all(i: int) -> None:
        assert full_sync(api) == initiatives

    case(
        "api_initiatives_full_sync",
        sync_all,
        warmup=1,
        repeat=3 if quick else 5,
        note=f"change cursor from empty, pages of {SYNC_PAGE}, {initiatives:,} initiatives",
    )
    since_pages = -(-initiatives // SYNC_PAGE)

    def since_all(i: int) -> None:
        assert since_sync(api)[0] == initiatives

    case(
        "api_initiatives_since_sync",
        since_all,
        warmup=1,
        repeat=3 if quick else 5,
        note=f"updated_since, keyset pages of {SYNC_PAGE}, {since_pages} pages",
    )
    for name in (
        "api_initiatives_since_deep_page",
        "api_portfolio_summary",
        "api_measurements_page",
        "api_measurements_kpi_period",
        "api_measurements_kpi_period_oldest_first",
        "api_control_chart",
    ):
        read(name)
    kpi_code, initiative_id = bench_kpi_code(), bench_initiative()
    chart_answer = _expect(api.get(reads["api_control_chart"].url)).content

    # App ÷ raw baseline, interleaved in this process (bench.interleave, bench.pairs): each pair's
    # answers asserted byte-identical, then timed in alternating rounds, with a verdict per target.
    log("  app ÷ raw, interleaved:")
    pairs = run_pairs(api, {"kpi_code": kpi_code}, rounds=5 if quick else ROUNDS, log=log)

    # Re-pushes the latest 10,000 values with new numbers: every run updates 10,000 rows.
    keys = list(
        Measurement.objects.order_by("-period", "id").values_list(
            "kpi__code", "segment", "period", "source", "value", "kpi__max_value"
        )[:BULK_ROWS]
    )

    def moved(value: float, high: float | None, i: int) -> float:
        step = 0.001 * (i + 1)
        return round(value - step if high is not None and value + step > high else value + step, 3)

    def bulk(i: int) -> None:
        rows = [
            {"kpi": code, "segment": segment, "period": period.isoformat(), "source": source}
            | {"value": moved(value, high, i)}
            for code, segment, period, source, value, high in keys
        ]
        body = json.dumps({"rows": rows})
        response = _expect(api.post("/api/v1/measurements/bulk/", body, content_type="application/json"))
        assert response.json()["updated"] + response.json()["created"] == BULK_ROWS, response.json()

    case("api_measurements_bulk_upsert", bulk, warmup=1, repeat=3 if quick else 7, note="10,000 rows")

    experiment_id = seeded["bench_experiment_id"]
    csv = _observations_csv(OBSERVATIONS)
    observations_url = f"/api/v1/experiments/{experiment_id}/observations/"
    results_url = f"/api/v1/experiments/{experiment_id}/results/"

    def upload(i: int) -> None:
        answer = _expect(api.post(observations_url, csv, content_type="text/csv")).json()
        assert answer["observations"] == OBSERVATIONS, answer

    def analysis(i: int) -> None:
        upload(i)
        assert _expect(api.get(results_url)).json()["users"] == OBSERVATIONS

    spare = {"warmup": 1, "repeat": 3 if quick else 7}
    case("experiment_analysis", analysis, note="CSV upload of 1,000,000 rows + results", **spare)
    case("experiment_upload", upload, note="the CSV upload alone", **spare)
    case("experiment_results", get(api, results_url), note="results from the folded totals")

    for name in ("page_dashboard", "page_initiative", "page_roadmap", "page_my_work", "admin_measurements"):
        read(name)
    for name in ("admin_measurements_search", "admin_measurements_kpi_filter", "page_board"):
        read(name)
    for name in ("page_dashboard_after_write", "page_my_work_after_write", "page_roadmap_after_write"):
        read(name)
    read("page_roadmap_after_owner_change")

    return {
        "cases": results,
        "pairs": pairs,
        "control_chart_bytes": len(chart_answer),
        "initiative_id": initiative_id,
        "timestamp": timezone.now().isoformat(),
    }
