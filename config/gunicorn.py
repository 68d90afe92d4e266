"""Gunicorn settings for every way the web process is started (Procfile, Dockerfile, compose,
``make serve``): ``gunicorn -c config/gunicorn.py config.wsgi:application``.

Access and error lines are JSON like the application's own (``common.logging``): the access line
carries the request id the application put in ``X-Request-ID``.
"""

import os
import socket

from prometheus_client import multiprocess

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A request still running after this many seconds is killed with its worker. Database, cache and
# broker waits are bounded well below it (docs/deploy.md, "Timeouts").
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
_format = os.environ.get("LOG_FORMAT", "json" if os.environ.get("DJANGO_ENV") == "production" else "text")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "common.logging.GunicornAccessJsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": _format, "stream": "ext://sys.stdout"},
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def child_exit(server, worker) -> None:
    # Multi-process metrics: a dead worker's live gauges leave the sum (its counters stay counted).
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(f"{socket.gethostname()}-{worker.pid}")
