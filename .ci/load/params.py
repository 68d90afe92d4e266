"""The load check's parameters: sizes and duration from the environment (.ci/load_check sets them),
the rest fixed.
"""

import datetime as dt
import os
from pathlib import Path

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
