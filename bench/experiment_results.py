"""Results of a wide experiment: 10 variants × (primary + 5 guardrails) × 365 days of data.

``seed_wide_experiment`` builds it through the services on whatever database is active (a test
database); ``time_results`` times ``selectors.experiment_results`` (the read-out with guardrails,
omnibus and decision) interleaved with the primary KPI's read-out alone, in wall and CPU time.
"""

import datetime as dt
import statistics
import time

import numpy as np
from django.utils import timezone

from improvement import selectors
from improvement.models import Experiment, GuardrailData, Variant, VariantData
from improvement.services import experiment_guardrails as guard
from improvement.services import experiments as ex
from kpis.models import Kpi
from kpis.stats.aggregates import ProportionAggregate
from kpis.stats.experiments import analyze_experiment

VARIANTS = 10
GUARDRAILS = 5
DAYS = 365


def seed_wide_experiment(*, actor, initiative) -> Experiment:
    kpis = list(Kpi.objects.order_by("code")[: GUARDRAILS + 1])
    variants = [{"key": "control", "is_control": True}] + [{"key": f"v{i}"} for i in range(1, VARIANTS)]
    experiment = ex.experiment_create(
        actor=actor,
        initiative=initiative,
        name="Wide",
        primary_kpi=kpis[0],
        variants=variants,
        mde=0.05,
        guardrail_kpis=kpis[1:],
    )
    experiment = ex.experiment_start(actor=actor, experiment=experiment)
    rng = np.random.default_rng(3)
    start = timezone.localdate() - dt.timedelta(days=DAYS)
    arms = list(Variant.objects.filter(experiment=experiment))
    rows = []
    for arm in arms:
        for day in range(DAYS):
            users = int(rng.integers(80, 120))
            rows.append(
                VariantData(
                    variant=arm,
                    day=start + dt.timedelta(days=day),
                    users=users,
                    conversions=int(rng.binomial(users, 0.1)),
                )
            )
    VariantData.objects.bulk_create(rows)
    guard_rows = []
    for kpi in kpis[1:]:
        guardrail = guard.experiment_guardrail_set(
            actor=actor, experiment=experiment, kpi=kpi, metric_type="mean", tolerance=0.02
        )
        for arm in arms:
            for day in range(DAYS):
                users = int(rng.integers(80, 120))
                values = rng.normal(300.0, 60.0, users)
                guard_rows.append(
                    GuardrailData(
                        guardrail=guardrail,
                        variant=arm,
                        day=start + dt.timedelta(days=day),
                        users=users,
                        sum=float(values.sum()),
                        sum_squares=float((values * values).sum()),
                    )
                )
    GuardrailData.objects.bulk_create(guard_rows, batch_size=5_000)
    return experiment


def _primary_only(experiment: Experiment) -> dict:
    variants = list(experiment.variants.all())
    aggregates = selectors.experiment_aggregates(experiment=experiment, variants=variants)
    return analyze_experiment(
        metric=experiment.metric_type,
        control="control",
        aggregates={k: ProportionAggregate(a.users, a.conversions) for k, a in aggregates.items()},
        weights={v.key: v.weight for v in variants},
        alpha=experiment.alpha,
        power=experiment.power,
        mde=experiment.mde,
    ).as_dict()


def time_results(experiment: Experiment, *, rounds: int = 30, warmup: int = 3) -> dict:
    """Median and p95 (ms), wall and CPU, of the full read-out and of the primary-only baseline."""
    experiment = Experiment.objects.select_related("primary_kpi").get(pk=experiment.pk)
    cases = {"results": lambda: selectors.experiment_results(experiment=experiment), "primary": None}
    cases["primary"] = lambda: _primary_only(experiment)
    for _ in range(warmup):
        for fn in cases.values():
            fn()
    times: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times[name]["wall"].append((time.perf_counter() - wall) * 1000)
            times[name]["cpu"].append((time.process_time() - cpu) * 1000)
    summary = {}
    for name, kinds in times.items():
        for kind, values in kinds.items():
            ordered = sorted(values)
            summary[f"{name}_{kind}_median_ms"] = round(statistics.median(values), 2)
            summary[f"{name}_{kind}_p95_ms"] = round(ordered[round(0.95 * (len(ordered) - 1))], 2)
    summary["rounds"] = rounds
    return summary
