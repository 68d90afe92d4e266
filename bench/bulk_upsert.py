"""The bulk upsert of 10,000 measurements, marking series against marking targets, interleaved.

    BENCH_DATABASE=<a kept, seeded, migrated database> python -m bench.bulk_upsert [--rounds 7]

Each round posts the latest 10,000 measurements with new values (``/api/v1/measurements/bulk/``,
every row updated) twice: once with the measurement triggers' function marking the written series
(``MarkSeriesChanges``, the code now) and once with the function it replaced, which rewrote every
target following a written series (``TouchSeriesTargets``); the order alternates round by round.
The function is swapped between calls, outside the timing, and the current one is put back at the
end. Then the read side: the first page (100 rows) of the targets' change walk by the derived marker
(the later of the target's and its series') against the walk by the target's own marker.
Then the database's side alone: ``EXPLAIN ANALYZE`` of an UPDATE of the same 10,000 rows (rolled
back) under each function, interleaved, with the statement trigger's own time.
Reports wall-clock and CPU (this process) medians and the load average.

Every value moves and the rows are each series' latest, so every valued target's derived benefit
moves: the write rewrites the money summaries of the initiatives following those series
(improvement/services/money_summaries.py) in the same transaction. ``--without-money-summaries``
disconnects that receiver for the run, to time the write and its change markers alone.

``--served`` times the write as a deployment serves it, with nothing swapped, on the measurements
table vacuumed first (as autovacuum keeps it): a broker is configured (``CELERY_BROKER_URL``,
default ``BENCH_BROKER_URL``: Redis database 12 on loopback), so the money summaries' refresh is a
task the request only records (the outbox) and publishes after commit. Each round then runs that
task's work in this process, timed apart: what a worker spends after the answer. The bench's own queue
(not a broker the caller configured) and the bench's outbox rows are emptied at the end.
"""

import argparse
import json
import os
import re
import statistics

from bench import db
from bench.money import _load, _report, _timed

BULK_ROWS = 10_000
PAGE = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--without-money-summaries", action="store_true")
    parser.add_argument("--served", action="store_true", help="time the write and its task apart")
    options = parser.parse_args()
    rounds = options.rounds
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if options.served:
        own_queue = "CELERY_BROKER_URL" not in os.environ
        os.environ.setdefault("CELERY_BROKER_URL", db.BENCH_BROKER_URL)
        db.setup_django()
        served(rounds, purge=own_queue)
        return
    db.setup_django()
    from django.db import connection
    from django.test import Client

    from accounts.models import Scope, User
    from accounts.services import token_create
    from bench.sizes import ADMIN_EMAIL
    from common.sync import MARKER, START, SYNC_MARKER, Position, rows_after, sync_horizon
    from common.sync_series import mark_series_function
    from common.sync_triggers import touch_series_targets_function
    from improvement.models import KpiTarget
    from improvement.selectors.targets import with_change_marker
    from kpis.models import Measurement

    if options.without_money_summaries:
        from kpis.signals import measurements_written

        assert measurements_written.disconnect(dispatch_uid="improvement.money_summary.measurements")
        print("money summaries' receiver disconnected")
    admin = User.objects.get(email=ADMIN_EMAIL)
    _, secret = token_create(actor=admin, name="bench bulk", scopes=Scope.values)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    functions = {
        "series markers (now)": mark_series_function("kpis_serieschange"),
        "target markers (before)": touch_series_targets_function("improvement_kpitarget"),
    }
    keys = list(
        Measurement.objects.order_by("-period", "id").values_list(
            "kpi__code", "segment", "period", "source", "value", "kpi__max_value"
        )[:BULK_ROWS]
    )
    calls = 0

    def bulk() -> None:
        nonlocal calls
        calls += 1
        step = 0.001 * calls
        rows = [
            {"kpi": code, "segment": segment, "period": period.isoformat(), "source": source}
            | {"value": round(value - step if high is not None and value + step > high else value + step, 3)}
            for code, segment, period, source, value, high in keys
        ]
        response = api.post(
            "/api/v1/measurements/bulk/", json.dumps({"rows": rows}), content_type="application/json"
        )
        assert response.status_code == 200, response.content[:300]
        body = response.json()
        assert body["updated"] + body["created"] == BULK_ROWS, body

    def install(sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)

    print("load average before:", _load())
    timings: dict[str, list] = {name: [] for name in functions}
    names = list(functions)
    try:
        for name in names:  # warm-up
            install(functions[name])
            bulk()
        for i in range(rounds):
            for name in names if i % 2 == 0 else names[::-1]:
                install(functions[name])
                wall, cpu, _ = _timed(bulk)
                timings[name].append((wall, cpu))
    finally:
        install(functions["series markers (now)"])
    for name, results in timings.items():
        _report(f"bulk upsert of {BULK_ROWS:,} rows, {name}", results)

    def walk_page(derived: bool):
        def page():
            keys = with_change_marker(KpiTarget.objects.all()) if derived else KpiTarget.objects.all()
            qs = rows_after(
                keys,
                position=Position(*START),
                horizon=sync_horizon(),
                marker=SYNC_MARKER if derived else MARKER,
            )
            return list(qs.values_list("pk", flat=True)[: PAGE + 1])

        return page

    reads = {"targets walk page, derived marker (now)": walk_page(True), "own marker": walk_page(False)}
    read_timings: dict[str, list] = {name: [] for name in reads}
    for call in reads.values():
        call()
    for i in range(rounds * 3):
        for name, call in reads.items() if i % 2 == 0 else list(reads.items())[::-1]:
            wall, cpu, _ = _timed(call)
            read_timings[name].append((wall, cpu))
    for name, results in read_timings.items():
        _report(name, results)
    explain_rounds(
        functions,
        keys=list(Measurement.objects.order_by("-period", "id").values_list("pk", flat=True)[:BULK_ROWS]),
        rounds=rounds,
    )
    install(functions["series markers (now)"])
    print("load average after:", _load())


def _bulk_payload(calls: int) -> str:
    from kpis.models import Measurement

    keys = Measurement.objects.order_by("-period", "id").values_list(
        "kpi__code", "segment", "period", "source", "value", "kpi__max_value"
    )[:BULK_ROWS]
    step = 0.001 * calls
    rows = [
        {"kpi": code, "segment": segment, "period": period.isoformat(), "source": source}
        | {"value": round(value - step if high is not None and value + step > high else value + step, 3)}
        for code, segment, period, source, value, high in keys
    ]
    return json.dumps({"rows": rows})


def _vacuum_measurements() -> None:
    """Start from the table as autovacuum keeps it: each round leaves 10,000 dead row versions, and
    a server run with autovacuum off (as test machines often are) would carry every earlier run's."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'kpis_measurement'")
        dead = cursor.fetchone()[0]
        cursor.execute("VACUUM (ANALYZE) kpis_measurement")
    print(f"vacuumed kpis_measurement ({dead:,} dead row versions)")


def served(rounds: int, *, purge: bool) -> None:
    """The bulk upsert as served (the refresh is a task), then the task's work, each round."""
    from celery import current_app
    from django.test import Client

    import config.wsgi  # noqa: F401  (as a served process: start-up's objects frozen out of the collector)
    from accounts.models import Scope, User
    from accounts.services import token_create
    from bench.sizes import ADMIN_EMAIL
    from common.models import OutboxMessage
    from improvement.services.money_summaries import MONEY_SERIES_TASK
    from improvement.tasks import refresh_money_for_series

    _vacuum_measurements()
    admin = User.objects.get(email=ADMIN_EMAIL)
    _, secret = token_create(actor=admin, name="bench bulk served", scopes=Scope.values)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    first = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    print("broker:", current_app.conf.broker_url, "| load average before:", _load())
    writes, tasks, moved = [], [], []
    try:
        for call in range(rounds + 1):
            payload = _bulk_payload(call + 1)  # built outside the timing, as a client would

            def bulk(payload=payload):
                response = api.post("/api/v1/measurements/bulk/", payload, content_type="application/json")
                assert response.status_code == 200, response.content[:300]
                return response.json()

            wall, cpu, body = _timed(bulk)
            assert body["updated"] + body["created"] == BULK_ROWS, body
            message = OutboxMessage.objects.filter(pk__gt=first, task=MONEY_SERIES_TASK).latest("pk")
            task_wall, task_cpu, count = _timed(lambda args=message.args: refresh_money_for_series(*args))
            if call:  # the first round warms up
                writes.append((wall, cpu))
                tasks.append((task_wall, task_cpu))
                moved.append(count)
    finally:
        OutboxMessage.objects.filter(pk__gt=first).delete()
        if purge:  # the bench's own queue, never a broker the caller configured
            current_app.control.purge()
    _report(f"bulk upsert of {BULK_ROWS:,} rows as served (the request)", writes)
    _report(f"its money summaries' refresh (the task), {statistics.median(moved):,.0f} summaries", tasks)
    print("load average after:", _load())


def explain_rounds(functions: dict[str, str], *, keys: list[int], rounds: int) -> None:
    """The UPDATE of ``keys`` under each trigger function, in a rolled-back transaction: PostgreSQL's
    execution time and the statement trigger's, medians of ``rounds`` interleaved rounds."""
    from django.db import connection, transaction

    class _RolledBack(Exception):
        pass

    update = "EXPLAIN (ANALYZE) UPDATE kpis_measurement SET value = value + 0.001 WHERE id = ANY(%s)"
    results: dict[str, list] = {name: [] for name in functions}
    names = list(functions)
    for i in range(rounds):
        for name in names if i % 2 == 0 else names[::-1]:
            with connection.cursor() as cursor:
                cursor.execute(functions[name])
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(update, [keys])
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    raise _RolledBack
            except _RolledBack:
                pass
            total = float(re.search(r"Execution Time: ([\d.]+)", plan).group(1))
            trigger = sum(
                float(t) for t in re.findall(r"Trigger \S+_touch_targets_update: time=([\d.]+)", plan)
            )
            results[name].append((total, trigger))
    for name, timings in results.items():
        print(
            f"UPDATE of {len(keys):,} rows, {name}: {rounds} rounds, execution median "
            f"{statistics.median(t for t, _ in timings):.1f} ms, of which the touch trigger "
            f"{statistics.median(g for _, g in timings):.1f} ms"
        )


if __name__ == "__main__":
    main()
