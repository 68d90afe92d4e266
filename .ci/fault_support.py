"""What .ci/fault_ops.py drives its faults with: a TCP proxy that can hang, throwaway Redis servers,
HTTP calls that report a failed connection as status 0, and process look-ups."""

import asyncio
import subprocess
import threading
import time
import urllib.error
import urllib.request

PORTS = {"web": 9160, "cache": 9161, "broker": 9162, "broker_proxy": 9163, "db_proxy": 9164}
BASE = f"http://127.0.0.1:{PORTS['web']}"


# --- a TCP proxy that can hang ----------------------------------------------------------------------


class Proxy:
    """Forwards a local port to a target. ``hang()`` stops forwarding in both directions and leaves
    new connections accepted but unanswered; ``resume()`` forwards again."""

    def __init__(self, listen_port: int, target_port: int):
        self.listen_port, self.target_port = listen_port, target_port
        self.loop = asyncio.new_event_loop()
        self.flowing = asyncio.Event()
        self.ready = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()
        self.ready.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.flowing.set()
        self.loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        server = await asyncio.start_server(self._client, "127.0.0.1", self.listen_port)
        self.ready.set()
        async with server:
            await server.serve_forever()

    async def _pipe(self, reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                await self.flowing.wait()
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _client(self, client_reader, client_writer) -> None:
        await self.flowing.wait()
        try:
            target_reader, target_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            self._pipe(client_reader, target_writer), self._pipe(target_reader, client_writer)
        )

    def hang(self) -> None:
        self.loop.call_soon_threadsafe(self.flowing.clear)

    def resume(self) -> None:
        self.loop.call_soon_threadsafe(self.flowing.set)


# --- processes --------------------------------------------------------------------------------------


def start_redis(port: int) -> subprocess.Popen:
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_until(
        lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0
    )
    return process


def wait_until(predicate, timeout: float = 30, what: str = "a condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


def http(request_or_path, timeout: float = 40):
    """(status, headers, seconds); status 0 when the connection failed or timed out."""
    request = (
        request_or_path
        if isinstance(request_or_path, urllib.request.Request)
        else urllib.request.Request(BASE + request_or_path)
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            return response.status, dict(response.headers), time.monotonic() - started
    except urllib.error.HTTPError as error:
        body = error.read()
        headers = dict(error.headers)
        headers["_body"] = body.decode(errors="replace")
        return error.code, headers, time.monotonic() - started
    except (urllib.error.URLError, OSError):
        return 0, {}, time.monotonic() - started


def gunicorn_workers(master: subprocess.Popen) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master.pid)], capture_output=True, text=True)
    return [int(pid) for pid in out.stdout.split()]


def idempotency_locks() -> list[str]:
    out = subprocess.run(
        ["redis-cli", "-p", str(PORTS["cache"]), "--scan", "--pattern", "*idem:*:lock"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()
