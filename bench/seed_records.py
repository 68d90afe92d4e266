"""Seed what the initiatives record: KPI measurements, targets, money, status updates, stage moves
and experiments.

Each step writes through ``copy`` (``bench.seed.Copier``) and draws from the run's one ``rnd`` in a
fixed order, so a seed always writes the same data.
"""

import datetime as dt
import math

from psycopg.types.json import Jsonb

from bench.sizes import BENCH_EXPERIMENT_NAME, SEGMENTS, Size


def _typical(kpi) -> float:
    """A plausible level for the KPI's series, inside its range."""
    low = kpi.min_value if kpi.min_value is not None else 0.0
    high = kpi.max_value if kpi.max_value is not None else 100.0
    return low + (high - low) * 0.6


def seed_measurements(copy, *, size: Size, rnd, now, today, kpis: list) -> list[tuple]:
    """Daily series of every KPI × segment ending yesterday, ``size.measurements`` values in all;
    the (kpi, segment) series."""
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
    return series


def _first_version(rows):
    """Rows with ``version`` 1 appended: the optimistic-locking counter of a row never edited."""
    return ((*row, 1) for row in rows)


def seed_initiative_records(copy, *, rnd, now, initiatives: list[dict], series: list[tuple]) -> None:
    """Each initiative's targets (one or two series), costs, a benefit, status updates and the stage
    moves that brought it to its stage."""

    def targets():
        for row in initiatives:
            pk = row["id"]
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
            "version",
        ],
        _first_version(targets()),
    )
    copy(
        "improvement_cost",
        [
            "initiative_id",
            "kind",
            "description",
            "amount",
            "start_month",
            "created_at",
            "updated_at",
            "version",
        ],
        _first_version(
            line
            for row in initiatives
            for line in (
                (row["id"], "one_time", "Set-up", rnd.randint(5, 50) * 1000, 1, now, now),
                (row["id"], "recurring", "Licences", rnd.randint(2, 20) * 100, 2, now, now),
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
            "version",
        ],
        _first_version(
            (
                row["id"],
                "cost_saving",
                "hard",
                "Fewer repeat contacts",
                rnd.randint(1, 30) * 100,
                3,
                row["id"] % 2 == 0,
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
            (
                row["id"],
                row["lead_id"],
                row["start_date"] + dt.timedelta(days=14 * (k + 1)),
                row["health"],
                "On plan.",
                now,
                now,
            )
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
            (
                row["id"],
                1,
                stage_order[k],
                stage_order[k + 1],
                row["lead_id"],
                "",
                "",
                "",
                True,
                Jsonb([]),
                "",
                now,
            )
            for row in initiatives
            for k in range(stage_order.index(row["stage"]))
        ),
    )


def seed_experiments(copy, *, size: Size, rnd, now, initiatives: list[dict], kpis: list) -> tuple[int, dict]:
    """``size.experiments`` experiments with their variants' totals, and the bench's own running
    experiment (on an active initiative of the bench lead's team) that receives the CSV upload.
    Returns that experiment's id and its initiative."""
    experiment_rows, variant_rows, data_rows = [], [], []
    variant_id = 0
    for pk in range(1, size.experiments + 1):
        initiative = initiatives[rnd.randrange(len(initiatives))]
        concluded = pk % 3 == 0
        metric = "proportion" if pk % 2 else "mean"
        experiment_rows.append(
            (
                pk,
                initiative["id"],
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
    lead_initiative = next(row for row in initiatives if row["team_id"] == 1 and row["status"] == "active")
    experiment_rows.append(
        (
            bench_experiment,
            lead_initiative["id"],
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
    return bench_experiment, lead_initiative
