"""Sequential experiments and CUPED through the API: design, data in (totals, JSON rows, CSV with a
pre-period column), results out, and a clear 400 per field for bad input."""

import numpy as np
import pytest

from improvement.models import Experiment, VariantData
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from kpis.stats import aggregates as agg
from kpis.stats.sequential import MSG_TUNING
from tests.api.conftest import AB, URL, url

pytestmark = pytest.mark.django_db

# GrowthBook's unit-test totals (packages/stats/tests/frequentist/test_tests.py): control first.
GB_ROWS = [
    {
        "variant": "control",
        "users": 3000,
        "sum": 1396.87,
        "sum_squares": 52377.9767,
        "pre_sum": 16.87,
        "pre_sum_squares": 527.9767,
        "sum_product": 1,
    },
    {
        "variant": "callback",
        "users": 3461,
        "sum": 2422.7,
        "sum_squares": 134698.29,
        "pre_sum": 22.7,
        "pre_sum_squares": 1348.29,
        "sum_product": 1,
    },
]


def _mean_experiment(client, initiative, **fields):
    body = {
        "initiative": initiative.pk,
        "name": "AHT",
        "primary_kpi": "average_handle_time",
        "variants": AB,
        "metric_type": "mean",
    }
    return client.post(URL, {**body, **fields}, format="json")


@pytest.fixture
def mean_running(api, lead, initiative):
    def make(**fields):
        response = _mean_experiment(api(lead), initiative, **fields)
        assert response.status_code == 201, response.json()
        experiment = Experiment.objects.get(pk=response.json()["id"])
        return ex.experiment_start(actor=lead, experiment=experiment)

    return make


def test_a_sequential_design_is_stored_and_shown(api, lead, initiative):
    response = _mean_experiment(api(lead), initiative, sequential=True, sequential_tuning=1000)

    assert response.status_code == 201
    assert (response.json()["sequential"], response.json()["sequential_tuning"]) == (True, 1000.0)
    default = _mean_experiment(api(lead), initiative).json()
    assert (default["sequential"], default["sequential_tuning"]) == (False, 5000.0)


@pytest.mark.parametrize("tuning", [0, -1, 1e13])
def test_a_bad_tuning_is_a_400_on_its_field(api, lead, initiative, tuning):
    response = _mean_experiment(api(lead), initiative, sequential=True, sequential_tuning=tuning)

    assert response.status_code == 400
    assert response.json()["fields"] == {"sequential_tuning": [MSG_TUNING]}
    assert not Experiment.objects.exists()


def test_results_carry_growthbooks_sequential_and_cuped_values(api, lead, mean_running):
    experiment = mean_running(sequential=True)
    assert api(lead).post(url(experiment, "data"), {"rows": GB_ROWS}, format="json").status_code == 200

    body = api(lead).get(url(experiment, "results")).json()

    assert (body["sequential"], body["sequential_tuning"], body["cuped"]) == (True, 5000.0, True)
    (comparison,) = body["comparisons"]
    cuped = comparison["cuped"]
    assert round(cuped["relative_effect"], 5) == 0.50338
    assert [round(x, 5) for x in cuped["sequential_relative_ci"]] == [-0.50969, 1.51646]
    assert cuped["variance_reduction"] == pytest.approx(1.39e-6, rel=1e-2)
    assert comparison["sequential_ci"][0] < comparison["absolute_ci"][0]
    assert 0 <= comparison["sequential_p_value"] <= 1


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"sum_product": 1e6}, "sum_product", agg.MSG_SUM_PRODUCT_INCONSISTENT.format(value=1e6)),
        ({"sum_product": None}, "sum_product", data.MSG_PRE_ALL_OR_NONE),
        ({"pre_sum_squares": 0.01}, "pre_sum_squares", "pre-period sum_squares (0.01) is too small"),
        ({"sum_product": 1e300}, "sum_product", "sum_product must lie between"),
        ({"users": -1}, "users", "users must be a whole number of at least 0"),
    ],
)
def test_inconsistent_pre_period_totals_are_a_400_per_field(api, lead, mean_running, row, field, message):
    experiment = mean_running()
    rows = [{**GB_ROWS[0], **row}, GB_ROWS[1]]

    response = api(lead).post(url(experiment, "data"), {"rows": rows}, format="json")

    assert response.status_code == 400
    (text,) = response.json()["fields"][f"rows[0].{field}"]
    assert text.startswith(message)
    assert not VariantData.objects.exists()


def test_a_proportion_experiment_refuses_pre_period_totals(api, lead, running):
    rows = [{"variant": "control", "users": 10, "conversions": 1, "pre_sum": 1.0}]

    response = api(lead).post(url(running, "data"), {"rows": rows}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "rows[0].pre_sum": [data.MSG_NOT_FOR_METRIC.format(metric="proportion", field="pre_sum")]
    }


def _raw(seed=3, n=2000):
    rng = np.random.default_rng(seed)
    labels = np.where(rng.random(n) < 0.5, "control", "callback")
    pre = rng.normal(300, 40, n)
    values = 0.8 * pre + rng.normal(60, 20, n) - 5 * (labels == "callback")
    return labels, values, pre


def test_csv_with_a_pre_value_column_folds_into_cuped_totals(api, lead, mean_running):
    experiment = mean_running()
    labels, values, pre = _raw()
    text = "variant,value,pre_value\n" + "".join(
        f"{label},{float(value)!r},{float(x)!r}\n"
        for label, value, x in zip(labels, values, pre, strict=True)
    )

    response = api(lead).post(url(experiment, "observations"), text.encode(), content_type="text/csv")

    assert response.status_code == 200, response.json()
    stored = VariantData.objects.get(variant__key="callback")
    mask = labels == "callback"
    assert stored.pre_sum == pytest.approx(pre[mask].sum(), rel=1e-12)
    assert stored.sum_product == pytest.approx((pre[mask] * values[mask]).sum(), rel=1e-12)
    cuped = api(lead).get(url(experiment, "results")).json()["comparisons"][0]["cuped"]
    # The pre-period explains most of the variance here (correlation about 0.85).
    assert cuped["variance_reduction"] > 0.6
    assert cuped["absolute_ci"][0] < -5 < cuped["absolute_ci"][1]


def test_json_rows_need_pre_value_on_every_row_or_none(api, lead, mean_running):
    experiment = mean_running()
    rows = [{"variant": "control", "value": 1.0, "pre_value": 2.0}, {"variant": "callback", "value": 1.0}]

    response = api(lead).post(url(experiment, "observations"), {"rows": rows}, format="json")

    assert response.status_code == 400
    assert not VariantData.objects.exists()


@pytest.mark.parametrize(
    ("pre_values", "status"),
    [([1e300, 1.0, 2.0, 3.0], 400), ([5e-324, 0.0, 5e-324, 0.0], 200), ([1.0, 2.0, 3.0, 4.0], 200)],
)
def test_float_extremes_in_pre_values_never_500(api, lead, mean_running, pre_values, status):
    experiment = mean_running(sequential=True)
    rows = [
        {"variant": key, "value": value, "pre_value": x}
        for key, value, x in zip(
            ["control", "control", "callback", "callback"], [1.0, 2.0, 3.0, 5.0], pre_values, strict=True
        )
    ]

    response = api(lead).post(url(experiment, "observations"), {"rows": rows}, format="json")

    assert response.status_code == status
    results = api(lead).get(url(experiment, "results"))
    assert results.status_code == 200


def test_one_user_per_arm_gives_nulls_and_reasons(api, lead, mean_running):
    experiment = mean_running(sequential=True)
    rows = [
        {
            "variant": "control",
            "users": 1,
            "sum": 2.0,
            "sum_squares": 4.0,
            "pre_sum": 1.0,
            "pre_sum_squares": 1.0,
            "sum_product": 2.0,
        },
        {
            "variant": "callback",
            "users": 1,
            "sum": 3.0,
            "sum_squares": 9.0,
            "pre_sum": 1.0,
            "pre_sum_squares": 1.0,
            "sum_product": 3.0,
        },
    ]
    assert api(lead).post(url(experiment, "data"), {"rows": rows}, format="json").status_code == 200

    (comparison,) = api(lead).get(url(experiment, "results")).json()["comparisons"]

    assert comparison["cuped"] is None and comparison["sequential_ci"] is None
    assert any("fewer than 2 users" in warning for warning in comparison["warnings"])


def test_the_results_schema_documents_the_new_fields(api, lead):
    schema = api(lead).get("/api/schema/?format=json").json()
    comparison = schema["components"]["schemas"]["Comparison"]["properties"]
    assert {"sequential_ci", "sequential_p_value", "sequential_relative_ci", "cuped"} <= set(comparison)
    cuped = schema["components"]["schemas"]["Cuped"]["properties"]
    assert {"theta", "variance_reduction", "p_value", "absolute_ci", "sequential_ci"} <= set(cuped)


def test_uploads_in_add_mode_add_the_pre_period_totals_and_one_without_them_turns_cuped_off(
    api, lead, mean_running
):
    experiment = mean_running()
    labels, values, pre = _raw(n=400)
    lines = list(zip(labels, values.tolist(), pre.tolist(), strict=True))
    with_pre = "variant,value,pre_value\n" + "".join(
        f"{label},{value!r},{x!r}\n" for label, value, x in lines
    )
    without = "variant,value\n" + "".join(f"{label},{value!r}\n" for label, value, _ in lines)
    post = api(lead).post
    observations = url(experiment, "observations")

    assert post(observations, with_pre.encode(), content_type="text/csv").status_code == 200
    assert post(f"{observations}?mode=add", with_pre.encode(), content_type="text/csv").status_code == 200

    stored = VariantData.objects.get(variant__key="control")
    mask = labels == "control"
    assert stored.users == 2 * mask.sum()
    assert stored.sum_product == pytest.approx(2 * (values[mask] * pre[mask]).sum(), rel=1e-12)
    assert api(lead).get(url(experiment, "results")).json()["cuped"] is True

    assert post(f"{observations}?mode=add", without.encode(), content_type="text/csv").status_code == 200

    body = api(lead).get(url(experiment, "results")).json()
    assert body["cuped"] is False and body["comparisons"][0]["cuped"] is None
    assert VariantData.objects.get(variant__key="control").pre_sum is None
