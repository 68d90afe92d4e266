"""An email backend for the worker process in the real-worker tests (the outside world, faked).

It appends each subject to ``$PDCA_IT_DIR/sent.log``. While ``$PDCA_IT_DIR/slow`` exists it first
writes ``started`` and then hangs, so a test can kill the worker in the middle of a task.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

HANG_SECONDS = 120


class RecordingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        directory = Path(os.environ["PDCA_IT_DIR"])
        if (directory / "slow").exists():
            (directory / "started").write_text("sending")
            time.sleep(HANG_SECONDS)
        with (directory / "sent.log").open("a") as log:
            for message in email_messages:
                log.write(f"{message.to[0]} {message.subject}\n")
        return len(email_messages)
