"""Each target's kept progress equals its live progress after every write, and the dashboard's KPI
counts and worst-first rows read from it equal the live computation's."""

import datetime as dt
import random
from collections import Counter

import pytest
from django.core.management import call_command

from improvement.models import Initiative, KpiTarget, KpiTargetProgress, Status
from improvement.progress import kpi_state
from improvement.selectors.targets import target_progress_list
from improvement.services import targets
from kpis.models import Measurement
from kpis.services import measurement_record, measurement_upsert_many
from kpis.signals import measurements_written
from tests.factories import InitiativeFactory, KpiFactory, MeasurementFactory, TeamFactory

DASHBOARD = "/dashboard/"


def _live() -> dict[int, float | None]:
    return dict(target_progress_list(initiatives=Initiative.objects.all()))


def _kept() -> dict[int, float | None]:
    return dict(KpiTargetProgress.objects.filter(target__archived_at=None).values_list("target", "progress"))


def test_the_kept_progress_follows_every_write_of_a_target_or_its_series(
    lead, admin, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory(lead=lead)
    kpi, other = KpiFactory(direction="higher"), KpiFactory(direction="lower")
    north = targets.kpi_target_create(
        actor=lead, initiative=initiative, kpi=kpi, baseline_value=10, target_value=20, segment="north"
    )
    whole = targets.kpi_target_create(
        actor=lead, initiative=initiative, kpi=kpi, baseline_value=10, target_value=30
    )
    # A target equal to its baseline (older rows; the form refuses it): no progress.
    flat = KpiTarget.objects.create(initiative=initiative, kpi=other, baseline_value=5, target_value=5)
    assert _kept() == _live() == {north.pk: None, whole.pk: None, flat.pk: None}

    today = dt.date.today()
    with django_capture_on_commit_callbacks(execute=True):
        measurement_record(
            actor=admin, kpi=kpi, period=today - dt.timedelta(days=2), value=14, segment="north"
        )
    assert _kept() == _live() and _kept()[north.pk] == pytest.approx(0.4)
    assert _kept()[whole.pk] is None  # another segment's series

    with django_capture_on_commit_callbacks(execute=True):  # older than the latest: nothing moves
        measurement_record(
            actor=admin, kpi=kpi, period=today - dt.timedelta(days=30), value=99, segment="north"
        )
    assert _kept()[north.pk] == pytest.approx(0.4)

    with django_capture_on_commit_callbacks(execute=True):  # a batch, through the outbox
        measurement_upsert_many(
            actor=admin,
            rows=[
                {"kpi": kpi, "segment": "north", "period": today - dt.timedelta(days=1), "value": 25},
                {"kpi": kpi, "segment": "", "period": today - dt.timedelta(days=1), "value": 16},
                {"kpi": other, "segment": "", "period": today - dt.timedelta(days=1), "value": 4},
            ],
        )
    assert _kept() == _live()
    assert (_kept()[north.pk], _kept()[whole.pk], _kept()[flat.pk]) == (
        pytest.approx(1.5),
        pytest.approx(0.3),
        None,
    )

    targets.kpi_target_update(actor=lead, target=whole, target_value=13)
    assert _kept() == _live() and _kept()[whole.pk] == pytest.approx(2.0)

    latest = Measurement.objects.get(kpi=kpi, segment="north", period=today - dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):  # as the admin deletes one
        latest.delete()
        measurements_written.send(Measurement, periods={(kpi.pk, "north"): latest.period})
    assert _kept() == _live() and _kept()[north.pk] == pytest.approx(0.4)

    KpiTargetProgress.objects.all().delete()  # rows written past the models: the command writes them
    call_command("rebuild_money_summaries", verbosity=0)
    assert _kept() == _live() and len(_kept()) == 3


def _portfolio(rng: random.Random, executive_team) -> None:
    kpis = [KpiFactory() for _ in range(3)]
    today = dt.date.today()
    for kpi in kpis:
        for segment in ("", "east"):
            if rng.random() < 0.8:
                MeasurementFactory(
                    kpi=kpi, segment=segment, period=today - dt.timedelta(days=1), value=rng.randint(0, 10)
                )
    initiatives = [
        InitiativeFactory(
            team=executive_team if n % 3 else TeamFactory(),
            status=rng.choice([Status.ACTIVE, Status.ACTIVE, Status.ON_HOLD, Status.ABANDONED]),
        )
        for n in range(12)
    ]
    # Targets written in another order than their initiatives': ties are broken by the target's id.
    rng.shuffle(initiatives)
    for initiative in initiatives:
        for kpi in rng.sample(kpis, rng.randint(0, 3)):
            # Small integers: many ties of progress, broken by id.
            baseline = rng.randint(0, 5)
            KpiTarget.objects.create(
                initiative=initiative,
                kpi=kpi,
                segment=rng.choice(["", "east"]),
                baseline_value=baseline,
                target_value=rng.choice([baseline, baseline + rng.randint(1, 5)]),
            )


@pytest.mark.parametrize("seed", range(4))
def test_the_dashboards_kpi_counts_and_rows_equal_the_live_computation(
    client, executive, team, seed, monkeypatch
):
    _portfolio(random.Random(seed), team)
    active = Initiative.objects.active().filter(status=Status.ACTIVE)
    client.force_login(executive)

    def not_live(**kwargs):
        raise AssertionError("the executive's dashboard reads the kept progress")

    # The page reads the kept values; the live computation below is the reference.
    monkeypatch.setattr("improvement.views.dashboard.target_progress_list", not_live)

    for query, scope in (({}, active), ({"team": team.pk}, active.filter(team=team))):
        live = target_progress_list(initiatives=scope)
        context = client.get(DASHBOARD, {**query, "targets_page": 1}).context

        assert context["kpi_total"] == len(live)
        counts = Counter(kpi_state(value) for _, value in live)
        assert {key: n for key, _, n in context["kpi_states"]} == {
            key: counts.get(key, 0) for key in ("met", "improving", "off", "no_data")
        }
        assert [row.target.pk for row in context["kpi_rows"]] == [pk for pk, _ in live][:50]
