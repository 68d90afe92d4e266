"""The experiments API: aggregates and raw observations (JSON rows, CSV files) going in."""

import numpy as np
import pytest

from common.api.errors import MSG_INVALID, error_body
from improvement import selectors
from improvement.models import VariantData
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from improvement.services.experiment_data import MAX_COUNT, MSG_COUNT_TOO_BIG
from kpis.stats import aggregates as agg
from tests.api.conftest import AB, url

pytestmark = pytest.mark.django_db


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


def test_a_million_csv_observations_are_folded_exactly(api, lead, initiative, aht):
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

    # Its speed is measured by bench/, not here.
    response = api(lead).post(url(experiment, "observations"), data=body, content_type="text/csv")

    assert response.status_code == 200, response.content
    assert response.json()["observations"] == n
    stored = selectors.experiment_aggregates(experiment=experiment)
    for key in ("control", "callback"):
        mine = values[labels == key]
        assert stored[key].users == mine.size
        assert stored[key].sum == pytest.approx(mine.sum(), rel=1e-12)
        assert stored[key].sum_squares == pytest.approx((mine * mine).sum(), rel=1e-12)
    results = api(lead).get(url(experiment, "results")).json()
    control = values[labels == "control"]
    assert results["variants"][0]["sd"] == pytest.approx(control.std(ddof=1), rel=1e-9)


# --- a mean experiment's rows as users, mean and standard deviation --------------------------------


@pytest.fixture
def running_mean(initiative, lead, aht):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Scripted openings",
        primary_kpi=aht,
        metric_type="mean",
        variants=AB,
        mde=0.05,
    )
    return ex.experiment_start(actor=lead, experiment=experiment)


def test_a_mean_experiment_takes_users_mean_and_sd_and_reads_out_as_from_the_raw_values(
    api, lead, running_mean
):
    rng = np.random.default_rng(11)
    raw = {"control": rng.normal(300, 60, 400), "callback": rng.normal(290, 55, 380)}
    client = api(lead)
    observations = [{"variant": key, "value": float(v)} for key, values in raw.items() for v in values]
    uploaded = client.post(url(running_mean, "observations"), {"rows": observations}, format="json")
    assert uploaded.status_code == 200
    from_raw = selectors.experiment_results(experiment=running_mean)

    rows = [
        {
            "variant": key,
            "users": len(values),
            "mean": float(np.mean(values)),
            "sd": float(np.std(values, ddof=1)),
        }
        for key, values in raw.items()
    ]
    response = client.post(url(running_mean, "data"), {"rows": rows}, format="json")
    from_sd = selectors.experiment_results(experiment=running_mean)

    assert response.status_code == 200
    for typed, folded in zip(from_sd["variants"], from_raw["variants"], strict=True):
        assert typed["users"] == folded["users"]
        assert typed["mean"] == pytest.approx(folded["mean"], rel=1e-12)
        assert typed["sd"] == pytest.approx(folded["sd"], rel=1e-9)
    assert from_sd["comparisons"][0]["p_value"] == pytest.approx(
        from_raw["comparisons"][0]["p_value"], rel=1e-9
    )


def test_mean_and_sd_rows_are_refused_field_by_field_with_nothing_written(api, lead, running_mean):
    rows = [
        {"variant": "control", "users": 100, "mean": 300.0, "sd": -4.0},
        {"variant": "callback", "users": 1, "mean": 290.0, "sd": 50.0},
    ]
    mixed = [{"variant": "control", "users": 100, "mean": 300.0, "sd": 4.0, "sum": 30000.0}]

    response = api(lead).post(url(running_mean, "data"), {"rows": rows}, format="json")
    mixed_response = api(lead).post(url(running_mean, "data"), {"rows": mixed}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "rows[0].sd": [agg.MSG_SD_NEGATIVE],
        "rows[1].users": [agg.MSG_SD_FEW_USERS],
    }
    assert mixed_response.json()["fields"] == {"rows[0].sum": [data.MSG_SUMS_OR_MEAN_SD]}
    assert not VariantData.objects.exists()
