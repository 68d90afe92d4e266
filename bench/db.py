"""The benchmark's own PostgreSQL database: created and dropped here, never the ``test`` database."""

import os

import psycopg

SERVER_URL = os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DATABASE", "pdca_bench")
# The kept large database that an xlarge run is compared with, request by request (bench.growth).
LARGE_DATABASE = os.environ.get("BENCH_LARGE_DATABASE", "pdca_bench")
# Guards against pointing the harness at a database someone else uses.
FORBIDDEN_DATABASES = frozenset({"test", "postgres", "template0", "template1"})
# The bench caller makes thousands of requests: the per-caller budget must not answer 429 mid-run.
BENCH_ENVIRONMENT = {
    "API_THROTTLE_RATE": "10000000/hour",
    # A measurements cursor page of 1,000 rows is above the default cap of 500.
    "API_MAX_PAGE_SIZE": "1000",
    "DJANGO_DEBUG": "false",
    "DATABASE_CONN_MAX_AGE": "600",
    "LOG_LEVEL": "WARNING",
    # Alert emails raised by the bulk upserts stay in memory instead of flooding the console.
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


# Where the timed writes' tasks go: a broker as deployed (Redis database 12 on loopback, which no
# test or CI worker uses), when it answers, so that a write's after-commit jobs are queued for a
# worker as in production rather than run inside the request (the mode of `make run`, without a
# broker). No worker consumes them: the run empties that queue at its end.
BENCH_BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/12")


def broker_answers(url: str = BENCH_BROKER_URL) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False


def database_url(name: str = DATABASE) -> str:
    return f"{SERVER_URL}/{name}"


def _check(name: str) -> None:
    if name in FORBIDDEN_DATABASES:
        raise SystemExit(f"Refusing to use the database {name!r} for benchmarks.")


def recreate(name: str = DATABASE) -> None:
    """Drop (if present) and create the benchmark database."""
    _check(name)
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def exists(name: str) -> bool:
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop(name: str = DATABASE) -> None:
    _check(name)
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def configure(name: str = DATABASE) -> None:
    """Point Django at the benchmark database; call before ``django.setup()``."""
    _check(name)
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    for key, value in BENCH_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


def setup_django(name: str = DATABASE) -> None:
    configure(name)
    import django

    django.setup()
