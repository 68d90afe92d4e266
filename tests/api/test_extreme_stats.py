"""Experiment data and plans at the limits of floating point: a 400 with the bound, or a read-out
whose undefined numbers are null with a warning — never a 500, never a silently wrong answer."""

import pytest

from improvement.models import Variant, VariantData
from improvement.selectors.experiments import W_STORED_TOTALS
from improvement.services import experiments as ex
from improvement.services.experiment_data import MAX_COUNT, MSG_COUNT_TOO_BIG
from improvement.services.experiment_totals import MSG_TOTALS_OUT_OF_RANGE
from kpis.services import MSG_VALUE_TOO_LARGE as MSG_MEASUREMENT_TOO_LARGE
from kpis.stats import aggregates as agg
from kpis.stats import power as pw
from kpis.stats.common import MSG_WEIGHT_RATIO
from kpis.stats.experiments import W_SRM_UNDEFINED
from kpis.stats.spc import W_LIMITS_UNDEFINED
from tests.api.conftest import AB, URL, url
from tests.factories import MeasurementFactory

pytestmark = pytest.mark.django_db
PLAN = URL + "sample-size/"


@pytest.fixture
def running_mean(initiative, lead, aht):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Shorter script",
        primary_kpi=aht,
        metric_type="mean",
        variants=AB,
        mde=0.1,
    )
    return ex.experiment_start(actor=lead, experiment=experiment)


def mean_row(variant, *, users=100, total=1e200, squares=1.7e308, day=None):
    row = {"variant": variant, "users": users, "sum": total, "sum_squares": squares}
    return {**row, "day": day} if day else row


def test_a_mean_row_summing_to_1e200_is_refused_not_reported_significant(api, lead, running_mean):
    response = api(lead).post(
        url(running_mean, "data"), {"rows": [mean_row("control"), mean_row("callback")]}, format="json"
    )

    assert response.status_code == 400
    message = agg.MSG_TOTAL_TOO_LARGE.format(name="sum", limit=agg.MAX_ABS_SUM, value=1e200)
    squares = agg.MSG_SQUARES_TOO_LARGE.format(name="sum_squares", limit=agg.MAX_SUM_SQUARES, value=1.7e308)
    assert response.json()["fields"] == {
        "rows[0].sum": [message],
        "rows[0].sum_squares": [squares],
        "rows[1].sum": [message],
        "rows[1].sum_squares": [squares],
    }
    assert not VariantData.objects.exists()


def test_days_that_add_up_past_the_bounds_are_refused_and_results_still_answer(api, lead, running_mean):
    client = api(lead)
    day = {"total": 1e119, "squares": 6e239}
    rows = [
        mean_row("control", day="2026-03-01", **day),
        mean_row("control", day="2026-03-02", **day),
        mean_row("callback", users=100, total=5.0, squares=30.0),
    ]

    response = client.post(url(running_mean, "data"), {"rows": rows}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["rows"]
    assert not VariantData.objects.exists()
    assert client.get(url(running_mean, "results")).status_code == 200


def test_stored_totals_past_the_bounds_give_a_warned_result_not_a_500(api, lead, running_mean):
    control, callback = Variant.objects.filter(experiment=running_mean).order_by("-is_control")
    VariantData.objects.create(variant=control, day=None, users=100, sum=1e200, sum_squares=1.7e308)
    VariantData.objects.create(variant=callback, day=None, users=100, sum=500.0, sum_squares=3000.0)

    response = api(lead).get(url(running_mean, "results"))

    assert response.status_code == 200
    body = response.json()
    assert body["warnings"][0].startswith(W_STORED_TOTALS.split("'s")[0].format(variant="control"))
    assert body["comparisons"][0]["p_value"] is None
    assert body["comparisons"][0]["significant"] is None


@pytest.mark.parametrize("value", [1.34e154, 1e101, -1e300])
def test_an_observation_beyond_1e100_is_refused(api, lead, running_mean, value):
    rows = [{"variant": "control", "value": value}, {"variant": "callback", "value": 1.0}]

    response = api(lead).post(url(running_mean, "observations"), {"rows": rows}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"observations": [agg.MSG_VALUE_TOO_LARGE.format(row=0, value=value)]}
    assert not VariantData.objects.exists()


def test_observations_that_add_up_past_the_largest_count_in_add_mode_are_refused(api, lead, running_mean):
    client = api(lead)
    one_each = [{"variant": "control", "value": 2.0}, {"variant": "callback", "value": 3.0}]
    assert (
        client.post(url(running_mean, "observations"), {"rows": one_each}, format="json").status_code == 200
    )
    VariantData.objects.update(users=MAX_COUNT)

    response = client.post(
        url(running_mean, "observations") + "?mode=add", {"rows": one_each, "mode": "add"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "observations": [
            MSG_TOTALS_OUT_OF_RANGE.format(
                key="callback", error=MSG_COUNT_TOO_BIG.format(field="users", limit=MAX_COUNT)
            )
        ]
    }
    assert set(VariantData.objects.values_list("users", flat=True)) == {MAX_COUNT}


def test_days_past_the_largest_count_are_refused(api, lead, running):
    rows = [
        {"variant": "control", "users": MAX_COUNT, "conversions": 1, "day": f"2026-03-0{day}"}
        for day in (1, 2)
    ]

    response = api(lead).post(url(running, "data"), {"rows": rows}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["rows"]
    assert not VariantData.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"baseline": 0.1, "mde": 1e-12, "daily_users": 1000},
        {"baseline": 0.5, "mde": 1e-9, "mde_type": "absolute", "daily_users": 1000},
        {"metric_type": "mean", "baseline": 100, "mde": 0.1, "sd": 1e300, "daily_users": 1000},
        {"metric_type": "mean", "baseline": 100, "mde": 0.1, "sd": 1e160, "daily_users": 1000},
    ],
)
def test_a_plan_needing_more_users_than_can_be_run_is_a_400(api, lead, body):
    response = api(lead).post(PLAN, body, format="json")

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [pw.MSG_TOO_MANY_USERS.format(limit=pw.MAX_USERS_PER_ARM)]


def test_a_plan_at_a_trickle_of_traffic_is_a_400(api, lead):
    response = api(lead).post(PLAN, {"baseline": 0.1, "mde": 0.1, "daily_users": 1e-300}, format="json")

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [pw.MSG_TOO_MANY_DAYS.format(limit=pw.MAX_DAYS)]


def test_a_relative_mde_that_underflows_on_a_tiny_baseline_is_a_400(api, lead):
    body = {"metric_type": "mean", "baseline": 5e-324, "sd": 1, "mde": 0.1, "daily_users": 100}
    response = api(lead).post(PLAN, body, format="json")

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [pw.MSG_MDE_UNDERFLOW.format(mde=0.1, baseline=5e-324)]


@pytest.mark.parametrize(
    ("sd", "mde", "name", "value"), [(5e-324, 1.0, "sd", 5e-324), (1.0, 1e-310, "mde", 1e-310)]
)
def test_a_subnormal_sd_or_mde_is_a_400_not_a_silently_inexact_plan(api, lead, sd, mde, name, value):
    body = {
        "metric_type": "mean",
        "baseline": 5,
        "sd": sd,
        "mde": mde,
        "mde_type": "absolute",
        "daily_users": 100,
    }
    response = api(lead).post(PLAN, body, format="json")

    assert response.status_code == 400
    message = pw.MSG_TOO_SMALL.format(name=name, value=value, smallest=pw.SMALLEST)
    assert response.json()["non_field_errors"] == [message]


@pytest.mark.parametrize("weights", [[1e-320, 1e308], [1, 1e7], [1e308, 1e308, 1e-300]])
def test_planner_weights_spread_beyond_a_million_are_a_400(api, lead, weights):
    response = api(lead).post(
        PLAN, {"baseline": 0.1, "mde": 0.1, "daily_users": 1000, "weights": weights}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [MSG_WEIGHT_RATIO]


def test_an_experiment_with_weights_spread_beyond_a_million_is_a_400(api, lead, initiative):
    variants = [{"key": "control", "is_control": True, "weight": 1e-320}, {"key": "b", "weight": 1e308}]
    response = api(lead).post(
        URL,
        {"initiative": initiative.pk, "name": "Uneven", "primary_kpi": "fcr_rate", "variants": variants},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"variants": [MSG_WEIGHT_RATIO]}


def test_a_tiny_mde_and_stored_extreme_weights_give_warnings_not_a_500(api, lead, running):
    Variant.objects.filter(experiment=running, is_control=True).update(weight=1e-320)
    Variant.objects.filter(experiment=running, is_control=False).update(weight=1e308)
    type(running).objects.filter(pk=running.pk).update(mde=1e-12)
    client = api(lead)
    rows = [
        {"variant": "control", "users": 1000, "conversions": 100},
        {"variant": "callback", "users": 1000, "conversions": 120},
    ]
    assert client.post(url(running, "data"), {"rows": rows}, format="json").status_code == 200

    response = client.get(url(running, "results"))

    assert response.status_code == 200
    body = response.json()
    assert body["srm"] == {"chi_square": None, "p_value": None, "detected": None}
    assert W_SRM_UNDEFINED in body["warnings"]
    comparison = body["comparisons"][0]
    assert comparison["required_users_per_arm"] is None
    assert any(MSG_WEIGHT_RATIO in warning for warning in comparison["warnings"])


def test_a_tiny_mde_leaves_required_users_null_with_a_warning(api, lead, running):
    type(running).objects.filter(pk=running.pk).update(mde=1e-12)
    client = api(lead)
    rows = [
        {"variant": "control", "users": 1000, "conversions": 100},
        {"variant": "callback", "users": 1000, "conversions": 120},
    ]
    client.post(url(running, "data"), {"rows": rows}, format="json")

    response = client.get(url(running, "results"))

    assert response.status_code == 200
    comparison = response.json()["comparisons"][0]
    assert comparison["required_users_per_arm"] is None
    assert any(pw.MSG_TOO_MANY_USERS.format(limit=pw.MAX_USERS_PER_ARM) in w for w in comparison["warnings"])


def test_a_control_chart_of_values_near_the_float_limit_has_null_limits_and_a_warning(api, lead, aht):
    for day, value in ((1, 1.7e308), (2, 1.7e308), (3, 1.0)):
        MeasurementFactory(kpi=aht, period=f"2026-01-0{day}", value=value)

    response = api(lead).get(f"/api/v1/kpis/{aht.code}/control-chart/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["limits"]["centre"] is None
    assert body["limits"]["ucl"] is None
    assert body["warnings"] == [W_LIMITS_UNDEFINED]
    assert [point["value"] for point in body["points"]] == [1.7e308, 1.7e308, 1.0]


def test_a_control_chart_averaging_two_sources_near_the_float_limit_answers(api, lead, aht):
    for day in (1, 2, 3):
        for source in ("crm", "survey"):
            MeasurementFactory(kpi=aht, period=f"2026-01-0{day}", source=source, value=1.7e308)

    response = api(lead).get(f"/api/v1/kpis/{aht.code}/control-chart/")

    assert response.status_code == 200, response.content


def test_a_measurement_beyond_1e100_is_refused_on_its_row(api, admin):
    response = api(admin).post(
        "/api/v1/measurements/bulk/",
        {"rows": [{"kpi": "average_handle_time", "period": "2026-01-05", "value": 1.7e308}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"rows[0].value": [MSG_MEASUREMENT_TOO_LARGE]}
