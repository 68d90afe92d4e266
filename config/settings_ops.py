"""Operations settings: Celery and its schedule, the outbox, retention, the cache, bounded waits,
health, metrics and logging. ``config/settings.py`` imports every name defined here.
"""

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.env import DJANGO_ENV, PRODUCTION, env

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = env("TIME_ZONE", "UTC")  # the same zone as TIME_ZONE
# With Redis, a task whose worker dies before acknowledging it is delivered again after this many
# seconds. No task waits long in the broker (retries are rescheduled through the outbox, not held as
# countdowns), and the time limits below end every task well within it, so it can be short.
# RabbitMQ redelivers as soon as the dead worker's connection drops (docs/deploy.md).
# Workers look for such messages every 5 s (kombu's default works out at every 100 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "45")),
    "unacked_restore_interval": 5,
    "unacked_restore_throttle": 1,
}
CELERY_TASK_SOFT_TIME_LIMIT = int(env("CELERY_TASK_SOFT_TIME_LIMIT", "30"))
CELERY_TASK_TIME_LIMIT = int(env("CELERY_TASK_TIME_LIMIT", "40"))
# Webhook deliveries wait on other people's servers: their own queue, so a slow receiver cannot hold
# every worker process while alerts and notifications queue behind it. Workers consume both queues.
CELERY_TASK_DEFAULT_QUEUE = "celery"
WEBHOOKS_QUEUE = "webhooks"
CELERY_TASK_ROUTES = {"improvement.deliver_webhook": {"queue": WEBHOOKS_QUEUE}}

# The transactional outbox (common/outbox.py). The publish right after commit waits at most this long
# for the broker (it runs in the request), and after a failure requests skip it for a pause; the relay
# runs every few seconds and publishes again a message never completed after the republish age.
PDCA_OUTBOX_PUBLISH_TIMEOUT_SECONDS = float(env("PDCA_OUTBOX_PUBLISH_TIMEOUT_SECONDS", "1.5"))
PDCA_OUTBOX_PUBLISH_PAUSE_SECONDS = float(env("PDCA_OUTBOX_PUBLISH_PAUSE_SECONDS", "10"))
PDCA_OUTBOX_RELAY_SECONDS = float(env("PDCA_OUTBOX_RELAY_SECONDS", "5"))
PDCA_OUTBOX_REPUBLISH_SECONDS = int(env("PDCA_OUTBOX_REPUBLISH_SECONDS", "900"))

# The hour overdue reminders go out, and the weekly digest's day and hour, on each reader's own
# clock (accounts/time_zones.py).
PDCA_REMINDERS_HOUR = int(env("PDCA_REMINDERS_HOUR", "6"))
PDCA_DIGEST_WEEKDAY = env("PDCA_DIGEST_WEEKDAY", "mon")
PDCA_DIGEST_HOUR = int(env("PDCA_DIGEST_HOUR", "7"))
if PDCA_DIGEST_WEEKDAY[:3].lower() not in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") or not (
    0 <= PDCA_DIGEST_HOUR <= 23 and 0 <= PDCA_REMINDERS_HOUR <= 23
):
    raise ImproperlyConfigured(
        "PDCA_DIGEST_WEEKDAY must name a day (mon…sun); PDCA_DIGEST_HOUR and PDCA_REMINDERS_HOUR be 0–23."
    )

# The periodic jobs, one row each. Every task named here is registered exactly once (tested); a
# deployment overrides the times through the environment.
CELERY_BEAT_SCHEDULE = {
    "outbox-relay": {
        "task": "common.outbox_relay",
        "schedule": PDCA_OUTBOX_RELAY_SECONDS,
        "options": {"expires": PDCA_OUTBOX_RELAY_SECONDS * 6},
    },
    "mark-overdue-milestones-and-remind": {
        "task": "improvement.mark_overdue_milestones",
        # Hourly: reminders reach each person at PDCA_REMINDERS_HOUR of their own time zone.
        "schedule": crontab(minute=0),
    },
    # Hourly: each person gets the digest when their own clock reaches PDCA_DIGEST_WEEKDAY at
    # PDCA_DIGEST_HOUR (improvement.services.notifications.digest_send).
    "weekly-digest": {
        "task": "improvement.send_digest",
        "schedule": crontab(minute=5),
    },
    "weekly-chat-digest": {
        "task": "improvement.post_chat_digest",
        "schedule": crontab(
            day_of_week=env("PDCA_DIGEST_WEEKDAY", "mon"), hour=env("PDCA_DIGEST_HOUR", "7"), minute=5
        ),
    },
    # The portfolio review pack (PDF) mailed to the executives monthly: the 30/60/90-day reviews.
    "portfolio-review-pack": {
        "task": "improvement.send_portfolio_pack",
        "schedule": crontab(
            day_of_month=env("PDCA_PACK_DAY_OF_MONTH", "1"), hour=env("PDCA_PACK_HOUR", "7"), minute=30
        ),
    },
    "resume-stalled-webhooks": {
        "task": "improvement.resume_stalled_webhooks",
        "schedule": crontab(minute=17),
    },
    "prune-old-records": {
        "task": "improvement.prune_old_records",
        "schedule": crontab(hour=env("PDCA_PRUNE_HOUR", "3"), minute=41),
    },
}

# Retention (improvement/services/retention.py): records older than this many days are pruned
# nightly; 0 keeps them forever. Unread notifications and pending deliveries are never pruned.
PDCA_RETAIN_WEBHOOK_DELIVERIES_DAYS = int(env("PDCA_RETAIN_WEBHOOK_DELIVERIES_DAYS", "90"))
PDCA_RETAIN_WEBHOOK_EVENTS_DAYS = int(env("PDCA_RETAIN_WEBHOOK_EVENTS_DAYS", "90"))
PDCA_RETAIN_READ_NOTIFICATIONS_DAYS = int(env("PDCA_RETAIN_READ_NOTIFICATIONS_DAYS", "180"))
PDCA_RETAIN_OUTBOX_DAYS = int(env("PDCA_RETAIN_OUTBOX_DAYS", "30"))
# Rows deleted per transaction.
PDCA_PRUNE_BATCH_SIZE = int(env("PDCA_PRUNE_BATCH_SIZE", "1000"))

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Bounded waits: a dependency that accepts connections and never answers costs a request seconds,
# not gunicorn's 30 s timeout (docs/deploy.md, "Timeouts").
DATABASE_CONNECT_TIMEOUT = int(env("DATABASE_CONNECT_TIMEOUT", "3"))  # libpq's minimum is 2
DATABASE_STATEMENT_TIMEOUT_MS = int(env("DATABASE_STATEMENT_TIMEOUT_MS", "30000"))  # 0: none
# Inside a web request, each statement, commit or health check waits at most this many seconds for
# the server's answer; then 503 + Retry-After (common/postgresql/base.py). Workers and commands
# (backup, migrate) have no such bound. 0 turns it off.
DATABASE_ANSWER_TIMEOUT = float(env("DATABASE_ANSWER_TIMEOUT", "8"))
# A server gone from the network: sent data unacknowledged this long ends the connection (libpq
# tcp_user_timeout), and an idle kept connection is probed by TCP keepalives.
DATABASE_TCP_USER_TIMEOUT_MS = int(env("DATABASE_TCP_USER_TIMEOUT_MS", "15000"))


def postgresql_options() -> dict:
    """The connection options of a PostgreSQL ``DATABASES`` entry (settings.py applies them)."""
    return {
        "connect_timeout": DATABASE_CONNECT_TIMEOUT,
        # JIT compilation pays off for long analytical statements, not for a web page's: at 100,000
        # initiatives the planner's estimates put the dashboard's roll-up queries past
        # ``jit_above_cost``; compiling the at-risk query alone took 78 ms of its 312
        # (docs/performance.md, "Thirteenth round").
        "options": f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS} -c jit=off",
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": DATABASE_TCP_USER_TIMEOUT_MS,
    }


CACHE_CONNECT_TIMEOUT = float(env("CACHE_CONNECT_TIMEOUT", "1"))
CACHE_SOCKET_TIMEOUT = float(env("CACHE_SOCKET_TIMEOUT", "1"))
if REDIS_URL:
    CACHES["default"]["OPTIONS"] = {
        "socket_connect_timeout": CACHE_CONNECT_TIMEOUT,
        "socket_timeout": CACHE_SOCKET_TIMEOUT,
    }
BROKER_CONNECT_TIMEOUT = float(env("BROKER_CONNECT_TIMEOUT", "2"))
BROKER_SOCKET_TIMEOUT = float(env("BROKER_SOCKET_TIMEOUT", "5"))
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_CONNECT_TIMEOUT  # amqp: connect_timeout
CELERY_BROKER_TRANSPORT_OPTIONS.update(
    {"socket_connect_timeout": BROKER_CONNECT_TIMEOUT, "socket_timeout": BROKER_SOCKET_TIMEOUT}
)
# Readiness checks each dependency for at most this long, all at once (common/health.py).
HEALTH_CHECK_TIMEOUT_SECONDS = float(env("HEALTH_CHECK_TIMEOUT_SECONDS", "2"))

# Seeing it: /metrics (Prometheus text) answers only a bearer token; unset, it is a 404.
METRICS_TOKEN = env("METRICS_TOKEN")
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
# Beat touches this file on every tick; docker-compose's health check reads its age.
BEAT_HEARTBEAT_FILE = env("BEAT_HEARTBEAT_FILE", "/tmp/pdca-beat-heartbeat")
CELERY_BEAT_SCHEDULER = "config.celery:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 60

LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "common.logging.RequestContextFilter"}},
    "formatters": {
        "json": {"()": "common.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": LOG_FORMAT,
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # The access line comes from common.logging; Django's own runserver line would repeat it.
        "pdca.request": {"level": env("ACCESS_LOG_LEVEL", "INFO" if PRODUCTION else "WARNING")},
        "django.server": {"level": "WARNING"},
        # In-process tasks would log a line per task run into the page's own request log.
        "celery.app.trace": {"level": "INFO" if CELERY_BROKER_URL else "WARNING"},
    },
}

SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(dsn=SENTRY_DSN, environment=DJANGO_ENV, send_default_pii=False)
