"""The load check's driver, by concern (the entry is .ci/load_check.py, run by .ci/load_check).

- ``params``: sizes and duration from the environment, and fixed limits;
- ``record``: every API call with its answer, grouped by batch and move;
- ``receiver``: the webhook receiver on loopback;
- ``drivers``: start-up and the load (readers, bulk writers, movers);
- ``check_writes``: the answers and the database (rows, stage transitions);
- ``check_work``: draining the queue, then tasks, notifications, emails and webhooks.

Importing the package sets Django up first, since every module reads the models.
"""

import os
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
