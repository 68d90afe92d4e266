"""The WSGI entry point: start-up's objects are frozen out of the garbage collector's full passes."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import gc
import config.wsgi
from django.test import Client
print(gc.get_freeze_count(), Client().get("/healthz").status_code)
"""


def test_the_wsgi_application_freezes_what_start_up_allocated_and_still_answers():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    frozen, status = done.stdout.split()[-2:]

    # Django, DRF, the views and the numerical libraries: far more than a bare interpreter's few
    # thousand objects, none of them walked again by a full collection.
    assert int(frozen) > 100_000
    assert status == "200"
