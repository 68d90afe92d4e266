"""The load run: gunicorn with 2 workers on loopback, wrk with 16 connections, bounded in time.

wrk runs on the same 2-core machine as the server and the database, so the figures are what this
box sustains as a whole, not the server alone. One run per endpoint; a small Lua script reports the
p50/p95 latencies and every kind of error (socket errors and non-2xx/3xx answers) as JSON.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench import db

HOST = "127.0.0.1"
WORKERS = 2
CONNECTIONS = 16
THREADS = 2
SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "20"))
READY_TIMEOUT = 60
# A request slower than this counts as an error (wrk's default, 2 s, is below what an overloaded
# 2-core box answers while the test suite runs beside it).
TIMEOUT = 10
WRK_MISSING = "wrk is not installed (Debian/Ubuntu: apt-get install wrk; see docs/performance.md)."
REPORT_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write("WRKJSON", string.format(
    '{"requests": %d, "seconds": %f, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect, e.read, e.write, e.status, e.timeout), "\\n")
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wait_ready(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not become ready")


def wrk(url: str, *, token: str, script: Path) -> dict:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", f"--timeout={TIMEOUT}s"]
    command += ["-s", str(script)]
    command += ["-H", f"Authorization: Bearer {token}", url]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=SECONDS + 60).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRKJSON"))
    raw = json.loads(line.removeprefix("WRKJSON"))
    errors = sum(raw[key] for key in ("connect", "read", "write", "status", "timeout"))
    return {
        "requests": raw["requests"],
        "requests_per_second": round(raw["requests"] / raw["seconds"], 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": errors,
        "error_detail": {key: raw[key] for key in ("connect", "read", "write", "status", "timeout")},
    }


def load_run(*, initiative_id: int) -> dict:
    """Serve the (already configured) benchmark database with gunicorn and hit two endpoints."""
    from accounts.models import Scope, User
    from accounts.services import token_create
    from bench.sizes import ADMIN_EMAIL

    if shutil.which("wrk") is None:
        print(f"  load run skipped: {WRK_MISSING}", flush=True)
        return {"skipped": WRK_MISSING}
    admin = User.objects.get(email=ADMIN_EMAIL)
    _, token = token_create(actor=admin, name="load", scopes=[Scope.PROGRESS_READ])
    port = _free_port()
    base = f"http://{HOST}:{port}"
    env = {**os.environ, "DATABASE_URL": db.database_url(), **db.BENCH_ENVIRONMENT}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "--bind", f"{HOST}:{port}", "--workers", str(WORKERS)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoints = {
        "initiatives list (page of 100)": f"{base}/api/v1/initiatives/?page_size=100",
        "initiative progress": f"{base}/api/v1/initiatives/{initiative_id}/progress/",
        "portfolio summary": f"{base}/api/v1/portfolio/summary/",
    }
    result = {"connections": CONNECTIONS, "workers": WORKERS, "seconds": SECONDS, "endpoints": {}}
    try:
        _wait_ready(f"{base}/healthz", server)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(REPORT_SCRIPT)
        for name, url in endpoints.items():
            row = wrk(url, token=token, script=Path(script.name))
            result["endpoints"][name] = row
            print(
                f"  load {name:<32} {row['requests_per_second']:>7.1f} req/s   p50 {row['p50_ms']:.1f} ms"
                f"   p95 {row['p95_ms']:.1f} ms   errors {row['errors']}",
                flush=True,
            )
        os.unlink(script.name)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return result
