"""Drain and check the work done after the answers: every task ran once, each stage change notified,
emailed and delivered by webhook exactly once.
"""

import json
import time
from collections import Counter, defaultdict

from accounts.models import Notification
from improvement.models import DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookEventType
from kpis.alerts import kpi_is_watched
from kpis.models import Kpi
from load.params import DRAIN_SECONDS, PROBE_DIR, SENT_LOG
from load.receiver import Receiver
from load.record import Recorder

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
    # Each job names up to 50 watched series a batch changed: every series of every accepted batch once.
    evaluations = Counter(
        (kpi_id, segment, tuple(periods))
        for e in (s[0] for s in published.values())
        if e["task"] == "kpis.evaluate_alerts_for_series"
        for kpi_id, segment, periods in e["args"][0]
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
