"""Seed the benchmark database fast: COPY (psycopg) straight into the tables, no services.

The data are realistic in shape, not in history: no django-simple-history rows, no webhooks or
notifications. Ids are assigned here (the database is fresh) and the sequences moved past them.
Run on its own with ``python -m bench.seed --size small`` (after ``python -m bench.run`` created and
migrated the database), or through ``bench.run`` which does everything.
"""

import argparse
import datetime as dt
import math
import random
import time
from dataclasses import dataclass

from psycopg.types.json import Jsonb

RANDOM_SEED = 8
SEGMENTS = ["", "chat", "phone", "email", "EMEA"]
KPI_COUNT = 30
TEAMS = 50
# The bench's own callers; bench.run signs in with these.
ADMIN_EMAIL = "bench-admin@example.com"
LEAD_EMAIL = "bench-lead@example.com"
BENCH_EXPERIMENT_NAME = "Bench: 1,000,000 observations"
PASSWORD = "bench-password-not-secret"
MILESTONES_PER_INITIATIVE = 15
PLAN_DAYS = 90
PORTFOLIO_YEARS = 5


@dataclass(frozen=True)
class Size:
    name: str
    initiatives: int
    measurements: int
    users_per_team: int
    experiments: int

    @property
    def milestones(self) -> int:
        return self.initiatives * MILESTONES_PER_INITIATIVE


SIZES = {
    "large": Size("large", initiatives=10_000, measurements=1_000_000, users_per_team=10, experiments=500),
    "small": Size("small", initiatives=1_000, measurements=100_000, users_per_team=2, experiments=50),
}


class Copier:
    """COPY rows into a table; returns the count."""

    def __init__(self, raw_connection):
        self.conn = raw_connection
        self.counts: dict[str, int] = {}

    def __call__(self, table: str, columns: list[str], rows) -> int:
        n = 0
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with self.conn.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        self.counts[table] = self.counts.get(table, 0) + n
        return n


def _kpis(now):
    """The catalogue (shipped by migration) topped up to ``KPI_COUNT`` with bench KPIs."""
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
        for i in range(max(KPI_COUNT - have, 0))
    ]
    Kpi.objects.bulk_create(extra)
    return list(Kpi.objects.order_by("id")[:KPI_COUNT])


def _typical(kpi) -> float:
    """A plausible level for the KPI's series, inside its range."""
    low = kpi.min_value if kpi.min_value is not None else 0.0
    high = kpi.max_value if kpi.max_value is not None else 100.0
    return low + (high - low) * 0.6


def seed(size: Size, *, log=print) -> dict:
    from django.contrib.auth.hashers import make_password
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

    with transaction.atomic():
        connection.ensure_connection()
        copy = Copier(connection.connection)
        t = time.perf_counter()
        kpis = _kpis(now)

        # --- teams, users, memberships --------------------------------------------------------
        copy(
            "accounts_team",
            ["id", "name", "slug", "description", "created_at", "updated_at"],
            ((i, f"Team {i:02d}", f"team-{i:02d}", "", now, now) for i in range(1, TEAMS + 1)),
        )
        password = make_password(PASSWORD)
        users = [(1, ADMIN_EMAIL, "Bench Admin", "admin", True), (2, LEAD_EMAIL, "Bench Lead", "lead", False)]
        team_users: dict[int, list[int]] = {team: [] for team in range(1, TEAMS + 1)}
        next_id = 3
        roles = ["lead", "contributor", "contributor", "viewer", "executive", "finance"]
        for team in range(1, TEAMS + 1):
            for k in range(size.users_per_team):
                role = "lead" if k == 0 else rnd.choice(roles)
                users.append((next_id, f"user{next_id}@example.com", f"User {next_id}", role, False))
                team_users[team].append(next_id)
                next_id += 1
        # The bench lead belongs to the first team: its lists are the team-scoped case.
        team_users[1].append(2)
        copy(
            "accounts_user",
            [
                "id",
                "password",
                "is_superuser",
                "email",
                "full_name",
                "role",
                "is_active",
                "is_staff",
                "date_joined",
            ],
            ((uid, password, su, email, name, role, True, su, now) for uid, email, name, role, su in users),
        )
        copy(
            "accounts_membership",
            ["user_id", "team_id", "created_at", "updated_at"],
            ((uid, team, now, now) for team, uids in team_users.items() for uid in uids),
        )
        t = lap("users and teams", t)

        # --- initiatives ------------------------------------------------------------------------
        initiatives = []
        categories = [
            "response_speed",
            "process_simplification",
            "personalisation",
            "self_service",
            "knowledge_base",
            "staffing_training",
            "quality_assurance",
            "other",
        ]
        portfolio_days = 365 * PORTFOLIO_YEARS
        for pk in range(1, size.initiatives + 1):
            team = (pk - 1) % TEAMS + 1
            start = today - dt.timedelta(days=int(portfolio_days * (1 - pk / size.initiatives)))
            age = (today - start).days
            if age > 2 * PLAN_DAYS:
                status = rnd.choices(["standardised", "abandoned", "active", "on_hold"], [70, 15, 10, 5])[0]
            else:
                status = rnd.choices(["active", "on_hold"], [90, 10])[0]
            stage = "act" if status == "standardised" else rnd.choice(["plan", "do", "check", "act"])
            initiatives.append(
                (
                    pk,
                    f"INI-{pk:05d}",
                    f"Initiative {pk}: {rnd.choice(categories).replace('_', ' ')} for team {team}",
                    "Customers wait too long and repeat themselves across channels.",
                    "Cut the median first response time by 20 % within 90 days.",
                    "",
                    rnd.choice(categories),
                    rnd.choice(["interaction", "process", "technical"]),
                    team,
                    team_users[team][0],
                    1 if pk % 7 == 0 else None,
                    rnd.randint(1, 5),
                    rnd.randint(1, 5),
                    rnd.choices(["on_track", "at_risk", "off_track"], [70, 20, 10])[0],
                    start,
                    start + dt.timedelta(days=PLAN_DAYS + rnd.randint(0, 90)),
                    stage,
                    status,
                    1,
                    start,
                    1,
                    now,
                    now,
                )
            )
        copy(
            "improvement_initiative",
            [
                "id",
                "code",
                "title",
                "problem_statement",
                "smart_goal",
                "scope",
                "category",
                "breakpoint_type",
                "team_id",
                "lead_id",
                "sponsor_id",
                "impact",
                "effort",
                "health",
                "start_date",
                "target_end_date",
                "stage",
                "status",
                "cycle",
                "cycle_started_on",
                "version",
                "created_at",
                "updated_at",
            ],
            initiatives,
        )
        copy(
            "improvement_initiative_members",
            ["initiative_id", "user_id"],
            ((row[0], uid) for row in initiatives for uid in team_users[row[8]][1:3] if uid != row[9]),
        )
        t = lap("initiatives", t)

        # --- milestones ---------------------------------------------------------------------------
        def milestones():
            for row in initiatives:
                pk, team, start, status = row[0], row[8], row[14], row[17]
                owners = team_users[team]
                for k in range(MILESTONES_PER_INITIATIVE):
                    due = start + dt.timedelta(days=6 * (k + 1))
                    if status == "standardised" or (due < today and rnd.random() < 0.85):
                        state, completed = "done", now
                    elif status == "abandoned":
                        state, completed = "cancelled", None
                    else:
                        state = rnd.choices(["planned", "in_progress", "blocked"], [60, 30, 10])[0]
                        completed = None
                    phase = ("assess", "pilot", "rollout")[k * 3 // MILESTONES_PER_INITIATIVE]
                    yield (
                        pk,
                        f"Step {k + 1} of the 90-day plan",
                        "",
                        "",
                        owners[k % len(owners)],
                        due,
                        state,
                        phase,
                        completed,
                        1,
                        now,
                        now,
                    )

        copy(
            "improvement_milestone",
            [
                "initiative_id",
                "title",
                "description",
                "acceptance_criteria",
                "owner_id",
                "due_date",
                "status",
                "phase",
                "completed_at",
                "version",
                "created_at",
                "updated_at",
            ],
            milestones(),
        )
        t = lap("milestones", t)

        # --- measurements: KPI_COUNT × segments daily series ending yesterday ------------------------
        series = [(kpi, segment) for kpi in kpis for segment in SEGMENTS]
        days = math.ceil(size.measurements / len(series))
        first = today - dt.timedelta(days=days)

        def measurements():
            written = 0
            for kpi, segment in series:
                level = _typical(kpi)
                spread = max(abs(level) * 0.05, 0.5)
                low = -math.inf if kpi.min_value is None else kpi.min_value
                high = math.inf if kpi.max_value is None else kpi.max_value
                gauss = rnd.gauss
                for d in range(days):
                    if written == size.measurements:
                        return
                    written += 1
                    value = min(max(round(level + gauss(0, spread), 3), low), high)
                    yield (kpi.pk, segment, first + dt.timedelta(days=d), value, 500, "import", now, now)

        copy(
            "kpis_measurement",
            ["kpi_id", "segment", "period", "value", "sample_size", "source", "created_at", "updated_at"],
            measurements(),
        )
        t = lap("measurements", t)

        # --- targets, money, status updates, transitions ----------------------------------------------
        def targets():
            for row in initiatives:
                pk = row[0]
                chosen = rnd.sample(series, 2 if pk % 2 else 1)
                for n, (kpi, segment) in enumerate(chosen):
                    baseline = _typical(kpi)
                    better = 1.1 if kpi.direction == "higher" else 0.9
                    yield (
                        pk,
                        kpi.pk,
                        segment,
                        baseline,
                        baseline * better,
                        n == 0,
                        800 if pk % 3 == 0 else None,
                        "",
                        Jsonb({}),
                        now,
                        now,
                    )

        copy(
            "improvement_kpitarget",
            [
                "initiative_id",
                "kpi_id",
                "segment",
                "baseline_value",
                "target_value",
                "is_primary",
                "unit_value_per_month",
                "evaluation",
                "evaluation_detail",
                "created_at",
                "updated_at",
            ],
            targets(),
        )
        copy(
            "improvement_cost",
            ["initiative_id", "kind", "description", "amount", "start_month", "created_at", "updated_at"],
            (
                line
                for row in initiatives
                for line in (
                    (row[0], "one_time", "Set-up", rnd.randint(5, 50) * 1000, 1, now, now),
                    (row[0], "recurring", "Licences", rnd.randint(2, 20) * 100, 2, now, now),
                )
            ),
        )
        copy(
            "improvement_benefit",
            [
                "initiative_id",
                "kind",
                "nature",
                "description",
                "monthly_amount",
                "start_month",
                "validated",
                "created_at",
                "updated_at",
            ],
            (
                (
                    row[0],
                    "cost_saving",
                    "hard",
                    "Fewer repeat contacts",
                    rnd.randint(1, 30) * 100,
                    3,
                    row[0] % 2 == 0,
                    now,
                    now,
                )
                for row in initiatives
            ),
        )
        copy(
            "improvement_statusupdate",
            ["initiative_id", "author_id", "date", "health", "narrative", "created_at", "updated_at"],
            (
                (row[0], row[9], row[14] + dt.timedelta(days=14 * (k + 1)), row[13], "On plan.", now, now)
                for row in initiatives
                for k in range(3)
            ),
        )
        stage_order = ["plan", "do", "check", "act"]
        copy(
            "improvement_stagetransition",
            [
                "initiative_id",
                "cycle",
                "from_stage",
                "to_stage",
                "actor_id",
                "note",
                "reason",
                "override_reason",
                "gate_passed",
                "gate_result",
                "decision",
                "created_at",
            ],
            (
                (row[0], 1, stage_order[k], stage_order[k + 1], row[9], "", "", "", True, Jsonb([]), "", now)
                for row in initiatives
                for k in range(stage_order.index(row[16]))
            ),
        )
        t = lap("targets, money, updates, transitions", t)

        # --- experiments --------------------------------------------------------------------------------
        experiment_rows, variant_rows, data_rows = [], [], []
        variant_id = 0
        for pk in range(1, size.experiments + 1):
            initiative = initiatives[rnd.randrange(len(initiatives))]
            concluded = pk % 3 == 0
            metric = "proportion" if pk % 2 else "mean"
            experiment_rows.append(
                (
                    pk,
                    initiative[0],
                    f"Experiment {pk}",
                    "",
                    kpis[pk % len(kpis)].pk,
                    metric,
                    0.05,
                    0.8,
                    0.05,
                    "relative",
                    "concluded" if concluded else "running",
                    "ship" if concluded else "",
                    "",
                    now,
                    now if concluded else None,
                    now if concluded else None,
                    1,
                    now,
                    now,
                )
            )
            for k in range(rnd.choice([2, 2, 3])):
                variant_id += 1
                variant_rows.append(
                    (variant_id, pk, "control" if k == 0 else f"treatment-{k}", "", 1.0, k == 0, now, now)
                )
                users = rnd.randint(1_000, 50_000)
                if metric == "proportion":
                    data_rows.append((variant_id, users, int(users * rnd.uniform(0.05, 0.2)), 0.0, 0.0, now))
                else:
                    mean = rnd.uniform(5, 10)
                    data_rows.append((variant_id, users, 0, users * mean, users * (mean * mean + 4), now))
        bench_experiment = size.experiments + 1
        lead_initiative = next(row for row in initiatives if row[8] == 1 and row[17] == "active")
        experiment_rows.append(
            (
                bench_experiment,
                lead_initiative[0],
                BENCH_EXPERIMENT_NAME,
                "",
                kpis[0].pk,
                "mean",
                0.05,
                0.8,
                0.02,
                "relative",
                "running",
                "",
                "",
                now,
                None,
                None,
                1,
                now,
                now,
            )
        )
        variant_rows += [
            (variant_id + 1, bench_experiment, "control", "Control", 1.0, True, now, now),
            (variant_id + 2, bench_experiment, "treatment", "Treatment", 1.0, False, now, now),
        ]
        copy(
            "improvement_experiment",
            [
                "id",
                "initiative_id",
                "name",
                "hypothesis",
                "primary_kpi_id",
                "metric_type",
                "alpha",
                "power",
                "mde",
                "mde_type",
                "status",
                "decision",
                "decision_note",
                "started_at",
                "stopped_at",
                "concluded_at",
                "version",
                "created_at",
                "updated_at",
            ],
            experiment_rows,
        )
        copy(
            "improvement_variant",
            ["id", "experiment_id", "key", "name", "weight", "is_control", "created_at", "updated_at"],
            variant_rows,
        )
        copy(
            "improvement_variantdata",
            ["variant_id", "users", "conversions", "sum", "sum_squares", "updated_at"],
            data_rows,
        )
        t = lap("experiments", t)

        with connection.cursor() as cursor:
            for table in (
                "accounts_team",
                "accounts_user",
                "improvement_initiative",
                "improvement_experiment",
                "improvement_variant",
            ):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    lap("vacuum analyze", t)
    total = round(time.perf_counter() - started, 2)
    log(f"  seeded {size.name} in {total} s")
    return {
        "size": size.name,
        "seconds": total,
        "steps": timings,
        "rows": copy.counts,
        "bench_experiment_id": bench_experiment,
        "lead_initiative_id": lead_initiative[0],
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
