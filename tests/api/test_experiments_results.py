"""The experiments API: results and the planner against the libraries, and a KPI's control chart."""

import datetime as dt
import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)

from improvement.services import experiments as ex
from kpis.stats.spc import RULE_8_ON_ONE_SIDE, RULE_BEYOND_3_SIGMA
from tests.api.conftest import AB, URL, url
from tests.factories import MeasurementFactory

pytestmark = pytest.mark.django_db


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
