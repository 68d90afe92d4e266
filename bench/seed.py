"""Seed the benchmark database fast: COPY (psycopg) straight into the tables, no services.

The data are realistic in shape, not in history: no django-simple-history rows, no webhooks or
notifications. Ids are assigned here (the database is fresh) and the sequences moved past them.
Run on its own with ``python -m bench.seed --size small`` (after ``python -m bench.run`` created and
migrated the database), or through ``bench.run`` which does everything.

The steps: bench.seed_portfolio (teams, people, initiatives, milestones), then bench.seed_records
(measurements, targets, money, status updates, stage moves, experiments), then bench.seed_ideas
(ideas, comments); the sizes in bench.sizes.
"""

import argparse
import random
import time

from bench.seed_ideas import seed_comments, seed_ideas
from bench.seed_portfolio import seed_initiatives, seed_milestones, seed_people
from bench.seed_records import seed_experiments, seed_initiative_records, seed_measurements
from bench.sizes import KPI_COUNT, RANDOM_SEED, SIZES, Size

# Tables whose ids the seed assigns: their sequences are moved past them.
ASSIGNED_ID_TABLES = (
    "accounts_team",
    "accounts_user",
    "improvement_initiative",
    "improvement_experiment",
    "improvement_variant",
    "improvement_idea",
    "improvement_comment",
)


def _unlisted_defaults(table: str, columns: list[str]) -> dict[str, object]:
    """The model's default for each NOT NULL column the seed does not list (a field added since,
    such as a version counter, or a blank text such as an identity provider's id): COPY would
    otherwise write NULL into it."""
    from django.apps import apps
    from django.db import models

    model = next((m for m in apps.get_models() if m._meta.db_table == table), None)
    if model is None:
        return {}
    return {
        field.column: field.get_default()
        for field in model._meta.concrete_fields
        if not field.null
        and not field.primary_key
        and (field.has_default() or (field.blank and field.empty_strings_allowed))
        and field.db_default is models.NOT_PROVIDED
        and field.column not in columns
    }


class Copier:
    """COPY rows into a table; returns the count."""

    def __init__(self, raw_connection):
        self.conn = raw_connection
        self.counts: dict[str, int] = {}

    def __call__(self, table: str, columns: list[str], rows) -> int:
        n = 0
        defaults = _unlisted_defaults(table, columns)
        sql = f"COPY {table} ({', '.join([*columns, *defaults])}) FROM STDIN"
        extra = tuple(defaults.values())
        with self.conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row((*row, *extra))
                n += 1
        self.counts[table] = self.counts.get(table, 0) + n
        return n


def _kpis(count: int = KPI_COUNT):
    """The catalogue (shipped by migration) topped up to ``count`` with bench KPIs."""
    from kpis.models import Kpi

    have = Kpi.objects.count()
    extra = [
        Kpi(
            code=f"bench_kpi_{i:02d}",
            name=f"Bench KPI {i:02d}",
            unit="score",
            direction="higher" if i % 2 else "lower",
            min_value=0,
            max_value=100,
        )
        for i in range(max(count - have, 0))
    ]
    Kpi.objects.bulk_create(extra)
    return list(Kpi.objects.order_by("id")[:count])


def seed(size: Size, *, log=print) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    rnd = random.Random(RANDOM_SEED)
    now = timezone.now()
    today = timezone.localdate()
    started = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        timings[name] = round(time.perf_counter() - since, 2)
        log(f"  seeded {name} in {timings[name]} s")
        return time.perf_counter()

    with connection.cursor() as cursor:
        # The site's statement timeout bounds a request; a COPY of a million rows on a busy machine
        # is not one.
        cursor.execute("SET statement_timeout = 0")
    with transaction.atomic():
        connection.ensure_connection()
        with connection.cursor() as cursor:
            # The requests keep the production statement timeout; loading a million rows through
            # the change-marker trigger on a busy machine may take longer than it.
            cursor.execute("SET LOCAL statement_timeout = 0")
        copy = Copier(connection.connection)
        t = time.perf_counter()
        kpis = _kpis(size.kpis)
        team_users = seed_people(copy, size=size, rnd=rnd, now=now)
        t = lap("users and teams", t)
        initiatives = seed_initiatives(copy, size=size, rnd=rnd, now=now, today=today, team_users=team_users)
        t = lap("initiatives", t)
        seed_milestones(copy, rnd=rnd, now=now, today=today, initiatives=initiatives, team_users=team_users)
        t = lap("milestones", t)
        series = seed_measurements(copy, size=size, rnd=rnd, now=now, today=today, kpis=kpis)
        t = lap("measurements", t)
        seed_initiative_records(copy, rnd=rnd, now=now, initiatives=initiatives, series=series)
        t = lap("targets, money, updates, transitions", t)
        bench_experiment, lead_initiative = seed_experiments(
            copy, size=size, rnd=rnd, now=now, initiatives=initiatives, kpis=kpis
        )
        t = lap("experiments", t)
        seed_ideas(copy, size=size, rnd=rnd, now=now, kpis=kpis, team_users=team_users)
        t = lap("ideas", t)
        seed_comments(
            copy,
            size=size,
            rnd=rnd,
            now=now,
            initiatives=initiatives,
            team_users=team_users,
            long_thread_on=lead_initiative["id"],
        )
        t = lap("comments", t)

        with connection.cursor() as cursor:
            for table in ASSIGNED_ID_TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("RESET statement_timeout")
    lap("vacuum analyze", t)
    total = round(time.perf_counter() - started, 2)
    log(f"  seeded {size.name} in {total} s")
    return {
        "size": size.name,
        "seconds": total,
        "steps": timings,
        "rows": copy.counts,
        "bench_experiment_id": bench_experiment,
        "lead_initiative_id": lead_initiative["id"],
    }


def main() -> None:
    from bench import db

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    args = parser.parse_args()
    db.recreate()
    db.setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(seed(SIZES[args.size]))


if __name__ == "__main__":
    main()
