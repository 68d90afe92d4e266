import logging.config
import os
from pathlib import Path

from celery import Celery, signals
from celery.beat import PersistentScheduler
from celery.contrib.django.task import DjangoTask
from celery.exceptions import Ignore, Retry

from common.metrics import connect_task_metrics

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _outbox():
    """``common.outbox`` imports models, and this module is imported with the settings, before the
    app registry is ready: the hooks look it up when a task runs."""
    import common.outbox

    return common.outbox


class Task(DjangoTask):
    """Django's task class (``delay_on_commit``), aware of the outbox row a message stands for.

    A message published from the outbox carries its row in its task id (``common.outbox``):

    - a delivery of a row already done is skipped (a redelivery after a lost acknowledgement, or a
      lost message published again), and success or final failure is recorded on the row;
    - a retry does not wait in the worker or the broker (a countdown on Redis is held unacknowledged
      and redelivered after the visibility timeout): the row becomes due again after the backoff and
      the message is acknowledged; the relay publishes it then.

    With no broker, tasks run eagerly and propagate their errors; Celery then lets a retry escape as
    an exception instead of running it. Here the retry runs at once (without the backoff wait), as
    a worker would run it later, so the embedded default behaves like production, only faster.
    """

    def before_start(self, task_id, args, kwargs):
        message_id = _outbox().outbox_message_id(task_id)
        if message_id is not None and _outbox().outbox_is_done(message_id=message_id):
            raise Ignore()

    def on_success(self, retval, task_id, args, kwargs):
        message_id = _outbox().outbox_message_id(task_id)
        if message_id is not None:
            _outbox().outbox_mark_done(message_id=message_id)

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        message_id = _outbox().outbox_message_id(task_id)
        if message_id is not None:
            _outbox().outbox_mark_failed(message_id=message_id, error=f"{type(exc).__name__}: {exc}")

    def retry(
        self,
        args=None,
        kwargs=None,
        exc=None,
        throw=True,
        eta=None,
        countdown=None,
        max_retries=None,
        **options,
    ):
        message_id = _outbox().outbox_message_id(self.request.id)
        limit = self.max_retries if max_retries is None else max_retries
        out_of_retries = limit is not None and self.request.retries >= limit
        if (
            message_id is None
            or self.request.is_eager
            or self.request.called_directly
            or out_of_retries
            or eta
        ):
            return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)
        delay = self.default_retry_delay if countdown is None else countdown
        _outbox().outbox_retry_later(
            message_id=message_id, delay_seconds=delay, error=f"{type(exc).__name__}: {exc}"
        )
        raise Ignore()

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
