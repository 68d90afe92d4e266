"""The fault tests' harness: the broker (a throwaway Redis, or RabbitMQ with a virtual host per
test) behind a TCP proxy the tests close, hang and open, and Celery workers as process groups."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from celery import current_app
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("PDCA_FAULT_BROKER", "redis")  # or "rabbitmq"
REDIS_PORT = int(os.environ.get("PDCA_FAULT_REDIS_PORT", "9101"))
RABBITMQ_PORT = int(os.environ.get("PDCA_FAULT_RABBITMQ_PORT", "5672"))
PROXY_PORT = int(os.environ.get("PDCA_FAULT_PROXY_PORT", "9110"))
REDIS_BROKER_URL = f"redis://127.0.0.1:{PROXY_PORT}/0"
WEBHOOK_DEADLINE_SECONDS = 3
WAIT_SECONDS = 60


def wait_for(predicate, *, timeout=WAIT_SECONDS, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


# --- the broker and the proxy in front of it ---------------------------------------------------


class Proxy:
    """A TCP proxy to the broker that the tests can close, hang or open again."""

    def __init__(self, listen_port: int, target_port: int):
        self.listen_port, self.target_port = listen_port, target_port
        self.mode = "open"
        self.loop = asyncio.new_event_loop()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._call(self._listen())

    def _call(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=10)

    async def _listen(self):
        if self.server is None:
            self.server = await asyncio.start_server(
                self._accept, "127.0.0.1", self.listen_port, reuse_address=True
            )

    async def _drop_all(self, *, stop_listening: bool):
        if stop_listening and self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    async def _accept(self, reader, writer):
        self.writers.add(writer)
        if self.mode == "hung":
            return  # accepted, never answered: the client waits until its own timeout
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self.writers.add(up_writer)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.transport.abort()

    def close(self):
        self.mode = "closed"
        self._call(self._drop_all(stop_listening=True))

    def hang(self):
        self.mode = "hung"
        self._call(self._drop_all(stop_listening=False))
        self._call(self._listen())

    def open(self):
        was_hung, self.mode = self.mode == "hung", "open"
        if was_hung:  # the clients waiting on a hung connection see it reset and reconnect
            self._call(self._drop_all(stop_listening=False))
        self._call(self._listen())

    def shutdown(self):
        self._call(self._drop_all(stop_listening=True))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


# --- workers -----------------------------------------------------------------------------------


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """``celery worker -Q celery,webhooks`` (prefork) with embedded beat, in its own process group,
    with the production visibility timeout and time limits."""

    def __init__(self, directory: Path, name: str, *, beat: bool = True, concurrency: int = 2):
        self.directory, self.name, self.beat, self.concurrency = directory, name, beat, concurrency
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": current_app.conf.broker_url,  # the test's broker (the web fixture)
            "EMAIL_BACKEND": "tests.worker.email_backend.RecordingEmailBackend",
            "PDCA_IT_DIR": str(directory),
            "PDCA_WEBHOOKS_ALLOW_PRIVATE": "1",
            "PDCA_WEBHOOK_TIMEOUT_SECONDS": str(WEBHOOK_DEADLINE_SECONDS),
            "PDCA_OUTBOX_RELAY_SECONDS": "1",
        }

    @property
    def log(self) -> Path:
        return self.directory / f"{self.name}.log"

    def start(self) -> "Worker":
        command = [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery,webhooks",
            "--concurrency", str(self.concurrency), "--loglevel=INFO", "--without-gossip",
            "--without-mingle", "--without-heartbeat", "-n", f"{self.name}-{uuid.uuid4().hex[:6]}@%h",
        ]  # fmt: skip
        if self.beat:
            command += ["--beat", "-s", str(self.directory / f"{self.name}-beat")]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_for(lambda: "ready." in self.log.read_text(), timeout=60, what=f"{self.name} to start")
        return self

    def kill(self) -> None:
        """SIGKILL the whole worker: the main process, its pool children and its beat."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # a warm shutdown: the main process stops its pool and beat
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def sent(self) -> list[str]:
        path = self.directory / "sent.log"
        return path.read_text().splitlines() if path.exists() else []
