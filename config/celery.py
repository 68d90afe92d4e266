import logging.config
import os
from pathlib import Path

from celery import Celery, signals
from celery.beat import PersistentScheduler
from celery.contrib.django.task import DjangoTask
from celery.exceptions import Retry

from common.metrics import connect_task_metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class Task(DjangoTask):
    """Django's task class (``delay_on_commit``), whose retries also work when run in-process.

    With no broker, tasks run eagerly and propagate their errors; Celery then lets a retry escape as
    an exception instead of running it. Here the retry runs at once (without the backoff wait), as
    a worker would run it later, so the embedded default behaves like production, only faster.
    """

    def apply(self, args=None, kwargs=None, **options):
        try:
            return super().apply(args, kwargs, **options)
        except Retry as retry:
            if retry.sig is None:
                raise
            return retry.sig.apply()


app = Celery("pdca", task_cls=Task)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
connect_task_metrics()


@signals.setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Workers and beat log through Django's LOGGING (JSON lines in production, with the request id
    of the request that enqueued the task) instead of Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


class HeartbeatScheduler(PersistentScheduler):
    """Beat's scheduler, touching ``BEAT_HEARTBEAT_FILE`` on every tick: a beat whose loop stopped
    leaves the file to age, which the container health check notices."""

    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        from django.conf import settings

        Path(settings.BEAT_HEARTBEAT_FILE).touch()
        return interval
