import datetime as dt
import math
import time

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)

from common.api.errors import MSG_INVALID, error_body
from improvement import selectors
from improvement.models import Experiment, ExperimentStatus, VariantData
from improvement.services import experiments as ex
from improvement.services.experiment_data import MAX_COUNT, MSG_COUNT_TOO_BIG
from kpis.models import Kpi
from kpis.stats import aggregates as agg
from kpis.stats.spc import RULE_8_ON_ONE_SIDE, RULE_BEYOND_3_SIGMA
from tests.api.conftest import queries_for
from tests.factories import InitiativeFactory, MeasurementFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/experiments/"
AB = [{"key": "control", "is_control": True}, {"key": "callback", "name": "Offer a callback"}]


@pytest.fixture
def fcr():
    return Kpi.objects.get(code="fcr_rate")


@pytest.fixture
def aht():
    return Kpi.objects.get(code="average_handle_time")


def create(client, initiative, **fields):
    body = {"initiative": initiative.pk, "name": "Callback offer", "primary_kpi": "fcr_rate", "variants": AB}
    return client.post(URL, {**body, **fields}, format="json")


@pytest.fixture
def running(initiative, lead, fcr):
    experiment = ex.experiment_create(
        actor=lead, initiative=initiative, name="Callback offer", primary_kpi=fcr, variants=AB, mde=0.1
    )
    return ex.experiment_start(actor=lead, experiment=experiment)


def url(experiment, action=""):
    return f"{URL}{experiment.pk}/{action + '/' if action else ''}"


# --- design and status --------------------------------------------------------------------------


def test_a_lead_creates_an_experiment_with_variants_and_guardrails(api, lead, initiative):
    response = create(api(lead), initiative, guardrail_kpis=["average_handle_time"], mde=0.05)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft"
    assert body["primary_kpi"]["code"] == "fcr_rate"
    assert body["guardrail_kpis"] == ["average_handle_time"]
    assert [(v["key"], v["is_control"]) for v in body["variants"]] == [("control", True), ("callback", False)]
    assert response["ETag"]


def test_two_controls_are_refused_with_a_field_error_and_nothing_is_written(api, lead, initiative):
    variants = [{"key": "a", "is_control": True}, {"key": "b", "is_control": True}]

    response = create(api(lead), initiative, variants=variants)

    assert response.status_code == 400
    assert response.json()["fields"] == {"variants": [ex.MSG_ONE_CONTROL.format(count=2)]}
    assert not Experiment.objects.exists()


def test_an_experiment_of_another_team_is_not_found(api, other_lead, running):
    assert api(other_lead).get(url(running)).status_code == 404
    assert api(other_lead).post(url(running, "stop")).status_code == 404


def test_a_viewer_reads_but_cannot_move_an_experiment(api, viewer, running):
    client = api(viewer)

    assert client.get(url(running)).status_code == 200
    response = client.post(url(running, "stop"))
    assert response.status_code == 403
    assert response.json()["message"] == ex.MSG_CANNOT_EDIT


def test_start_stop_and_conclude_through_the_api(api, lead, initiative):
    client = api(lead)
    experiment = create(client, initiative).json()
    path = f"{URL}{experiment['id']}/"

    assert client.post(path + "start/").json()["status"] == "running"
    assert client.post(path + "stop/").json()["status"] == "stopped"
    refused = client.post(path + "conclude/", {}, format="json")
    assert refused.status_code == 400
    assert "decision" in refused.json()["fields"]
    concluded = client.post(path + "conclude/", {"decision": "iterate", "note": "Too small."}, format="json")

    assert concluded.status_code == 200
    assert (concluded.json()["status"], concluded.json()["decision"]) == ("concluded", "iterate")
    assert client.post(path + "start/").status_code == 409


def test_the_design_is_frozen_once_running(api, lead, running):
    response = api(lead).patch(url(running), {"alpha": 0.1}, format="json")

    assert response.status_code == 409
    assert response.json()["message"] == ex.MSG_DESIGN_FROZEN.format(status="running")


def test_a_move_against_a_stale_etag_answers_412(api, lead, running):
    client = api(lead)
    etag = client.get(url(running))["ETag"]
    client.patch(url(running), {"name": "Renamed"}, format="json")

    response = client.post(url(running, "stop"), HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    running.refresh_from_db()
    assert running.status == ExperimentStatus.RUNNING


def test_the_list_costs_the_same_queries_for_3n_experiments_as_for_n(api, lead, team, fcr, aht):
    def add(n):
        for _ in range(n):
            initiative = InitiativeFactory(team=team, lead=lead)
            ex.experiment_create(
                actor=lead,
                initiative=initiative,
                name="x",
                primary_kpi=fcr,
                variants=AB,
                guardrail_kpis=[aht],
            )

    client = api(lead)
    add(2)
    few = queries_for(client, URL)
    add(4)

    assert queries_for(client, URL) == few
    assert client.get(URL).json()["count"] == 6


# --- data ----------------------------------------------------------------------------------------


def test_aggregates_are_stored_and_inconsistent_ones_refused_with_nothing_written(api, lead, running):
    client = api(lead)
    good = {"rows": [{"variant": "control", "users": 1000, "conversions": 100}]}
    assert client.post(url(running, "data"), good, format="json").json() == {
        "variants": ["control"],
        "rows_written": 1,
        "observations": 0,
    }

    bad = {
        "rows": [
            {"variant": "control", "users": 2000, "conversions": 150},
            {"variant": "callback", "users": 10, "conversions": 11},
        ]
    }
    response = client.post(url(running, "data"), bad, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "rows[1].conversions": [agg.MSG_CONVERSIONS_EXCEED_USERS.format(conversions=11, users=10)]
    }
    assert list(VariantData.objects.values_list("users", flat=True)) == [1000]


def test_an_integration_token_needs_the_experiments_write_scope_to_push_data(token_api, lead, running):
    body = {"rows": [{"variant": "control", "users": 10, "conversions": 1}]}

    refused = token_api(lead, "progress:read").post(url(running, "data"), body, format="json")
    accepted = token_api(lead, "experiments:write").post(url(running, "data"), body, format="json")

    assert refused.status_code == 403
    assert refused.json()["code"] == "missing_scope"
    assert accepted.status_code == 200


def test_a_count_beyond_what_the_database_stores_is_refused(api, lead, running):
    # It used to reach the INSERT and fail there (500: SQLite overflow, PostgreSQL out of range).
    rows = [
        {"variant": "control", "users": 2**64, "conversions": 1},
        {"variant": "callback", "users": 10, "conversions": 2},
    ]

    response = api(lead).post(url(running, "data"), {"rows": rows}, format="json")

    assert response.status_code == 400
    assert response.json() == error_body(
        code="invalid",
        message=MSG_INVALID,
        fields={"rows[0].users": [MSG_COUNT_TOO_BIG.format(field="users", limit=MAX_COUNT)]},
    )
    assert not VariantData.objects.exists()


def test_json_observations_fold_into_the_totals(api, lead, running):
    rows = [
        {"variant": "control", "value": 1},
        {"variant": "control", "value": 0},
        {"variant": "callback", "value": 1},
    ]

    response = api(lead).post(url(running, "observations"), {"rows": rows}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["observations"] == 3
    assert selectors.experiment_aggregates(experiment=running) == {
        "control": agg.ProportionAggregate(2, 1),
        "callback": agg.ProportionAggregate(1, 1),
    }


def test_a_csv_file_upload_is_folded_and_add_mode_adds(api, lead, running):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api(lead)
    upload = SimpleUploadedFile("obs.csv", b"variant,value\ncontrol,1\ncallback,0\n", content_type="text/csv")
    client.post(url(running, "observations"), {"file": upload}, format="multipart")
    response = client.post(
        url(running, "observations") + "?mode=add",
        data=b"variant,value\ncontrol,0\n",
        content_type="text/csv",
    )

    assert response.status_code == 200, response.content
    assert selectors.experiment_aggregates(experiment=running) == {
        "control": agg.ProportionAggregate(2, 1),
        "callback": agg.ProportionAggregate(1, 0),
    }


def test_a_bad_csv_is_refused_with_the_row_and_nothing_written(api, lead, running):
    response = api(lead).post(
        url(running, "observations"), data=b"variant,value\ncontrol,1\ncallback,2\n", content_type="text/csv"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"observations": [agg.MSG_NOT_BINARY.format(row=1, value=2.0)]}
    assert not VariantData.objects.exists()


def test_a_million_csv_observations_are_folded_exactly_in_about_a_second(api, lead, initiative, aht):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Handle time",
        primary_kpi=aht,
        variants=AB,
        metric_type="mean",
    )
    ex.experiment_start(actor=lead, experiment=experiment)
    rng = np.random.default_rng(7)
    n = 1_000_000
    labels = np.where(rng.random(n) < 0.5, "control", "callback")
    values = np.round(rng.normal(300, 60, n), 2)
    body = ("variant,value\n" + "\n".join(f"{a},{b}" for a, b in zip(labels, values, strict=True))).encode()

    started = time.perf_counter()
    response = api(lead).post(url(experiment, "observations"), data=body, content_type="text/csv")
    elapsed = time.perf_counter() - started

    assert response.status_code == 200, response.content
    assert response.json()["observations"] == n
    # Generous for slow CI machines; about a second on a laptop.
    assert elapsed < 5
    stored = selectors.experiment_aggregates(experiment=experiment)
    for key in ("control", "callback"):
        mine = values[labels == key]
        assert stored[key].users == mine.size
        assert stored[key].sum == pytest.approx(mine.sum(), rel=1e-12)
        assert stored[key].sum_squares == pytest.approx((mine * mine).sum(), rel=1e-12)
    results = api(lead).get(url(experiment, "results")).json()
    control = values[labels == "control"]
    assert results["variants"][0]["sd"] == pytest.approx(control.std(ddof=1), rel=1e-9)


# --- results, cross-checked against the libraries ----------------------------------------------


def test_proportion_results_match_statsmodels(api, lead, running):
    api(lead).post(
        url(running, "data"),
        {
            "rows": [
                {"variant": "control", "users": 4000, "conversions": 480},
                {"variant": "callback", "users": 4100, "conversions": 560},
            ]
        },
        format="json",
    )

    body = api(lead).get(url(running, "results")).json()

    (comparison,) = body["comparisons"]
    _, p_value = proportions_ztest([560, 480], [4100, 4000])
    low, high = confint_proportions_2indep(560, 4100, 480, 4000, method="wald", compare="diff")
    assert comparison["p_value"] == pytest.approx(p_value, rel=1e-9)
    assert comparison["p_value_holm"] == pytest.approx(p_value, rel=1e-9)
    assert comparison["absolute_ci"] == pytest.approx([low, high], rel=1e-9)
    assert comparison["absolute_effect"] == pytest.approx(560 / 4100 - 480 / 4000, rel=1e-12)
    assert comparison["relative_effect"] == pytest.approx((560 / 4100 - 0.12) / 0.12, rel=1e-12)
    assert set(comparison["risk"]) == {"control", "treatment"}
    assert comparison["required_users_per_arm"]["callback"] > 0
    assert body["srm"]["p_value"] == pytest.approx(stats.chisquare([4000, 4100]).pvalue, rel=1e-9)
    assert [v["users"] for v in body["variants"]] == [4000, 4100]


def test_mean_results_match_scipys_welch_test(api, lead, initiative, aht):
    experiment = ex.experiment_create(
        actor=lead, initiative=initiative, name="AHT", primary_kpi=aht, variants=AB, metric_type="mean"
    )
    ex.experiment_start(actor=lead, experiment=experiment)
    control, treatment = [310.0, 290.0, 305.0, 330.0, 280.0], [280.0, 270.0, 300.0, 260.0, 275.0, 290.0]
    rows = [
        {"variant": key, "users": len(v), "sum": sum(v), "sum_squares": sum(x * x for x in v)}
        for key, v in (("control", control), ("callback", treatment))
    ]
    api(lead).post(url(experiment, "data"), {"rows": rows}, format="json")

    (comparison,) = api(lead).get(url(experiment, "results")).json()["comparisons"]

    welch = stats.ttest_ind(treatment, control, equal_var=False)
    low, high = welch.confidence_interval(0.95)
    assert comparison["p_value"] == pytest.approx(welch.pvalue, rel=1e-9)
    assert comparison["absolute_ci"] == pytest.approx([low, high], rel=1e-9)
    assert comparison["degrees_of_freedom"] == pytest.approx(welch.df, rel=1e-9)


def test_results_of_an_empty_experiment_are_nulls_with_warnings_not_errors(api, lead, running):
    response = api(lead).get(url(running, "results"))

    assert response.status_code == 200
    (comparison,) = response.json()["comparisons"]
    assert comparison["p_value"] is None and comparison["relative_ci"] is None
    assert comparison["warnings"]


def test_the_sample_size_planner_matches_statsmodels(api, viewer):
    response = api(viewer).post(
        URL + "sample-size/",
        {"baseline": 0.1, "mde": 0.2, "daily_users": 1000, "alpha": 0.05, "power": 0.8},
        format="json",
    )

    assert response.status_code == 200, response.content
    plan = response.json()
    expected = math.ceil(samplesize_proportions_2indep_onetail(0.02, 0.1, 0.8, ratio=1, alpha=0.05))
    assert plan["users_per_arm"] == [expected, expected]
    assert plan["days_needed"] == math.ceil(2 * expected / 1000)


def test_the_planner_refuses_an_impossible_plan_with_a_message(api, viewer):
    response = api(viewer).post(
        URL + "sample-size/", {"baseline": 0.9, "mde": 0.5, "daily_users": 100}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["non_field_errors"]


# --- the control chart of a KPI -----------------------------------------------------------------


def test_the_control_chart_holds_baseline_limits_and_reports_signals(api, viewer, fcr):
    start = dt.date(2026, 1, 1)
    values = [70, 72, 71, 69, 70, 71, 70, 72, 69, 71, 90, 75, 75, 75, 75, 75, 75, 75, 75]
    for offset, value in enumerate(values):
        MeasurementFactory(kpi=fcr, period=start + dt.timedelta(days=offset), value=value)

    response = api(viewer).get(
        "/api/v1/kpis/fcr_rate/control-chart/",
        {"baseline_start": "2026-01-01", "baseline_end": "2026-01-10"},
    )

    assert response.status_code == 200, response.content
    body = response.json()
    baseline = np.array(values[:10], dtype=float)
    mean_mr = np.abs(np.diff(baseline)).mean()
    assert body["limits"]["centre"] == pytest.approx(baseline.mean())
    assert body["limits"]["ucl"] == pytest.approx(baseline.mean() + 2.66 * mean_mr)
    assert (body["limits"]["baseline_start"], body["limits"]["baseline_end"]) == ("2026-01-01", "2026-01-10")
    assert len(body["points"]) == len(values)
    signals = {(s["rule"], s["index"]) for s in body["signals"]}
    assert (RULE_BEYOND_3_SIGMA, 10) in signals
    assert (RULE_8_ON_ONE_SIDE, 17) in signals
    assert (
        body["signals"][0]["period"] == (start + dt.timedelta(days=body["signals"][0]["index"])).isoformat()
    )


def test_a_control_chart_needs_two_baseline_points_and_a_known_kpi(api, viewer, fcr):
    MeasurementFactory(kpi=fcr, period=dt.date(2026, 1, 1), value=70)

    assert api(viewer).get("/api/v1/kpis/fcr_rate/control-chart/").status_code == 400
    assert api(viewer).get("/api/v1/kpis/no_such_kpi/control-chart/").status_code == 404
