"""Run a few blocking calls at once, each for at most a given time.

A call still blocked at the deadline is abandoned in its daemon thread (Python cannot stop a thread);
the socket timeouts of each client (config/settings_ops.py, "Bounded waits") end it soon after, so
abandoned threads do not pile up.
"""

import threading
import time
from collections.abc import Callable


class TimedOut(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"no answer within {seconds:g} s")


def run_bounded(calls: dict[str, Callable[[], object]], *, timeout: float) -> dict[str, str | None]:
    """Run every call in its own thread; map each name to None (it returned) or a short error."""
    errors: dict[str, str | None] = {}
    lock = threading.Lock()

    def run(name: str, call: Callable[[], object]) -> None:
        try:
            call()
        except Exception as exc:  # any failure is the answer for that call; its type says which
            error = f"{type(exc).__name__}: {exc}"[:200]
        else:
            error = None
        with lock:
            errors.setdefault(name, error)

    threads = {
        name: threading.Thread(target=run, args=(name, call), name=f"bounded-{name}", daemon=True)
        for name, call in calls.items()
    }
    deadline = time.monotonic() + timeout
    for thread in threads.values():
        thread.start()
    for thread in threads.values():
        thread.join(max(0.0, deadline - time.monotonic()))
    with lock:
        for name in calls:
            errors.setdefault(name, str(TimedOut(timeout)))
        return {name: errors[name] for name in calls}
