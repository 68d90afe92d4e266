"""Time the hot paths against a seeded PostgreSQL database; write JSON and Markdown results.

    python -m bench.run                     # both sizes: small then large
    python -m bench.run --size small        # one size
    python -m bench.run --size large --no-load --keep

Each size: recreate the ``pdca_bench`` database, migrate, seed (bench.seed), time every case with
warm-up runs then repeated runs (median and p95; bench.cases, the raw SQL baseline in bench.raw), run
the load test (bench.load: gunicorn with 2 workers and wrk on loopback), drop the database unless
``--keep``. bench.report writes the results.

An xlarge run kept (``--keep`` or ``--reuse``) in a database of its own (``BENCH_DATABASE``), with the
large one kept beside it (``BENCH_LARGE_DATABASE``, default ``pdca_bench``), ends with bench.growth:
every read timed at both sizes in one process, request by request.

With Redis answering (``BENCH_BROKER_URL``, default database 12 on loopback), the writes' after-commit
tasks are queued there as a deployment queues them for its workers, not run inside the timed request;
without it they run in the request, and the report says which.

Requests go through Django's test ``Client``: the whole middleware stack, URL routing, DRF,
authentication (a Bearer token for the API, a signed-in session for the pages) and rendering, in
process, with no socket and no HTTP parsing. That isolates our own cost; the load run adds the
server. ``DEBUG`` is off (no query log) and the connection is kept open between requests, as with
``CONN_MAX_AGE`` in production.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

from bench import db
from bench.cases import run_cases
from bench.report import RESULTS_DIR, machine, write
from bench.sizes import SIZES, Size

# WhiteNoise warns that collectstatic never ran; the pages' HTML is what is timed, not static files.
warnings.filterwarnings("ignore", message="No directory at")


def run_size(size: Size, *, quick: bool, load: bool, keep: bool, reuse: bool) -> dict:
    """Recreate, migrate, seed and time one size (in this process; Django is set up once)."""
    print(f"[{size.name}] database {db.DATABASE}", flush=True)
    # The bench's own queue only: a broker the caller configured is used as it is, never emptied.
    own_queue = "CELERY_BROKER_URL" not in os.environ and db.broker_answers()
    if own_queue:
        os.environ["CELERY_BROKER_URL"] = db.BENCH_BROKER_URL
    broker = os.environ.get("CELERY_BROKER_URL")
    tasks = f"queued to {broker} (no worker)" if broker else "run in the request (no broker answered)"
    print(f"[{size.name}] the writes' tasks: {tasks}", flush=True)
    seeded_path = RESULTS_DIR / f".seeded-{size.name}.json"
    if not reuse:
        db.recreate()
    db.setup_django()
    from django.core.management import call_command

    from bench.seed import seed

    if reuse and seeded_path.exists():
        seeded = json.loads(seeded_path.read_text())
    elif reuse:
        # A database seeded elsewhere (a copy of a seeded template): what the cases need, read back.
        seeded = seeded_from_database()
    else:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        print(f"[{size.name}] migrated in {time.perf_counter() - started:.1f} s", flush=True)
        seeded = seed(size)
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        seeded_path.write_text(json.dumps(seeded))
    # The seed COPYs straight into the tables, past the models: the money summaries are written
    # once here (a reused database from before them is migrated and filled in too).
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("rebuild_money_summaries", verbosity=0)
    print(f"[{size.name}] money summaries written in {time.perf_counter() - started:.1f} s", flush=True)
    print(f"[{size.name}] timing", flush=True)
    try:
        outcome = {"seed": seeded, "tasks": tasks, **run_cases(seeded, quick=quick)}
        if load:
            from bench.load import load_run

            outcome["load"] = load_run(initiative_id=outcome["initiative_id"])
    finally:
        if own_queue:
            from celery import current_app

            current_app.control.purge()
    if not keep:
        from django.db import connections

        connections.close_all()
        db.drop()
    return outcome


def seeded_from_database() -> dict:
    """What ``seed`` returns that the cases read, from an already seeded database."""
    from bench.sizes import BENCH_EXPERIMENT_NAME
    from improvement.models import Experiment

    experiment = Experiment.objects.filter(name=BENCH_EXPERIMENT_NAME).values_list("pk", flat=True).get()
    return {"seconds": None, "rows": {}, "bench_experiment_id": experiment}


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
        earlier_large = RESULTS_DIR / ".size-large.json"
        if sizes == ["xlarge"] and earlier_large.exists():
            # The growth over large is read against the last large run on this machine.
            report["sizes"]["large"] = json.loads(earlier_large.read_text())
            report["large_from"] = report["sizes"]["large"].get("timestamp", "an earlier run")
        both = sizes == ["xlarge"] and (args.keep or args.reuse) and db.DATABASE != db.LARGE_DATABASE
        if both and db.exists(db.LARGE_DATABASE):
            # Both sizes kept: each read timed at both, request by request, in one process.
            growth = [sys.executable, "-m", "bench.growth", "--stem", ".growth"]
            growth += ["--small", db.LARGE_DATABASE, "--large", db.DATABASE]
            subprocess.run(growth + ["--rounds", "7"] * args.quick, check=True)
            report["growth"] = json.loads((RESULTS_DIR / ".growth.json").read_text())
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
