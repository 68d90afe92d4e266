"""Start-up (the processes ready, one API token per role) and the load: readers, bulk writers and movers."""

import contextlib
import datetime as dt
import itertools
import random
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from accounts.models import Role, Scope, User
from accounts.services import token_create
from config.celery import app as celery_app
from improvement.models import STAGE_ORDER, Stage
from kpis.models import Kpi
from load.params import (
    BASE_URL,
    BULK,
    CORRECTED_ROWS,
    FIRST_PERIOD,
    MOVERS,
    REQUEST_TIMEOUT_SECONDS,
    ROWS_PER_BATCH,
    SOURCE,
    STARTUP_SECONDS,
    UNKNOWN_KPI,
    WORKER_NODES,
)
from load.record import Batch, Call, Move, Recorder

# --- start-up ---------------------------------------------------------------------------------


def wait_until_ready() -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    web = workers = False
    while time.monotonic() < deadline and not (web and workers):
        with contextlib.suppress(requests.RequestException):
            web = web or requests.get(BASE_URL + "/readyz", timeout=2).status_code == 200
        workers = workers or len(celery_app.control.ping(timeout=1)) >= WORKER_NODES
        time.sleep(0.2)
    if not (web and workers):
        sys.exit(f"not ready after {STARTUP_SECONDS} s: web {web}, {WORKER_NODES} workers {workers}")


def make_callers() -> dict[str, tuple[User, str]]:
    """A token for the first active user of each role the load needs: (user, secret) by role."""
    callers = {}
    for role, scopes in (
        (Role.ADMIN, list(Scope.values)),
        (Role.CONTRIBUTOR, [Scope.PROGRESS_READ, Scope.MEASUREMENTS_WRITE]),
        (Role.VIEWER, [Scope.PROGRESS_READ]),
    ):
        user = User.objects.filter(role=role, is_active=True).order_by("pk").first()
        _, secret = token_create(actor=user, name="load check", scopes=scopes)
        callers[role] = (user, secret)
    return callers


def valid_value(kpi: Kpi, *, corrected: bool = False) -> float:
    """A value inside the KPI's valid range; a correction is another one."""
    step = 2 if corrected else 1
    if kpi.min_value is not None and kpi.max_value is not None:
        return kpi.min_value + (kpi.max_value - kpi.min_value) * step / 4
    if kpi.min_value is not None:
        return kpi.min_value + step
    if kpi.max_value is not None:
        return kpi.max_value - step
    return float(step)


# --- the load ---------------------------------------------------------------------------------


def reader(rec: Recorder, token: str, initiatives: list[int], kpis: list[str], deadline: float, seed: int):
    rng = random.Random(seed)
    etags: dict[str, str] = {}
    while time.monotonic() < deadline:
        pk = rng.choice(initiatives)
        path = rng.choice(
            [
                "/api/v1/initiatives/?page_size=50",
                f"/api/v1/initiatives/{pk}/",
                f"/api/v1/initiatives/{pk}/progress/",
                "/api/v1/portfolio/summary/",
                f"/api/v1/measurements/?kpi={rng.choice(kpis)}",
                f"/api/v1/transitions/?initiative={pk}",
                "/api/v1/kpis/",
            ]
        )
        headers = {"If-None-Match": etags[path]} if path in etags and rng.random() < 0.3 else {}
        call = rec.call("read", token, "GET", path, headers=headers)
        if call.status == 200 and call.etag:
            etags[path] = call.etag


def writer(rec: Recorder, token: str, number: int, kpis: list[Kpi], deadline: float):
    """Batches of new rows; by their index: retried at once, refused, sent twice at once, corrected."""

    def post(kind: str, rows: list[dict], key: str) -> Call:
        return rec.call(kind, token, "POST", BULK, json={"rows": rows}, headers={"Idempotency-Key": key})

    for index in itertools.count():
        if time.monotonic() >= deadline:
            return
        rows = [
            {
                "kpi": kpis[j % len(kpis)].code,
                "segment": f"load-{number}",
                "period": (FIRST_PERIOD + dt.timedelta(days=index * ROWS_PER_BATCH + j)).isoformat(),
                "value": valid_value(kpis[j % len(kpis)]),
                "sample_size": 100 + j,
                "source": SOURCE,
            }
            for j in range(ROWS_PER_BATCH)
        ]
        plan = index % 10
        batch = Batch(rows=rows, valid=plan != 6)
        if not batch.valid:
            rows[-1]["kpi"] = UNKNOWN_KPI  # one bad row refuses the whole batch
        rec.batches.append(batch)
        key = f"bulk-{number}-{index}-{uuid.uuid4()}"
        if plan == 7:
            # A client that gave up waiting and sent the same request again while the first ran.
            with ThreadPoolExecutor(2) as pool:
                twins = [pool.submit(post, "bulk twin", rows, key)]
                time.sleep(random.uniform(0, 0.02))
                twins.append(pool.submit(post, "bulk twin", rows, key))
            batch.calls += [t.result() for t in twins]
            continue
        batch.calls.append(post("bulk", rows, key))
        if plan in (0, 3, 6):
            batch.calls.append(post("bulk retry", rows, key))
        elif plan == 9:
            # Someone corrects a few rows; then the first request's retry arrives late. It must
            # replay its answer and write nothing, or the corrections are lost.
            fixed = [
                {**row, "value": valid_value(kpis[j % len(kpis)], corrected=True)}
                for j, row in enumerate(rows[:CORRECTED_ROWS])
            ]
            correction = Batch(rows=fixed, valid=True, correction=True)
            rec.batches.append(correction)
            correction.calls.append(post("correction", fixed, f"{key}-correction"))
            batch.calls.append(post("bulk retry", rows, key))


class Rounds:
    """The movers meet at a barrier twice a round: once to pick the initiative, once after reading it."""

    def __init__(self, initiatives: list[int], deadline: float) -> None:
        self.initiatives = initiatives
        self.deadline = deadline
        self.number = -1
        self.initiative = 0
        self.stop = False
        self.key = ""
        self.start = threading.Barrier(MOVERS, action=self.next_round, timeout=REQUEST_TIMEOUT_SECONDS * 2)
        self.race = threading.Barrier(MOVERS, timeout=REQUEST_TIMEOUT_SECONDS * 2)

    def next_round(self) -> None:
        self.number += 1
        self.stop = time.monotonic() >= self.deadline
        self.initiative = self.initiatives[self.number % len(self.initiatives)]
        self.key = f"move-{self.number}-{uuid.uuid4()}"


def move_body(stage: str, choice: int) -> tuple[str, dict]:
    """A forward move (gate overridden), a step back, or in Act the decision to adapt."""
    index = STAGE_ORDER.index(stage)
    forward = choice % 2 == 0
    if stage == Stage.ACT and forward:
        return "decide", {"decision": "adapt", "note": "load check"}
    if forward or index == 0:
        return "transition", {"to": STAGE_ORDER[index + 1], "override_reason": "load check", "note": "load"}
    return "transition", {"to": STAGE_ORDER[index - 1], "reason": "load check steps back"}


def mover(rec: Recorder, token: str, number: int, rounds: Rounds):
    while True:
        rounds.start.wait()
        if rounds.stop:
            return
        r, pk, key = rounds.number, rounds.initiative, rounds.key
        current = rec.call("read", token, "GET", f"/api/v1/initiatives/{pk}/")
        rounds.race.wait()  # everybody has read the same version: now race
        if current.status != 200:
            continue
        twins = r % 3 == 0 and number in (0, 1)
        action, body = move_body(current.body["stage"], 0 if twins else number + r)
        headers = {"Idempotency-Key": key if twins else f"{key}-{number}"}
        if not (number == 3 and r % 2):
            headers["If-Match"] = current.etag
        move = Move(initiative=pk, round=r)
        rec.moves.append(move)
        path = f"/api/v1/initiatives/{pk}/{action}/"
        move.calls.append(
            rec.call("twin move" if twins else "move", token, "POST", path, json=body, headers=headers)
        )
        if number == 2 and r % 4 == 1:
            move.calls.append(rec.call("move retry", token, "POST", path, json=body, headers=headers))
