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

import statistics
import sys
import threading
import time
from collections import Counter, defaultdict

# First: importing the load package puts the project on sys.path and sets Django up. (isort keeps it
# ahead of the project's imports below: from here it is not a first-party package.)
from load.check_work import check_effects, check_tasks, drain, read_ledger
from load.check_writes import check_calls, check_measurements, check_moves
from load.drivers import Rounds, make_callers, mover, reader, wait_until_ready, writer
from load.params import DRAIN_SECONDS, LOAD_SECONDS, MOVERS, READERS, VIOLATIONS_SHOWN, WRITERS
from load.receiver import Receiver
from load.record import Recorder

from accounts.models import Notification, Role
from improvement.models import Initiative, StageTransition, Status, WebhookDelivery, WebhookEventType
from improvement.selectors import initiative_list
from improvement.services.webhooks import webhook_subscription_create
from kpis.models import Kpi


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
