"""Time the hot paths against a seeded PostgreSQL database; write JSON and Markdown results.

    python -m bench.run                     # both sizes: small then large
    python -m bench.run --size small        # one size
    python -m bench.run --size large --no-load --keep

Each size: recreate the ``pdca_bench`` database, migrate, seed (bench.seed), time every case with
warm-up runs then repeated runs (median and p95), run the load test (bench.load: gunicorn with 2
workers and wrk on loopback), drop the database unless ``--keep``.

Requests go through Django's test ``Client``: the whole middleware stack, URL routing, DRF,
authentication (a Bearer token for the API, a signed-in session for the pages) and rendering, in
process, with no socket and no HTTP parsing. That isolates our own cost; the load run adds the
server. ``DEBUG`` is off (no query log) and the connection is kept open between requests, as with
``CONN_MAX_AGE`` in production.
"""

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from bench import db
from bench.seed import ADMIN_EMAIL, LEAD_EMAIL, SIZES, Size

# WhiteNoise warns that collectstatic never ran; the pages' HTML is what is timed, not static files.
warnings.filterwarnings("ignore", message="No directory at")

RESULTS_DIR = Path(__file__).resolve().parent / "results"
LIST_PAGE = 100
MEASUREMENT_PAGE = 1_000
BULK_ROWS = 10_000
OBSERVATIONS = 1_000_000
# Targets of issue 8 at the large size, in milliseconds (or a ratio).
TARGETS = {
    "api_initiatives_list": 60,
    "api_portfolio_summary": 150,
    "api_measurements_bulk_upsert": 1000,
    "experiment_analysis": 1000,
    "page_dashboard": 300,
    "page_initiative": 300,
    "page_roadmap": 300,
}
TARGET_RATIO = 2.5


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


# --- the raw baseline: one SQL query + orjson --------------------------------------------------------

RAW_LIST_SQL = """
WITH page AS (
    SELECT i.*, COUNT(*) OVER () AS total_count
    FROM improvement_initiative i
    WHERE i.archived_at IS NULL
    ORDER BY i.code
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT page.id, page.code, page.title, page.problem_statement, page.smart_goal, page.scope,
       page.category, page.breakpoint_type, t.id, t.name, l.id, l.email, l.full_name,
       s.id, s.email, s.full_name,
       ARRAY(SELECT m.user_id FROM improvement_initiative_members m
             WHERE m.initiative_id = page.id ORDER BY m.id),
       page.impact, page.effort, page.health, page.start_date, page.target_end_date, page.stage,
       page.status, page.cycle, page.cycle_started_on, page.version,
       ms.total, ms.done, ms.overdue, page.archived_at, page.created_at, page.updated_at,
       page.total_count
FROM page
JOIN accounts_team t ON t.id = page.team_id
JOIN accounts_user l ON l.id = page.lead_id
LEFT JOIN accounts_user s ON s.id = page.sponsor_id
LEFT JOIN LATERAL (
    SELECT COUNT(*) AS total,
           COUNT(*) FILTER (WHERE ms.status = 'done') AS done,
           COUNT(*) FILTER (WHERE ms.status IN ('planned', 'in_progress', 'blocked')
                            AND ms.due_date < %(today)s) AS overdue
    FROM improvement_milestone ms
    WHERE ms.initiative_id = page.id AND ms.archived_at IS NULL
) ms ON TRUE
ORDER BY page.code
"""


def _quadrant(impact: int, effort: int) -> str:
    from improvement.models import quadrant_for

    return str(quadrant_for(impact, effort))


def raw_initiatives_page(*, page: int = 1, today: dt.date | None = None) -> bytes:
    """The initiatives list page the API answers, built from one SQL query and orjson."""
    import orjson
    from django.db import connection
    from django.utils import timezone

    today = today or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(RAW_LIST_SQL, {"limit": LIST_PAGE, "offset": (page - 1) * LIST_PAGE, "today": today})
        rows = cursor.fetchall()
    results = [
        {
            "id": r[0],
            "code": r[1],
            "title": r[2],
            "problem_statement": r[3],
            "smart_goal": r[4],
            "scope": r[5],
            "category": r[6],
            "breakpoint_type": r[7],
            "team": {"id": r[8], "name": r[9]},
            "lead": {"id": r[10], "email": r[11], "full_name": r[12]},
            "sponsor": None if r[13] is None else {"id": r[13], "email": r[14], "full_name": r[15]},
            "members": r[16],
            "impact": r[17],
            "effort": r[18],
            "quadrant": _quadrant(r[17], r[18]),
            "health": r[19],
            "start_date": r[20],
            "target_end_date": r[21],
            "stage": r[22],
            "status": r[23],
            "cycle": r[24],
            "cycle_started_on": r[25],
            "version": r[26],
            "milestones": {"total": r[27], "done": r[28], "overdue": r[29]},
            "archived": r[30] is not None,
            "archived_at": r[30],
            "created_at": r[31],
            "updated_at": r[32],
        }
        for r in rows
    ]
    count = rows[0][33] if rows else 0
    return orjson.dumps(
        {"count": count, "next": None, "previous": None, "results": results}, option=orjson.OPT_UTC_Z
    )


# --- the cases ------------------------------------------------------------------------------------


def _observations_csv(n: int) -> bytes:
    import numpy as np

    rng = np.random.default_rng(8)
    arms = rng.integers(0, 2, n)
    values = rng.normal(6.0, 2.0, n) - 0.05 * arms
    labels = np.where(arms == 1, "treatment", "control")
    lines = [f"{label},{value:.3f}" for label, value in zip(labels.tolist(), values.tolist(), strict=True)]
    return ("variant,value\n" + "\n".join(lines) + "\n").encode()


def run_cases(seeded: dict, *, quick: bool, log=print) -> dict:
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Scope, User
    from accounts.services import token_create
    from improvement.models import Initiative, KpiTarget
    from kpis.models import Measurement

    admin = User.objects.get(email=ADMIN_EMAIL)
    lead = User.objects.get(email=LEAD_EMAIL)
    _, secret = token_create(actor=admin, name="bench", scopes=Scope.values)
    _, lead_secret = token_create(actor=lead, name="bench", scopes=[Scope.PROGRESS_READ])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    lead_api = Client(HTTP_AUTHORIZATION=f"Bearer {lead_secret}")
    site = Client()
    site.force_login(admin)

    # An initiative with two targets, money and milestones: the detail every integration pulls.
    initiative_id = (
        KpiTarget.objects.filter(initiative__status="active", initiative__archived_at=None)
        .values_list("initiative_id", flat=True)
        .order_by("-initiative_id")
        .first()
    )
    assert Initiative.objects.filter(pk=initiative_id).exists()
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

    list_url = f"/api/v1/initiatives/?page_size={LIST_PAGE}"
    case("api_initiatives_list", get(api, list_url), note="admin, page 1 of 100, ordered by code")
    case(
        "api_initiatives_list_filtered",
        get(api, f"{list_url}&status=active&stage=do&ordering=-start_date"),
        note="status=active&stage=do, newest first",
    )
    case("api_initiatives_list_lead", get(lead_api, list_url), note="a lead: team-scoped visibility")
    case("raw_sql_orjson_list", lambda i: raw_initiatives_page(), note="one SQL query + orjson, same payload")
    case(
        "api_initiative_progress",
        get(api, f"/api/v1/initiatives/{initiative_id}/progress/"),
        note=f"initiative {initiative_id}",
    )
    case("api_portfolio_summary", get(api, "/api/v1/portfolio/summary/"), note="every initiative")
    case(
        "api_measurements_page",
        get(api, f"/api/v1/measurements/?page_size={MEASUREMENT_PAGE}"),
        note="cursor, first page of 1,000",
    )

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

    case("page_dashboard", get(site, "/dashboard/"), note="admin: the whole portfolio")
    case("page_initiative", get(site, f"/initiatives/{initiative_id}/"), note=f"initiative {initiative_id}")
    case("page_roadmap", get(site, "/roadmap/"), note="admin: every team, 90-day window")

    ratio = results["api_initiatives_list"]["median_ms"] / results["raw_sql_orjson_list"]["median_ms"]
    return {
        "cases": results,
        "ratio_list_over_raw": round(ratio, 2),
        "initiative_id": initiative_id,
        "timestamp": timezone.now().isoformat(),
    }


# --- report -----------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pg = subprocess.run(
            ["psql", db.database_url("postgres"), "-Atc", "SHOW server_version"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pg = ""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory, 1),
        "python": platform.python_version(),
        "postgresql": pg,
        "platform": platform.platform(),
    }


def markdown(report: dict) -> str:
    sizes = [s for s in ("small", "large") if s in report["sizes"]]
    names: list[str] = []
    for size in sizes:
        for name in report["sizes"][size]["cases"]:
            if name not in names:
                names.append(name)
    m = report["machine"]
    lines = [
        f"Machine: {m['cpus']} cores ({m['cpu']}), {m['memory_gb']} GB, Python {m['python']}, "
        f"PostgreSQL {m['postgresql']}. In-process Django test Client; times in ms.",
        "",
        "| case | " + " | ".join(f"{s} median | {s} p95" for s in sizes) + " | target (large) |",
        "| --- | " + " | ".join("---: | ---:" for _ in sizes) + " | --- |",
    ]
    for name in names:
        cells = []
        for size in sizes:
            row = report["sizes"][size]["cases"].get(name)
            cells += [f"{row['median_ms']:.1f}", f"{row['p95_ms']:.1f}"] if row else ["", ""]
        target = TARGETS.get(name)
        verdict = ""
        if target and "large" in report["sizes"]:
            median = report["sizes"]["large"]["cases"][name]["median_ms"]
            verdict = f"< {target} ({'met' if median < target else 'MISSED'})"
        elif target:
            verdict = f"< {target}"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {verdict} |")
    ratios = " | ".join(f"{s}: {report['sizes'][s]['ratio_list_over_raw']}" for s in sizes)
    lines += ["", f"Initiatives list ÷ raw SQL + orjson (target ≤ {TARGET_RATIO}): {ratios}", ""]
    for size in sizes:
        seed = report["sizes"][size].get("seed")
        if seed:
            lines.append(f"Seed {size}: {seed['seconds']} s ({sum(seed['rows'].values()):,} rows).")
    loads = [(s, report["sizes"][s].get("load")) for s in sizes if report["sizes"][s].get("load")]
    if loads:
        lines += [
            "",
            "| load (gunicorn 2 workers, wrk) | size | connections | seconds | requests/s | p50 ms | p95 ms"
            " | errors |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for size, load in loads:
            for name, row in load["endpoints"].items():
                lines.append(
                    f"| {name} | {size} | {load['connections']} | {load['seconds']} | "
                    f"{row['requests_per_second']:.1f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | "
                    f"{row['errors']} |"
                )
    return "\n".join(lines) + "\n"


def write(report: dict, *, stem: str) -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    json_path = RESULTS_DIR / f"{stem}.json"
    md_path = RESULTS_DIR / f"{stem}.md"
    json_path.write_text(json.dumps(report, indent=2, default=str))
    md_path.write_text(markdown(report))
    return json_path, md_path


# --- one size in a child process ------------------------------------------------------------------


def run_size(size: Size, *, quick: bool, load: bool, keep: bool, reuse: bool) -> dict:
    """Recreate, migrate, seed and time one size (in this process; Django is set up once)."""
    print(f"[{size.name}] database {db.DATABASE}", flush=True)
    seeded_path = RESULTS_DIR / f".seeded-{size.name}.json"
    if not reuse:
        db.recreate()
    db.setup_django()
    from django.core.management import call_command

    from bench.seed import seed

    if reuse and seeded_path.exists():
        seeded = json.loads(seeded_path.read_text())
    else:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"[{size.name}] migrated in {time.perf_counter() - started:.1f} s", flush=True)
        seeded = seed(size)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        seeded_path.write_text(json.dumps(seeded))
    print(f"[{size.name}] timing", flush=True)
    outcome = {"seed": seeded, **run_cases(seeded, quick=quick)}
    if load:
        from bench.load import load_run

        outcome["load"] = load_run(initiative_id=outcome["initiative_id"])
    if not keep:
        from django.db import connections

        connections.close_all()
        db.drop()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--size", choices=[*sorted(SIZES), "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="fewer repeats (development)")
    parser.add_argument("--no-load", dest="load", action="store_false", help="skip the gunicorn/wrk run")
    parser.add_argument("--keep", action="store_true", help="keep the database after the run")
    parser.add_argument("--reuse", action="store_true", help="time an existing seeded database (--keep)")
    parser.add_argument("--stem", default="", help="results file name (default: the size)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    sizes = ["small", "large"] if args.size == "both" else [args.size]
    if len(sizes) > 1 or not args.child:
        # Each size runs in a fresh interpreter: Django is configured once per process.
        report = {"machine": machine(), "sizes": {}}
        for name in sizes:
            stem = f".size-{name}"
            command = [sys.executable, "-m", "bench.run", "--child", "--size", name, "--stem", stem]
            command += ["--quick"] * args.quick + ["--no-load"] * (not args.load)
            command += ["--keep"] * args.keep + ["--reuse"] * args.reuse
            subprocess.run(command, check=True)
            report["sizes"][name] = json.loads((RESULTS_DIR / f"{stem}.json").read_text())
        stem = args.stem or "-".join(sizes)
        json_path, md_path = write(report, stem=stem)
        print(md_path.read_text())
        print(f"Results: {json_path} and {md_path}")
        return
    outcome = run_size(SIZES[sizes[0]], quick=args.quick, load=args.load, keep=args.keep, reuse=args.reuse)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"{args.stem}.json").write_text(json.dumps(outcome, indent=2, default=str))


if __name__ == "__main__":
    main()
