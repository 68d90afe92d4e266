"""The experiments API: guardrail settings and data, the decision in the results, small samples and
many arms, refused input per field and no 500 at the limits of floating point."""

import pytest

from improvement.services import experiments as ex
from kpis.models import Kpi
from tests.api.conftest import AB, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def aht():
    return Kpi.objects.get(code="average_handle_time")


@pytest.fixture
def guarded(initiative, lead, fcr, aht):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Callback offer",
        primary_kpi=fcr,
        variants=AB,
        mde=0.1,
        guardrail_kpis=[aht],
    )
    return ex.experiment_start(actor=lead, experiment=experiment)


def test_guardrail_settings_data_and_decision_through_the_api(api, lead, guarded, aht):
    client = api(lead)
    answer = client.post(
        url(guarded, "guardrails"), {"kpi": aht.code, "metric_type": "mean", "tolerance": 0.05}, format="json"
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"kpi": aht.code, "metric_type": "mean", "tolerance": 0.05}
    rows = [{"variant": "control", "users": 20_000, "conversions": 2_000}]
    rows.append({"variant": "callback", "users": 20_000, "conversions": 2_600})
    assert client.post(url(guarded, "data"), {"rows": rows}, format="json").status_code == 200
    guard_rows = [
        {"variant": "control", "users": 20_000, "mean": 300.0, "sd": 60.0},
        {"variant": "callback", "users": 20_000, "mean": 300.5, "sd": 60.0},
    ]
    answer = client.post(url(guarded, "guardrail-data"), {"kpi": aht.code, "rows": guard_rows}, format="json")
    assert answer.status_code == 200, answer.json()

    body = client.get(url(guarded, "results")).json()

    assert (body["decision"], body["variant"], body["days_left"]) == ("ship", "callback", 0)
    assert body["reasons"][0] == "Ship Offer a callback."
    assert body["guardrails"][0]["results"]["comparisons"][0]["test"] == "welch_t"
    assert body["guardrail_status"] == [
        {"kpi": aht.code, "variant": "callback", "status": "within_tolerance"}
    ]
    assert body["comparisons"][0]["test"] == "z"
    assert len(body["comparisons"][0]["credible_interval"]) == 2
    assert body["omnibus"] is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"tolerance": -1}, "tolerance"),
        ({"tolerance": 11}, "tolerance"),
        ({"tolerance": "much"}, "tolerance"),
        ({"metric_type": "median"}, "metric_type"),
        ({"kpi": "no_such_kpi"}, "kpi"),
        ({"kpi": "fcr_rate"}, "kpi"),
    ],
)
def test_guardrail_settings_refuse_bad_input_with_400_per_field(api, lead, guarded, aht, payload, field):
    answer = api(lead).post(url(guarded, "guardrails"), {"kpi": aht.code, **payload}, format="json")
    assert answer.status_code == 400
    assert field in str(answer.json())


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"variant": "control", "users": -1, "sum": 1.0, "sum_squares": 1.0}, "rows[0].users"),
        ({"variant": "control", "users": 2, "sum": 1e300, "sum_squares": 1e300}, "rows[0].sum"),
        ({"variant": "control", "users": 2, "mean": 3.0, "sd": -1.0}, "rows[0].sd"),
        ({"variant": "ghost", "users": 2, "sum": 1.0, "sum_squares": 1.0}, "rows[0].variant"),
    ],
)
def test_guardrail_data_refuses_bad_rows_with_400_per_field(api, lead, guarded, aht, row, field):
    client = api(lead)
    client.post(url(guarded, "guardrails"), {"kpi": aht.code, "metric_type": "mean"}, format="json")
    answer = client.post(url(guarded, "guardrail-data"), {"kpi": aht.code, "rows": [row]}, format="json")
    assert answer.status_code == 400
    assert field in str(answer.json())


@pytest.mark.parametrize(
    "rows",
    [
        [
            {"variant": "control", "users": 2, "mean": 1e100, "sd": 0.0},
            {"variant": "callback", "users": 2, "mean": -1e100, "sd": 1e100},
        ],
        [
            {"variant": "control", "users": 9_000_000_000_000_000_000, "mean": 1e-300, "sd": 1e-300},
            {"variant": "callback", "users": 3, "mean": 5e-324, "sd": 0.0},
        ],
    ],
)
def test_results_answer_at_float_extremes_of_guardrail_data(api, lead, guarded, aht, rows):
    client = api(lead)
    client.post(url(guarded, "guardrails"), {"kpi": aht.code, "metric_type": "mean"}, format="json")
    client.post(url(guarded, "guardrail-data"), {"kpi": aht.code, "rows": rows}, format="json")
    tiny = [
        {"variant": "control", "users": 9, "conversions": 0},
        {"variant": "callback", "users": 9, "conversions": 9},
    ]
    client.post(url(guarded, "data"), {"rows": tiny}, format="json")

    answer = client.get(url(guarded, "results"))

    assert answer.status_code == 200
    assert answer.json()["comparisons"][0]["test"] == "fisher_exact"
    assert answer.json()["decision"] in {"ship", "roll_back", "keep_running", "inconclusive"}


def test_three_arms_report_the_omnibus_test(api, lead, initiative, fcr):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Three offers",
        primary_kpi=fcr,
        variants=[*AB, {"key": "sms"}],
    )
    experiment = ex.experiment_start(actor=lead, experiment=experiment)
    rows = [
        {"variant": "control", "users": 100, "conversions": 30},
        {"variant": "callback", "users": 100, "conversions": 45},
        {"variant": "sms", "users": 100, "conversions": 20},
    ]
    api(lead).post(url(experiment, "data"), {"rows": rows}, format="json")

    omnibus = api(lead).get(url(experiment, "results")).json()["omnibus"]

    assert omnibus["test"] == "chi_square" and omnibus["df"] == 2
    assert omnibus["p_value"] == pytest.approx(0.000664103, rel=1e-6)
