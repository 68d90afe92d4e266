import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.exceptions import Retry

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
