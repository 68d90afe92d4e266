"""Operations faults against the production shape: bounded waits, degradation, stale connections.

Two gunicorn workers (``config/gunicorn.py``, ``DJANGO_ENV=production``) run on a fresh PostgreSQL
database reached through a TCP proxy this script controls, with a broker Redis behind another proxy
and a cache Redis of their own (throwaway ``redis-server`` processes). Each scenario breaks one
dependency and checks what an operator and a user would see:

- cache down: ``/healthz`` fast, ``/readyz`` 503 naming the cache, pages and API reads and plain
  writes work, a keyed write is refused with 503 + Retry-After and changes nothing;
- hung broker, hung database (the proxy accepts and never answers): two ``/readyz`` probes at once
  answer 503 within their budget and ``/healthz`` is not held behind them; a page works while the
  broker hangs; everything works again once the dependency is back;
- hung database on kept connections: each request answers 503 within the answer timeout + 1 s;
- database backends terminated between two requests of persistent connections: no 500;
- a request killed while holding its Idempotency-Key lock: the retry goes through within seconds
  and writes once.

Throughout, every write that is in the database was answered 2xx, and exactly once.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from fault_support import (
    BASE,
    PORTS,
    Proxy,
    gunicorn_workers,
    http,
    idempotency_locks,
    start_redis,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv/bin/python")
DATABASE = os.environ.get("FAULT_DATABASE", "pdca_fault_ops")
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
DB_DSN = f"postgresql://postgres@127.0.0.1:5432/{DATABASE}"
HEALTH_BUDGET = 2.5  # seconds a /readyz may take with a hung dependency
HEALTHZ_BUDGET = 3.0  # /healthz may wait for one readyz to free a worker, never longer
ANSWER_TIMEOUT = 4  # DATABASE_ANSWER_TIMEOUT of the web processes (production default: 8)
ANSWER_BUDGET = ANSWER_TIMEOUT + 1.0  # a request on a kept connection to a hung database ends within this
LOCK_RELEASE_BUDGET = 6.0  # a killed request's Idempotency-Key lock is gone within this
MILESTONES = "/api/v1/milestones/"

failures: list[str] = []
# Every write sent: title -> the statuses it was answered with (one per attempt).
ledger: dict[str, list[int]] = {}


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def app_env(work: Path) -> dict:
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "fault-ops-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PORTS['db_proxy']}/{DATABASE}",
        "DATABASE_CONN_MAX_AGE": "60",
        "DATABASE_ANSWER_TIMEOUT": str(ANSWER_TIMEOUT),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{PORTS['broker_proxy']}/0",
        "REDIS_URL": f"redis://127.0.0.1:{PORTS['cache']}/0",
        "API_THROTTLE_RATE": "1000000/hour",
        "METRICS_TOKEN": "fault-ops-metrics",
        "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
        "PORT": str(PORTS["web"]),
        "WEB_CONCURRENCY": "2",
    }


SETUP = """
from accounts.models import Role, Scope
from accounts.services import token_create
from tests.factories import InitiativeFactory, TeamFactory, UserFactory
team = TeamFactory(name="Ops", slug="ops")
lead = UserFactory(role=Role.LEAD, teams=[team], email="lead@example.com")
initiative = InitiativeFactory(team=team, lead=lead, title="Faster first response")
_, secret = token_create(actor=lead, name="fault ops", scopes=[Scope.PROGRESS_READ, Scope.INITIATIVES_WRITE])
print(secret, initiative.pk)
"""


class Api:
    def __init__(self, token: str, initiative: int):
        self.token, self.initiative = token, initiative

    def call(self, method: str, path: str, body=None, headers=None, timeout: float = 40):
        request = urllib.request.Request(
            BASE + path, method=method, data=json.dumps(body).encode() if body else None
        )
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        return http(request, timeout)

    def write(self, title: str, key: str | None = None) -> tuple[int, dict]:
        body = {"initiative": self.initiative, "title": title, "due_date": "2030-01-31"}
        status, headers, _ = self.call("POST", MILESTONES, body, {"Idempotency-Key": key} if key else None)
        ledger.setdefault(title, []).append(status)
        return status, headers


def probes_while_hung(dependency: str) -> None:
    """Two /readyz at once (they take both workers), and /healthz just behind them."""
    with ThreadPoolExecutor(3) as pool:
        ready = [pool.submit(http, "/readyz") for _ in range(2)]
        time.sleep(0.2)
        live = pool.submit(http, "/healthz")
        answers = [f.result() for f in ready]
        live_status, _, live_seconds = live.result()
    for status, headers, seconds in answers:
        failing = json.loads(headers.get("_body", "{}")).get("failing", [])
        check(
            status == 503 and dependency in failing and seconds <= HEALTH_BUDGET,
            f"hung {dependency}: /readyz 503 naming it in {seconds:.2f} s (≤ {HEALTH_BUDGET}); {failing}",
        )
    check(
        live_status == 200 and live_seconds <= HEALTHZ_BUDGET,
        f"hung {dependency}: /healthz 200 in {live_seconds:.2f} s behind two /readyz (≤ {HEALTHZ_BUDGET})",
    )


def stored_titles() -> dict[str, int]:
    with psycopg.connect(DB_DSN) as conn:
        rows = conn.execute(
            "SELECT title, count(*) FROM improvement_milestone WHERE title LIKE 'fault-%%' GROUP BY title"
        ).fetchall()
    return dict(rows)


# --- scenarios ---------------------------------------------------------------------------------------


def baseline(api: Api, env: dict) -> None:
    probe = subprocess.run([PY, "-m", "config.probe", "web"], cwd=ROOT, env=env, capture_output=True)
    check(probe.returncode == 0, "all up: the container health check of web passes")
    status, headers, _ = http("/readyz")
    checks = json.loads(headers.get("_body", "{}")).get("checks") if status != 200 else None
    check(status == 200, f"all up: /readyz 200 ({checks or 'database, cache, broker, static_manifest'})")
    check(http("/accounts/login/")[0] == 200, "all up: the sign-in page renders")
    check(api.write("fault-baseline")[0] == 201, "all up: a write answers 201")
    request = urllib.request.Request(BASE + "/metrics", headers={"Authorization": "Bearer fault-ops-metrics"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    check(
        "pdca_http_requests_total" in text and 'pdca_celery_queue_length{queue="celery"}' in text,
        "all up: /metrics shows request counts and the queue depth",
    )


def cache_down(api: Api, cache: subprocess.Popen) -> subprocess.Popen:
    cache.terminate()
    cache.wait(10)
    status, _, seconds = http("/healthz")
    check(status == 200 and seconds < 1, f"cache down: /healthz 200 in {seconds:.2f} s")
    status, headers, seconds = http("/readyz")
    failing = json.loads(headers.get("_body", "{}")).get("failing")
    check(
        status == 503 and failing == ["cache"],
        f"cache down: /readyz 503 failing={failing} in {seconds:.2f} s",
    )
    check(http("/accounts/login/")[0] == 200, "cache down: the sign-in page renders")
    check(
        api.call("GET", MILESTONES)[0] == 200, "cache down: an API read answers 200 (throttling fails open)"
    )
    check(api.write("fault-cache-plain")[0] == 201, "cache down: a write without a key answers 201")
    status, headers = api.write("fault-cache-keyed", key="cache-keyed")
    check(
        status == 503 and headers.get("Retry-After") == "30",
        f"cache down: a keyed write answers 503, Retry-After ({status}, {headers.get('Retry-After')})",
    )
    check("fault-cache-keyed" not in stored_titles(), "cache down: the refused keyed write changed nothing")
    cache = start_redis(PORTS["cache"])
    check(
        api.write("fault-cache-keyed", key="cache-keyed")[0] == 201, "cache back: the keyed retry answers 201"
    )
    check(http("/readyz")[0] == 200, "cache back: /readyz 200")
    return cache


def hung_broker(api: Api, broker_proxy: Proxy) -> None:
    broker_proxy.hang()
    try:
        probes_while_hung("broker")
        status, _, seconds = http("/accounts/login/")
        check(status == 200 and seconds < 1, f"hung broker: the sign-in page 200 in {seconds:.2f} s")
        status, _, seconds = api.call("GET", MILESTONES)
        check(status == 200 and seconds < 1, f"hung broker: an API read 200 in {seconds:.2f} s")
        status, _ = api.write("fault-broker-hung")
        print(f"     hung broker: a write answered {status}", flush=True)
    finally:
        broker_proxy.resume()
    wait_until(lambda: http("/readyz")[0] == 200, timeout=15, what="readiness after the broker came back")
    check(api.write("fault-broker-back")[0] == 201, "broker back: a write answers 201")


def hung_database(api: Api, db_proxy: Proxy) -> None:
    db_proxy.hang()
    try:
        probes_while_hung("database")
    finally:
        db_proxy.resume()
    wait_until(lambda: http("/readyz")[0] == 200, timeout=15, what="readiness after the database came back")
    check(http("/accounts/login/")[0] == 200, "database back: the sign-in page renders")
    check(api.write("fault-db-back")[0] == 201, "database back: a write answers 201")


def hung_database_kept_connections(api: Api, db_proxy: Proxy) -> None:
    """The database stops answering on the connections the workers keep (DATABASE_CONN_MAX_AGE):
    each request ends with 503 + Retry-After within the answer timeout, not gunicorn's 30 s."""
    for _ in range(4):  # both workers hold a persistent connection through the proxy
        api.call("GET", MILESTONES)
    db_proxy.hang()
    try:
        for what, (status, headers, seconds) in (
            ("a read", api.call("GET", MILESTONES)),
            ("a second read", api.call("GET", MILESTONES)),
            ("a write", api.call("POST", MILESTONES, {"initiative": api.initiative, "title": "fault-db-hung",
                                                     "due_date": "2030-01-31"})),
        ):  # fmt: skip
            body = json.loads(headers.get("_body") or "{}")
            check(
                status == 503
                and headers.get("Retry-After") == "10"
                and body.get("code") == "database_unavailable"
                and seconds <= ANSWER_BUDGET,
                f"hung database, kept connection: {what} answers {status} "
                f"({body.get('code')}, Retry-After {headers.get('Retry-After')}) in {seconds:.2f} s "
                f"(≤ {ANSWER_BUDGET})",
            )
    finally:
        db_proxy.resume()
    wait_until(lambda: http("/readyz")[0] == 200, timeout=15, what="readiness after the database answered")
    statuses = [api.call("GET", MILESTONES)[0] for _ in range(4)]
    check(statuses == [200] * 4, f"database answering again: reads {statuses}")
    check("fault-db-hung" not in stored_titles(), "hung database: the refused write changed nothing")


def stale_connections(api: Api) -> None:
    for _ in range(4):  # both workers hold a persistent connection
        api.call("GET", MILESTONES)
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        killed = conn.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()) t",
            (DATABASE,),
        ).fetchone()[0]
    statuses = [api.call("GET", MILESTONES)[0] for _ in range(6)]
    check(
        killed >= 1 and statuses == [200] * 6,
        f"database restarted under persistent connections ({killed} terminated): reads {statuses}",
    )
    check(api.write("fault-after-terminate")[0] == 201, "database restarted: a write answers 201")


def killed_request(api: Api, master: subprocess.Popen) -> None:
    title, key = "fault-killed", "killed-request"
    blocker = psycopg.connect(DB_DSN)
    blocker.execute("LOCK TABLE improvement_milestone IN EXCLUSIVE MODE")
    pending = ThreadPoolExecutor(1).submit(api.write, title, key)
    with psycopg.connect(DB_DSN, autocommit=True) as conn:
        wait_until(
            lambda: (
                conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                    (DATABASE,),
                ).fetchone()[0]
                == 1
            ),
            timeout=15,
            what="the keyed write to wait on the table lock",
        )
    check(bool(idempotency_locks()), "killed request: its Idempotency-Key lock is held while it waits")
    for pid in gunicorn_workers(master):
        os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    blocker.rollback()
    blocker.close()
    pending.result()
    wait_until(lambda: not idempotency_locks(), timeout=30, what="the killed request's lock to expire")
    seconds = time.monotonic() - killed_at
    check(seconds <= LOCK_RELEASE_BUDGET, f"killed request: its lock expired {seconds:.1f} s after the kill")
    wait_until(lambda: http("/healthz")[0] == 200, what="gunicorn's new workers")
    status, _ = api.write(title, key)
    check(status == 201, f"killed request: the retry with its key answers 201 ({status})")
    check(
        api.write(title, key)[1].get("Idempotent-Replayed") == "true",
        "killed request: a further retry replays the answer",
    )


def accepted_writes_answered() -> None:
    stored = stored_titles()
    for title, count in stored.items():
        check(count == 1, f"{title}: stored once ({count})")
        check(
            any(200 <= status < 300 for status in ledger.get(title, [])),
            f"{title}: answered 2xx {ledger.get(title)}",
        )


def main() -> int:
    work = Path(os.environ["FAULT_WORK"])
    (work / "metrics").mkdir(exist_ok=True)
    env = app_env(work)
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    cache = start_redis(PORTS["cache"])
    broker = start_redis(PORTS["broker"])
    broker_proxy = Proxy(PORTS["broker_proxy"], PORTS["broker"])
    db_proxy = Proxy(PORTS["db_proxy"], 5432)
    web = None
    try:
        print(f"== fresh database {DATABASE}, static files, a lead with a token", flush=True)
        subprocess.run([PY, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        if not (ROOT / "staticfiles/staticfiles.json").exists():
            subprocess.run(
                [PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
            )
        out = subprocess.run(
            [PY, "manage.py", "shell", "-c", SETUP],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        api = Api(out[-2], int(out[-1]))
        web = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "-c",
                "config/gunicorn.py",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{PORTS['web']}",
            ],
            cwd=ROOT,
            env=env,
            stdout=(work / "web.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        wait_until(lambda: http("/healthz")[0] == 200, what="gunicorn")
        print("== 2 gunicorn workers up", flush=True)

        baseline(api, env)
        cache = cache_down(api, cache)
        hung_broker(api, broker_proxy)
        hung_database(api, db_proxy)
        hung_database_kept_connections(api, db_proxy)
        stale_connections(api)
        killed_request(api, web)
        accepted_writes_answered()

        access = [
            json.loads(line)
            for line in (work / "web.log").read_text().splitlines()
            if line.startswith("{") and '"gunicorn.access"' in line
        ]
        check(
            bool(access) and all(line.get("request_id") for line in access if line.get("path") != "/healthz"),
            f"gunicorn's access log is JSON with request ids ({len(access)} lines)",
        )
    finally:
        if web is not None:
            web.terminate()
            try:
                web.wait(20)
            except subprocess.TimeoutExpired:
                web.kill()
        for process in (cache, broker):
            process.terminate()
            process.wait(10)
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    print(f"fault_ops: {len(failures)} failed" + ("" if not failures else ": " + "; ".join(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
