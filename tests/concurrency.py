"""Real concurrency for tests that need it (PostgreSQL, ``transaction=True``)."""

import threading

from django.db import connection


def race(*sends):
    """Run each ``send`` in its own thread (so its own database connection), all released at once
    by a barrier; return their answers in order."""
    barrier = threading.Barrier(len(sends))
    answers: list = [None] * len(sends)

    def run(index, send):
        try:
            barrier.wait()
            answers[index] = send()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, send)) for i, send in enumerate(sends)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
