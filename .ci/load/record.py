"""Every API call of the load, recorded with its answer, and grouped by bulk batch and stage move."""

import threading
import time
from dataclasses import dataclass, field

import requests

from load.params import BASE_URL, REPLAYED, REQUEST_TIMEOUT_SECONDS


@dataclass
class Call:
    kind: str
    method: str
    url: str
    status: int
    seconds: float
    body: dict | list | None = None
    replayed: bool = False
    error: str = ""
    etag: str | None = None


@dataclass
class Batch:
    rows: list[dict]
    valid: bool
    correction: bool = False
    calls: list[Call] = field(default_factory=list)


@dataclass
class Move:
    initiative: int
    round: int
    calls: list[Call] = field(default_factory=list)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.batches: list[Batch] = []
        self.moves: list[Move] = []
        self.local = threading.local()

    def session(self, token: str) -> requests.Session:
        sessions = self.local.__dict__.setdefault("sessions", {})
        if token not in sessions:
            sessions[token] = requests.Session()
            sessions[token].headers["Authorization"] = f"Bearer {token}"
        return sessions[token]

    def call(self, kind: str, token: str, method: str, path: str, **kwargs) -> Call:
        url = BASE_URL + path
        started = time.monotonic()
        try:
            response = self.session(token).request(method, url, timeout=REQUEST_TIMEOUT_SECONDS, **kwargs)
            body = response.json() if response.content else None
            call = Call(
                kind,
                method,
                path,
                response.status_code,
                time.monotonic() - started,
                body,
                replayed=response.headers.get(REPLAYED) == "true",
                etag=response.headers.get("ETag"),
            )
        except (requests.RequestException, ValueError) as exc:
            call = Call(
                kind, method, path, 0, time.monotonic() - started, error=f"{type(exc).__name__}: {exc}"
            )
        self.calls.append(call)
        return call
