"""The task ledger of the load check (.ci/load_check): who published which task, and how each run ended.

Loaded by the web processes as gunicorn's config file (``gunicorn -c .ci/load_probe.py``) and by
the workers as an extra module (``celery worker -I load_probe``, with ``.ci`` on ``PYTHONPATH``),
in the parent process before it forks, so every child inherits the signal receivers. Each process
appends JSON lines to its own file in ``$LOAD_PROBE_DIR``; the driver reads them all afterwards and
checks that every published task id ran to success exactly once. The application is not changed.
"""

import json
import os
import time
from pathlib import Path

from celery.signals import after_task_publish, task_postrun, task_prerun

PROBE_DIR = Path(os.environ["LOAD_PROBE_DIR"])


def _record(**fields) -> None:
    fields.update(pid=os.getpid(), at=time.time())
    # One file per process: lines from different processes never interleave.
    with (PROBE_DIR / f"{os.getpid()}.jsonl").open("a") as ledger:
        ledger.write(json.dumps(fields, default=repr) + "\n")


def _published(sender=None, headers=None, body=None, **_):
    headers = headers or {}
    args = body[0] if isinstance(body, list | tuple) and body else None
    _record(event="publish", id=headers.get("id"), task=sender, args=args, retries=headers.get("retries", 0))


def _started(task_id=None, task=None, args=None, **_):
    _record(event="start", id=task_id, task=task.name, args=list(args or ()))


def _finished(task_id=None, task=None, args=None, retval=None, state=None, **_):
    _record(event="end", id=task_id, task=task.name, args=list(args or ()), state=state, retval=retval)


# Strong references: gunicorn discards its config module after reading it.
after_task_publish.connect(_published, weak=False)
task_prerun.connect(_started, weak=False)
task_postrun.connect(_finished, weak=False)
