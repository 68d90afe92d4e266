"""The load check's driver (run by .ci/load_check, which starts the web and worker processes).

For a bounded time it drives, over loopback and through the API only:

* readers: lists, details, progress, the portfolio roll-up, measurements and stage history;
* writers: bulk measurement batches whose rows have natural keys of their own, each with an
  ``Idempotency-Key``; some are retried with the same key after their answer, some are sent twice at
  once (a client retrying on a timeout), some carry one invalid row and must be refused whole, and
  some have rows corrected by another batch before their retry arrives late (it must undo nothing);
* movers: threads that read the same initiative at the same version, then race stage moves (and
  Act decisions) at it, mostly with ``If-Match``; some rounds retry with the same key, some send two
  identical requests with one key at once.

Every answer is recorded. After the workers have drained the queue, the database, the task ledger
(.ci/load_probe.py), the emails sent and the webhook deliveries received are checked against the
answers: no 5xx; every accepted row exactly once with the value sent, nothing of a refused batch;
exactly one stage transition per accepted move, in an unbroken chain; every published task ran to
success exactly once; every stage change notified, emailed and delivered by webhook exactly once.
"""

import contextlib
import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import random
import statistics
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402  (the project must be on sys.path first)

django.setup()

from accounts.models import Notification, Role, Scope, User  # noqa: E402  (after django.setup)
from accounts.services import token_create  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from improvement.models import (  # noqa: E402
    STAGE_ORDER,
    DeliveryStatus,
    Initiative,
    Stage,
    StageTransition,
    Status,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
)
from improvement.selectors import initiative_list  # noqa: E402
from improvement.services.webhooks import SIGNATURE_HEADER, webhook_subscription_create  # noqa: E402
from kpis.alerts import kpi_is_watched  # noqa: E402
from kpis.models import Kpi, Measurement  # noqa: E402

BASE_URL = os.environ["LOAD_BASE_URL"]
PROBE_DIR = Path(os.environ["LOAD_PROBE_DIR"])
SENT_LOG = Path(os.environ["PDCA_IT_DIR"]) / "sent.log"
LOAD_SECONDS = float(os.environ.get("LOAD_SECONDS", "25"))
READERS = int(os.environ.get("LOAD_READERS", "4"))
WRITERS = int(os.environ.get("LOAD_WRITERS", "3"))
MOVERS = int(os.environ.get("LOAD_MOVERS", "4"))
ROWS_PER_BATCH = 40
WORKER_NODES = 2
STARTUP_SECONDS = 60
REQUEST_TIMEOUT_SECONDS = 30
DRAIN_SECONDS = 90
# Rows of the load are told apart from the demo's by their source.
SOURCE = "load-check"
FIRST_PERIOD = dt.date(2001, 1, 1)
UNKNOWN_KPI = "no-such-kpi"
CORRECTED_ROWS = 5
BULK = "/api/v1/measurements/bulk/"
IDEMPOTENCY_IN_FLIGHT = "idempotency_in_flight"
REPLAYED = "Idempotent-Replayed"
VIOLATIONS_SHOWN = 8


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


# --- the outside world: a webhook receiver on loopback ----------------------------------------


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.secret = ""
        self.events: Counter[str] = Counter()
        self.bad_signatures = 0
        self.lock = threading.Lock()


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        fields = dict(part.split("=", 1) for part in self.headers[SIGNATURE_HEADER].split(","))
        expected = hmac.new(self.server.secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256)
        with self.server.lock:
            if hmac.compare_digest(expected.hexdigest(), fields["v1"]):
                self.server.events[json.loads(body)["id"]] += 1
            else:
                self.server.bad_signatures += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args):
        pass


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


# --- drain and check --------------------------------------------------------------------------


def read_ledger() -> list[dict]:
    # A line still being written has no newline yet: it is read next time.
    lines = (line for path in sorted(PROBE_DIR.glob("*.jsonl")) for line in path.open())
    return [json.loads(line) for line in lines if line.endswith("\n")]


def unfinished(ledger: list[dict]) -> set[str]:
    published = {e["id"] for e in ledger if e["event"] == "publish"}
    done = {e["id"] for e in ledger if e["event"] == "end" and e["state"] in ("SUCCESS", "FAILURE")}
    return published - done


def drain(before: dict) -> float:
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_SECONDS:
        pending = WebhookDelivery.objects.filter(pk__gt=before["delivery"], status=DeliveryStatus.PENDING)
        if not unfinished(read_ledger()) and not pending.exists():
            time.sleep(1)  # anything a finishing task enqueued shows in the ledger by now
            if not unfinished(read_ledger()):
                return time.monotonic() - started
        time.sleep(0.5)
    return -1


def check_calls(rec: Recorder, problems: list[str]) -> None:
    expected = {
        "read": {200, 304},
        "bulk": {200},
        "bulk retry": {200},
        "bulk twin": {200, 409},
        "correction": {200},
        "move": {201, 400, 409, 412},
        "twin move": {201, 400, 409, 412},
        "move retry": {201, 400, 409, 412},
    }
    for call in rec.calls:
        if call.status == 0 or call.status >= 500:
            problems.append(f"{call.method} {call.url} → {call.status or call.error}")
        elif call.status not in expected[call.kind] and not (
            call.kind.startswith("bulk") and call.status == 400
        ):
            problems.append(f"{call.kind} {call.method} {call.url} → unexpected {call.status}: {call.body}")


def check_measurements(rec: Recorder, problems: list[str]) -> dict:
    stored: Counter[tuple] = Counter()
    values = {}
    for code, segment, period, value in Measurement.objects.filter(source=SOURCE).values_list(
        "kpi__code", "segment", "period", "value"
    ):
        key = (code, segment, period.isoformat())
        stored[key] += 1
        values[key] = value
    # A row's writer owns it: the last accepted batch holding it (in send order) says its value.
    expected, refused, answers = {}, set(), []
    for batch in rec.batches:
        keys = {(r["kpi"], r["segment"], r["period"]): r["value"] for r in batch.rows}
        if not batch.valid:
            if any(c.status != 400 for c in batch.calls):
                answers.append(f"a batch with an unknown KPI was answered {[c.status for c in batch.calls]}")
            refused.update(keys)
            continue
        executed = [c for c in batch.calls if c.status == 200 and not c.replayed]
        if not executed:
            if all(0 < c.status < 500 for c in batch.calls):  # else reported already
                answers.append(f"a valid batch was refused: {[c.body for c in batch.calls]}")
            continue
        expected.update(keys)
        n = len(batch.rows)
        want = {"created": 0, "updated": n, "unchanged": 0} if batch.correction else {"created": n}
        if executed[0].body != {"created": 0, "updated": 0, "unchanged": 0, **want}:
            what = "corrected" if batch.correction else "new"
            answers.append(f"a batch of {n} {what} rows answered {executed[0].body}")
        if len(executed) > 1:
            answers.append(
                f"a {executed[1].kind} with the same Idempotency-Key ran again instead of replaying "
                f"{executed[0].body}: answered {executed[1].body}"
            )
        if any(c.replayed and c.body != executed[0].body for c in batch.calls):
            answers.append(f"a replay differs from the answer it replays: {executed[0].body}")
    for key, value in expected.items():
        if stored[key] != 1:
            problems.append(f"accepted row {key} is stored {stored[key]} times")
        elif values[key] != value:
            problems.append(
                f"row {key} holds {values[key]}, not {value} from the last batch accepted (a lost update)"
            )
    for key in refused:
        if stored[key]:
            problems.append(f"row {key} of a refused batch was stored")
    extra = set(stored) - set(expected)
    if extra:
        problems.append(f"{len(extra)} stored rows were never accepted, e.g. {sorted(extra)[:3]}")
    # The rows first: a lost or doubled row matters more than a wrong answer.
    problems.extend(answers)
    return {"rows accepted": len(expected), "rows refused": len(refused)}


def check_moves(rec: Recorder, before: dict, problems: list[str]) -> set[int]:
    accepted: dict[int, int] = {}  # transition id → initiative
    for move in rec.moves:
        first = move.calls[0]
        for call in move.calls:
            if call.status == 201:
                accepted.setdefault(call.body["id"], move.initiative)
            replayed = call.status == 201 and call.replayed and call.body == first.body
            if call.kind == "move retry" and first.status == 201 and not replayed:
                problems.append(f"a retry of an accepted move was not replayed: {call.status} {call.body}")
        if first.kind == "move" and first.replayed:
            problems.append(f"a first request was answered as a replay: {first.body}")
    fresh = [c for c in rec.calls if c.kind in ("move", "twin move", "move retry") and c.status == 201]
    replays = [c for c in fresh if c.replayed]
    if len(fresh) - len(replays) != len(accepted):
        problems.append(
            f"{len(fresh) - len(replays)} moves answered 201 but {len(accepted)} distinct transitions"
        )
    # Twins share one key: one runs; the other is told it is in flight, or gets the first's answer.
    by_round: dict[tuple, list[Call]] = defaultdict(list)
    for move in rec.moves:
        by_round[(move.initiative, move.round)] += [c for c in move.calls if c.kind == "twin move"]
    for (pk, r), pair in by_round.items():
        if len(pair) == 2 and any(c.status == 201 for c in pair):
            winner = next(c for c in pair if c.status == 201 and not c.replayed)
            other = pair[1] if pair[0] is winner else pair[0]
            in_flight = other.status == 409 and other.body.get("code") == IDEMPOTENCY_IN_FLIGHT
            if not (in_flight or (other.replayed and other.body == winner.body)):
                problems.append(
                    f"initiative {pk} round {r}: a concurrent retry with the same Idempotency-Key was "
                    f"run again ({other.status} {other.body.get('code')}) instead of replayed or refused"
                )
    stored = list(StageTransition.objects.filter(pk__gt=before["transition"]).order_by("pk"))
    if {t.pk for t in stored} != set(accepted):
        missing, extra = set(accepted) - {t.pk for t in stored}, {t.pk for t in stored} - set(accepted)
        problems.append(
            f"stage transitions: accepted but missing {missing}, stored but never accepted {extra}"
        )
    for pk, (stage, version) in before["initiatives"].items():
        chain = [t for t in stored if t.initiative_id == pk]
        for previous, transition in zip([None, *chain], chain, strict=False):
            source = previous.to_stage if previous else stage
            if transition.from_stage != source:
                problems.append(
                    f"initiative {pk}: transition {transition.pk} starts from {transition.from_stage}, "
                    f"but the stage was {source} (a lost update)"
                )
        now = Initiative.objects.get(pk=pk)
        if now.version != version + len(chain) or now.stage != (chain[-1].to_stage if chain else stage):
            problems.append(
                f"initiative {pk}: version {version}→{now.version}, stage {stage}→{now.stage} "
                f"after {len(chain)} transitions"
            )
    return set(accepted)


def alert_evaluations(rec: Recorder) -> Counter:
    """What the accepted batches must have enqueued: one evaluation per watched KPI and segment."""
    kpis = {k.code: k for k in Kpi.objects.all()}
    expected: Counter[tuple] = Counter()
    for batch in rec.batches:
        if not any(c.status == 200 and not c.replayed for c in batch.calls):
            continue
        periods = defaultdict(set)
        for row in batch.rows:
            if kpi_is_watched(kpis[row["kpi"]]):
                periods[(kpis[row["kpi"]].pk, row["segment"])].add(row["period"])
        expected.update((*key, tuple(sorted(dates))) for key, dates in periods.items())
    return expected


def check_tasks(
    ledger: list[dict], rec: Recorder, transitions: set[int], before: dict, problems: list[str]
) -> dict:
    published = defaultdict(list)
    ends = defaultdict(list)
    for entry in ledger:
        if entry["event"] == "publish":
            published[entry["id"]].append(entry)
        elif entry["event"] == "end":
            ends[entry["id"]].append(entry)
    for task_id, sends in published.items():
        states = Counter(e["state"] for e in ends[task_id])
        if states["SUCCESS"] != 1 or states["FAILURE"]:
            problems.append(f"task {sends[0]['task']}{sends[0]['args']} [{task_id}] ended {dict(states)}")
    strays = set(ends) - set(published)
    if strays:
        problems.append(f"{len(strays)} task runs that nobody published")
    by_name = Counter(sends[0]["task"] for sends in published.values())
    evaluations = Counter(
        (e["args"][0], e["args"][1], tuple(e["args"][2]))
        for e in (s[0] for s in published.values())
        if e["task"] == "kpis.evaluate_alerts"
    )
    if evaluations != alert_evaluations(rec):
        missing, extra = alert_evaluations(rec) - evaluations, evaluations - alert_evaluations(rec)
        problems.append(
            f"alert evaluations not enqueued once per accepted batch: missing {missing}, extra {extra}"
        )
    notify = [s[0] for s in published.values() if s[0]["task"] == "improvement.notify_stage_changed"]
    notified = Counter(e["args"][0] for e in notify)
    if set(notified) != transitions or any(n != 1 for n in notified.values()):
        problems.append(f"stage-change notices enqueued {len(notify)} for {len(transitions)} transitions")
    deliveries = set(WebhookDelivery.objects.filter(pk__gt=before["delivery"]).values_list("pk", flat=True))
    delivered = Counter(
        s[0]["args"][0] for s in published.values() if s[0]["task"] == "improvement.deliver_webhook"
    )
    if set(delivered) != deliveries or any(n != 1 for n in delivered.values()):
        problems.append(
            f"{len(deliveries)} webhook deliveries, delivery tasks enqueued {sum(delivered.values())}"
        )
    sent_by_tasks = sum(
        e["retval"]
        for e in ledger
        if e["event"] == "end" and e["task"] == "improvement.notify_stage_changed" and e["state"] == "SUCCESS"
    )
    recorded = Notification.objects.filter(
        dedupe_key__in=[f"stage_changed:{pk}" for pk in transitions]
    ).count()
    if sent_by_tasks != recorded:
        problems.append(f"stage-change tasks sent {sent_by_tasks} notifications, {recorded} recorded")
    retries = sum(1 for e in ledger if e["event"] == "end" and e["state"] == "RETRY")
    return {
        "tasks enqueued (each ran once)": dict(by_name),
        "task retries": retries,
        "stage notifications": recorded,
    }


def check_effects(receiver: Receiver, transitions: set[int], before: dict, problems: list[str]) -> dict:
    events = list(
        WebhookEvent.objects.filter(
            pk__in=WebhookDelivery.objects.filter(pk__gt=before["delivery"]).values("event")
        )
    )
    stage_events = WebhookEvent.objects.filter(
        type=WebhookEventType.STAGE_CHANGED, dedupe_key__in=[f"stage.changed:{pk}" for pk in transitions]
    ).count()
    if stage_events != len(transitions):
        problems.append(f"{stage_events} stage.changed webhook events for {len(transitions)} transitions")
    received = receiver.events
    wrong = {str(e.pk): received[str(e.pk)] for e in events if received[str(e.pk)] != 1}
    if wrong or set(received) - {str(e.pk) for e in events}:
        problems.append(f"webhook events not received exactly once: {dict(list(wrong.items())[:5])}")
    if receiver.bad_signatures:
        problems.append(f"{receiver.bad_signatures} webhook deliveries with a bad signature")
    retried = WebhookDelivery.objects.filter(pk__gt=before["delivery"]).exclude(
        status=DeliveryStatus.SUCCEEDED, attempt_count=1
    )
    if retried.exists():
        problems.append(f"{retried.count()} webhook deliveries did not succeed at the first attempt")
    emailed = Notification.objects.filter(pk__gt=before["notification"], emailed_at__isnull=False).count()
    emails = len(SENT_LOG.read_text().splitlines()) if SENT_LOG.exists() else 0
    if emails != emailed:
        problems.append(f"{emails} emails sent for {emailed} emailed notifications")
    return {"webhooks received": sum(received.values()), "emails": emails}


def percentile(values: list[float], share: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def summary(rec: Recorder, elapsed: float) -> None:
    print(f"{len(rec.calls)} requests in {elapsed:.1f} s: {len(rec.calls) / elapsed:.0f} requests/s")
    print(f"  {'kind':<11} {'n':>6} {'p50 ms':>8} {'p95 ms':>8}  answers")
    by_kind = defaultdict(list)
    for call in rec.calls:
        by_kind[call.kind].append(call)
    for kind, calls in sorted(by_kind.items()):
        times = [c.seconds * 1000 for c in calls]
        answers = ", ".join(f"{s}×{n}" for s, n in sorted(Counter(c.status for c in calls).items()))
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        print(f"  {kind:<11} {len(calls):>6} {p50:>8.0f} {p95:>8.0f}  {answers}")


def main() -> None:
    wait_until_ready()
    callers = make_callers()
    admin = callers[Role.ADMIN][0]
    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    subscription = webhook_subscription_create(
        actor=admin,
        url=f"http://127.0.0.1:{receiver.server_port}/hook",
        events=list(WebhookEventType.values),
        name="load check",
    )
    receiver.secret = subscription.secret

    active = list(Initiative.objects.filter(status=Status.ACTIVE, archived_at__isnull=True).order_by("pk"))
    kpis = list(Kpi.objects.active().order_by("code")[:6])
    before = {
        "transition": StageTransition.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "delivery": WebhookDelivery.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "notification": Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "initiatives": {i.pk: (i.stage, i.version) for i in active},
    }
    ids = [i.pk for i in active]
    print(
        f"== load: {LOAD_SECONDS:.0f} s, {READERS} readers, {WRITERS} bulk writers, {MOVERS} movers "
        f"racing on {len(ids)} initiatives"
    )

    rec = Recorder()
    started = time.monotonic()
    deadline = started + LOAD_SECONDS
    rounds = Rounds(ids, deadline)
    codes = [k.code for k in kpis]
    jobs = []
    for n in range(READERS):
        # Half read as the admin (everything), half as a viewer (only the initiatives they may see).
        user, token = callers[Role.VIEWER if n % 2 else Role.ADMIN]
        visible = list(initiative_list(user=user).values_list("pk", flat=True))
        jobs.append((reader, rec, token, visible, codes, deadline, n))
    jobs += [(writer, rec, callers[Role.CONTRIBUTOR][1], n, kpis, deadline) for n in range(WRITERS)]
    jobs += [(mover, rec, callers[Role.ADMIN][1], n, rounds) for n in range(MOVERS)]
    crashes: list[str] = []

    def run(target, *args):
        try:
            target(*args)
        except Exception as exc:  # a crashed driver thread fails the check instead of thinning the load
            crashes.append(f"{target.__name__}: {type(exc).__name__}: {exc}")
            rounds.start.abort()  # the other movers stop waiting for it
            rounds.race.abort()

    threads = [threading.Thread(target=run, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    drained = drain(before)

    problems: dict[str, list[str]] = {"driver": crashes}
    problems.update((name, []) for name in ("answers", "measurements", "moves", "tasks", "effects"))
    if drained < 0:
        problems["tasks"].append(f"the workers did not drain the queue within {DRAIN_SECONDS} s")
    check_calls(rec, problems["answers"])
    counts = check_measurements(rec, problems["measurements"])
    transitions = check_moves(rec, before, problems["moves"])
    counts["transitions accepted"] = len(transitions)
    counts.update(check_tasks(read_ledger(), rec, transitions, before, problems["tasks"]))
    counts.update(check_effects(receiver, transitions, before, problems["effects"]))
    receiver.shutdown()

    summary(rec, elapsed)
    print(f"queue drained {drained:.1f} s after the load")
    for name, value in counts.items():
        print(f"  {name}: {value}")
    if any(problems.values()):
        for name, found in problems.items():
            if found:
                print(f"\n{len(found)} violation(s) of {name}, e.g.:")
                for problem in found[:VIOLATIONS_SHOWN]:
                    print(f"  - {problem}")
        sys.exit(1)
    print("every accepted write stored exactly once; every task ran once")


if __name__ == "__main__":
    main()
