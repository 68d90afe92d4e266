"""Guardrails analysed like the primary KPI, and the decision the read-out carries (ship, roll back,
keep running, inconclusive) with its reasons and days left."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from improvement import decision as rule
from improvement import selectors
from improvement.models import Experiment
from improvement.services import experiment_data as data
from improvement.services import experiment_guardrails as guard
from improvement.services import experiments as ex
from kpis.models import Kpi
from tests.improvement.conftest import make

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarded(initiative, lead, fcr, aht):
    experiment = make(initiative, lead, fcr, mde=0.1, guardrail_kpis=[aht])
    guard.experiment_guardrail_set(
        actor=lead, experiment=experiment, kpi=aht, metric_type="mean", tolerance=0.05
    )
    experiment = ex.experiment_start(actor=lead, experiment=experiment)
    # Ten days of data so far.
    Experiment.objects.filter(pk=experiment.pk).update(started_at=timezone.now() - dt.timedelta(days=10))
    experiment.refresh_from_db()
    return experiment


def primary(experiment, lead, control, treatment, users=20_000):
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": "control", "users": users, "conversions": control},
            {"variant": "callback", "users": users, "conversions": treatment},
        ],
    )


def handle_time(experiment, lead, aht, control_mean, treatment_mean, users=20_000, sd=60.0):
    guard.experiment_guardrail_data_replace(
        actor=lead,
        experiment=experiment,
        kpi=aht,
        rows=[
            {"variant": "control", "users": users, "mean": control_mean, "sd": sd},
            {"variant": "callback", "users": users, "mean": treatment_mean, "sd": sd},
        ],
    )


def test_a_guardrail_is_analysed_like_the_primary_kpi(guarded, lead, aht):
    primary(guarded, lead, 2_000, 2_600)
    handle_time(guarded, lead, aht, 300.0, 301.0)

    results = selectors.experiment_results(experiment=guarded)

    (guardrail,) = results["guardrails"]
    assert (guardrail["kpi"], guardrail["metric"], guardrail["tolerance"]) == (aht.code, "mean", 0.05)
    comparison = guardrail["results"]["comparisons"][0]
    assert comparison["absolute_effect"] == pytest.approx(1.0)
    assert comparison["test"] == "welch_t" and comparison["absolute_ci"][0] < 1 < comparison["absolute_ci"][1]
    assert results["guardrail_status"] == [
        {"kpi": aht.code, "variant": "callback", "status": "within_tolerance"}
    ]


def test_better_powered_and_guardrails_within_tolerance_ships(guarded, lead, aht):
    primary(guarded, lead, 2_000, 2_600)
    handle_time(guarded, lead, aht, 300.0, 301.0)

    results = selectors.experiment_results(experiment=guarded)

    assert (results["decision"], results["variant"], results["days_left"]) == ("ship", "callback", 0)
    assert results["reasons"][0] == "Ship Offer a callback."
    assert any("within its tolerance of 5.0 %" in reason for reason in results["reasons"])


def test_a_guardrail_worse_beyond_its_tolerance_rolls_back(guarded, lead, aht):
    primary(guarded, lead, 2_000, 2_600)
    # Handle time is lower-is-better: +10 % is a clear breach of the 5 % tolerance.
    handle_time(guarded, lead, aht, 300.0, 330.0)

    results = selectors.experiment_results(experiment=guarded)

    assert results["decision"] == "roll_back"
    assert any(
        "makes guardrail" in reason and "beyond its tolerance" in reason for reason in results["reasons"]
    )


def test_too_few_users_keeps_running_with_days_left_at_the_observed_pace(guarded, lead, aht):
    primary(guarded, lead, 100, 110, users=1_000)
    handle_time(guarded, lead, aht, 300.0, 300.0, users=1_000)

    results = selectors.experiment_results(experiment=guarded)

    needed = results["comparisons"][0]["required_users_per_arm"]
    missing = max(needed.values()) - 1_000
    assert results["decision"] == "keep_running"
    # 1,000 users per arm in 10 days: 100 a day.
    assert results["days_left"] == pytest.approx(missing / 100, abs=1)
    assert results["days_left_reason"] is None


def test_a_guardrail_without_data_blocks_shipping(guarded, lead):
    primary(guarded, lead, 2_000, 2_600)

    results = selectors.experiment_results(experiment=guarded)

    assert results["decision"] == "keep_running"
    assert any("enter its data" in reason for reason in results["reasons"])


def test_a_sample_ratio_mismatch_is_inconclusive(guarded, lead, aht):
    data.experiment_data_replace(
        actor=lead,
        experiment=guarded,
        rows=[
            {"variant": "control", "users": 20_000, "conversions": 2_000},
            {"variant": "callback", "users": 15_000, "conversions": 2_600},
        ],
    )
    handle_time(guarded, lead, aht, 300.0, 301.0)

    results = selectors.experiment_results(experiment=guarded)

    assert results["decision"] == "inconclusive"
    assert "sample-ratio mismatch" in results["reasons"][1]


def test_days_left_is_null_with_a_reason_without_an_mde(initiative, lead, fcr):
    experiment = ex.experiment_start(actor=lead, experiment=make(initiative, lead, fcr))
    primary(experiment, lead, 100, 110, users=1_000)

    results = selectors.experiment_results(experiment=experiment)

    assert results["days_left"] is None
    assert results["days_left_reason"] == rule.DL_NO_MDE


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"tolerance": -0.1}, "tolerance"),
        ({"tolerance": float("inf")}, "tolerance"),
        ({"tolerance": "a lot"}, "tolerance"),
        ({"metric_type": "median"}, "metric_type"),
    ],
)
def test_guardrail_settings_refuse_bad_values_per_field(guarded, lead, aht, fields, field):
    with pytest.raises(ValidationError) as refused:
        guard.experiment_guardrail_set(actor=lead, experiment=guarded, kpi=aht, **fields)
    assert list(refused.value.message_dict) == [field]


def test_guardrail_data_for_a_kpi_that_is_not_a_guardrail_is_refused(guarded, lead, fcr):
    with pytest.raises(ValidationError) as refused:
        guard.experiment_guardrail_data_replace(
            actor=lead,
            experiment=guarded,
            kpi=fcr,
            rows=[{"variant": "control", "users": 1, "sum": 1, "sum_squares": 1}],
        )
    assert list(refused.value.message_dict) == ["kpi"]


def test_guardrail_data_rows_are_checked_like_the_primary_data(guarded, lead, aht):
    with pytest.raises(ValidationError) as refused:
        guard.experiment_guardrail_data_replace(
            actor=lead, experiment=guarded, kpi=aht, rows=[{"variant": "nope", "users": 5, "conversions": 1}]
        )
    assert set(refused.value.message_dict) == {
        "rows[0].variant",
        "rows[0].conversions",
        "rows[0].sum",
        "rows[0].sum_squares",
    }


@pytest.mark.parametrize(
    ("interval", "effect", "higher", "status"),
    [
        ([-0.10, -0.06], -0.08, True, rule.BREACHED),  # worse, beyond 5 %
        ([-0.06, -0.01], -0.035, True, rule.WITHIN),  # worse, but within 5 %
        ([-0.08, 0.02], -0.03, True, rule.WITHIN),  # not significantly worse
        ([0.06, 0.10], 0.08, False, rule.BREACHED),  # lower is better: up 8 % is worse
        (None, None, True, rule.UNKNOWN),
    ],
)
def test_guardrail_status(interval, effect, higher, status):
    comparison = {"relative_ci": interval, "relative_effect": effect}
    assert rule.guardrail_status(comparison, higher_is_better=higher, tolerance=0.05) == status


def test_the_read_out_costs_the_same_queries_however_many_guardrails(initiative, lead, fcr, aht):
    def queries(guardrails):
        experiment = make(
            initiative, lead, fcr, name=f"{len(guardrails)} guardrails", guardrail_kpis=guardrails
        )
        experiment = Experiment.objects.select_related("primary_kpi").get(pk=experiment.pk)
        with CaptureQueriesContext(connection) as captured:
            selectors.experiment_results(experiment=experiment)
        return len(captured)

    others = list(Kpi.objects.exclude(pk__in=[fcr.pk, aht.pk])[:3])
    # The sixth reads the segment totals (results by segment), one query however many segments; the
    # seventh the site values of a controlled before/after.
    assert queries([aht]) == queries([aht, *others]) == 7


def readout(*, effect, significant, required=None, users=1_000, warnings=()):
    """A two-arm primary read-out as the selector returns it, reduced to what the rule reads."""
    return {
        "control": "a",
        "srm": {"detected": False},
        "warnings": list(warnings),
        "variants": [{"key": "a", "name": "A", "users": users}, {"key": "b", "name": "B", "users": users}],
        "comparisons": [
            {
                "variant": "b",
                "absolute_effect": effect,
                "relative_effect": effect * 10,
                "significant": significant,
                "p_value_holm": 0.001 if significant else 0.5,
                "power_at_mde": 0.9,
                "required_users_per_arm": required,
            }
        ],
    }


def decide(primary, *, stopped=False, higher=True, elapsed=10.0):
    return rule.experiment_decision(
        primary=primary,
        kpi="FCR",
        higher_is_better=higher,
        guardrails=[],
        target_power=0.8,
        elapsed_days=elapsed,
        stopped=stopped,
    )


@pytest.mark.parametrize(
    ("primary", "higher", "stopped", "expected"),
    [
        # Better and powered: ship; better without an MDE: ship (the reasons say power is unknown).
        (readout(effect=0.02, significant=True, required={"a": 500, "b": 500}), True, False, rule.SHIP),
        (
            readout(effect=0.02, significant=True, warnings=["No minimum detectable effect is set"]),
            True,
            False,
            rule.SHIP,
        ),
        # A significant gain in a lower-is-better KPI is harm: roll back.
        (readout(effect=0.02, significant=True, required={"a": 500, "b": 500}), False, False, rule.ROLL_BACK),
        # Better but under-powered: keep running; the same once stopped: inconclusive.
        (
            readout(effect=0.02, significant=True, required={"a": 5_000, "b": 5_000}),
            True,
            False,
            rule.KEEP_RUNNING,
        ),
        (
            readout(effect=0.02, significant=True, required={"a": 5_000, "b": 5_000}),
            True,
            True,
            rule.INCONCLUSIVE,
        ),
        # No difference with enough users: inconclusive.
        (
            readout(effect=0.001, significant=False, required={"a": 500, "b": 500}),
            True,
            False,
            rule.INCONCLUSIVE,
        ),
    ],
)
def test_the_decision_table(primary, higher, stopped, expected):
    assert decide(primary, higher=higher, stopped=stopped).decision == expected


def test_days_left_follows_each_arms_pace_and_is_null_before_the_start():
    primary = readout(effect=0.02, significant=False, required={"a": 3_000, "b": 3_000}, users=1_000)
    # 1,000 users in 10 days: 100 a day, 2,000 more → 20 days.
    assert rule.days_left(primary, elapsed_days=10.0) == (20, None)
    assert rule.days_left(primary, elapsed_days=None) == (None, rule.DL_NOT_STARTED)
    # Less than a day counts as one day.
    assert rule.days_left(primary, elapsed_days=0.01) == (2, None)


def test_a_sequential_experiment_decides_on_its_always_valid_p_values(guarded, lead, aht):
    # 10.0 % against 10.75 %: significant at a fixed horizon (z ≈ 2.5), not within the wider
    # always-valid interval a daily look needs.
    primary(guarded, lead, 2_000, 2_150)
    handle_time(guarded, lead, aht, 300.0, 301.0)
    fixed = selectors.experiment_results(experiment=guarded)
    assert fixed["decision"] == "ship"

    Experiment.objects.filter(pk=guarded.pk).update(sequential=True)
    guarded.refresh_from_db()
    looked = selectors.experiment_results(experiment=guarded)

    (comparison,) = looked["comparisons"]
    assert comparison["p_value_holm"] < 0.05 < comparison["sequential_p_value"]
    assert looked["decision"] != "ship"
    assert any("shows no significant difference" in reason for reason in looked["reasons"])

    primary(guarded, lead, 2_000, 2_600)
    clear = selectors.experiment_results(experiment=guarded)
    assert clear["decision"] == "ship"
    assert any("always-valid p" in reason for reason in clear["reasons"])
