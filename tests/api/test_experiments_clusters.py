"""The experiments API: cluster-randomised pilots and controlled before/after, in and out."""

import csv
import io
from datetime import date, timedelta

import pytest

from improvement.models import ClusterData, SiteValue
from improvement.services import experiment_clusters as ec
from improvement.services import experiments as ex
from kpis.stats.clusters import FEW_CLUSTERS
from tests.api.conftest import AB, url

pytestmark = pytest.mark.django_db
RESULTS = "GET /api/v1/experiments/{id}/results/"


@pytest.fixture
def clustered(initiative, lead, fcr):
    experiment = ex.experiment_create(
        actor=lead, initiative=initiative, name="Callback by team", primary_kpi=fcr, variants=AB
    )
    ec.experiment_cluster_design_set(actor=lead, experiment=experiment, randomisation_unit="cluster")
    return ex.experiment_start(actor=lead, experiment=experiment)


def _rows(k=12):
    rows = []
    for i in range(k):
        rows.append(
            {"variant": "control", "cluster": f"team-c{i}", "users": 40 + i, "conversions": 8 + i % 5}
        )
        rows.append(
            {"variant": "callback", "cluster": f"team-t{i}", "users": 45 + i, "conversions": 11 + i % 4}
        )
    return rows


def test_cluster_totals_go_in_and_the_delta_method_readout_comes_out(api, lead, clustered, conforms):
    client = api(lead)
    written = client.post(url(clustered, "cluster-data"), {"rows": _rows()}, format="json")
    assert written.status_code == 200
    assert written.json()["rows_written"] == 24

    response = client.get(url(clustered, "results"))

    conforms(response, RESULTS)
    body = response.json()
    readout = body["clusters"]
    assert readout["randomisation_unit"] == "cluster"
    assert [arm["clusters"] for arm in readout["variants"]] == [12, 12]
    comparison = readout["comparisons"][0]
    assert comparison["variant"] == "callback"
    low, high = comparison["absolute_ci"]
    assert low < comparison["absolute_effect"] < high
    assert 0 <= comparison["p_value"] <= 1
    assert comparison["design_effect"] > 0
    assert any("randomised by cluster" in w for w in body["warnings"])


def test_few_clusters_are_warned_about(api, lead, clustered):
    client = api(lead)
    client.post(url(clustered, "cluster-data"), {"rows": _rows(k=4)}, format="json")
    readout = client.get(url(clustered, "results")).json()["clusters"]
    assert any(f"fewer than {FEW_CLUSTERS}" in w for w in readout["warnings"])


def test_inconsistent_cluster_rows_are_refused_per_field_with_nothing_written(api, lead, clustered):
    rows = [
        {"variant": "control", "cluster": "a", "users": 10, "conversions": 11},
        {"variant": "nobody", "cluster": "b", "users": 10, "conversions": 1},
        {"variant": "callback", "cluster": "a", "users": 10, "conversions": 1},
        {"variant": "callback", "cluster": "c", "users": 10, "sum": 1.0},
        {"variant": "callback", "cluster": "d", "users": 10},
    ]

    response = api(lead).post(url(clustered, "cluster-data"), {"rows": rows}, format="json")

    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {
        "rows[0].conversions",
        "rows[1].variant",
        "rows[2].cluster",
        "rows[3].sum",
        "rows[3].conversions",
        "rows[4].conversions",
    }
    assert not ClusterData.objects.exists()


def test_a_cluster_stays_in_its_variant_across_uploads(api, lead, clustered):
    client = api(lead)
    client.post(url(clustered, "cluster-data"), {"rows": _rows(k=2)}, format="json")
    moved = [{"variant": "callback", "cluster": "team-c0", "users": 10, "conversions": 1}]
    response = client.post(url(clustered, "cluster-data"), {"rows": moved}, format="json")
    assert response.status_code == 400
    assert "already belongs to variant 'control'" in response.json()["fields"]["rows[0].cluster"][0]


def test_cluster_data_need_a_cluster_randomised_experiment(api, lead, running):
    response = api(lead).post(url(running, "cluster-data"), {"rows": _rows(k=2)}, format="json")
    assert response.status_code == 409


def test_the_randomisation_unit_changes_only_in_draft(api, lead, clustered):
    response = api(lead).post(url(clustered, "cluster-design"), {"randomisation_unit": "user"}, format="json")
    assert response.status_code == 409
    bad = api(lead).post(url(clustered, "cluster-design"), {"randomisation_unit": "site"}, format="json")
    assert bad.status_code == 400 and "randomisation_unit" in bad.json()["fields"]


def test_cluster_csv_upload(api, lead, clustered):
    body = (
        "variant,cluster,users,conversions\ncontrol,a,10,2\ncontrol,b,12,3\ncallback,c,11,4\ncallback,d,9,x\n"
    )
    client = api(lead)
    refused = client.post(url(clustered, "cluster-data"), body, content_type="text/csv")
    assert refused.status_code == 400 and "rows[3].conversions" in refused.json()["fields"]
    accepted = client.post(url(clustered, "cluster-data"), body.replace(",x", ",1"), content_type="text/csv")
    assert accepted.status_code == 200 and accepted.json()["rows_written"] == 4


def test_a_mean_experiment_at_float_extremes_answers(api, lead, initiative, aht):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="AHT by site",
        primary_kpi=aht,
        variants=AB,
        metric_type="mean",
    )
    ec.experiment_cluster_design_set(actor=lead, experiment=experiment, randomisation_unit="cluster")
    ex.experiment_start(actor=lead, experiment=experiment)
    tiny = 1e-150
    rows = [
        {"variant": v, "cluster": f"{v}{i}", "users": 10, "sum": (i + 1 + j) * tiny, "sum_squares": 1e-290}
        for j, v in enumerate(["control", "callback"])
        for i in range(12)
    ]
    client = api(lead)
    assert client.post(url(experiment, "cluster-data"), {"rows": rows}, format="json").status_code == 200
    comparison = client.get(url(experiment, "results")).json()["clusters"]["comparisons"][0]
    assert comparison["standard_error"] > 0
    assert comparison["p_value"] is not None


def _site_rows():
    change = date(2026, 6, 1)
    rows = []
    for site, pilot, level in (("north", True, 50.0), ("south", False, 48.0), ("east", False, 52.0)):
        for week in range(-6, 6):
            lift = 3.0 if pilot and week >= 0 else 0.0
            noise = ((week * 7 + len(site)) % 5 - 2) * 0.4
            day = (change + timedelta(weeks=week)).isoformat()
            rows.append({"site": site, "pilot": pilot, "day": day, "value": level + lift + noise})
    return rows


def test_site_values_and_change_date_give_the_difference_in_differences(api, lead, running, conforms):
    client = api(lead)
    assert client.post(url(running, "site-values"), {"rows": _site_rows()}, format="json").status_code == 200
    waiting = client.get(url(running, "results"))
    conforms(waiting, RESULTS)
    assert waiting.json()["before_after"]["change_date"] is None
    assert waiting.json()["before_after"]["effect"] is None and waiting.json()["before_after"]["warnings"]

    design = client.post(url(running, "cluster-design"), {"change_date": "2026-06-01"}, format="json")
    assert design.status_code == 200
    response = client.get(url(running, "results"))

    conforms(response, RESULTS)
    did = response.json()["before_after"]
    assert did["method"] == "periods_independent"
    assert did["effect"] == pytest.approx(3.0, abs=1.0)
    low, high = did["ci"]
    assert low < did["effect"] < high
    assert response.json()["clusters"] is None


def test_bad_site_values_are_refused_per_field(api, lead, running):
    rows = [
        {"site": "north", "pilot": True, "day": "2026-06-01", "value": 1.0},
        {"site": "north", "pilot": False, "day": "2026-06-08", "value": 1.0},
        {"site": "north", "pilot": True, "day": "2026-06-01", "value": 2.0},
        {"site": "", "pilot": True, "day": "June", "value": "many"},
    ]
    response = api(lead).post(url(running, "site-values"), {"rows": rows}, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert {"rows[3].site", "rows[3].day", "rows[3].value"} <= set(fields)
    assert not SiteValue.objects.exists()
    valid_shape = rows[:3]
    response = api(lead).post(url(running, "site-values"), {"rows": valid_shape}, format="json")
    assert set(response.json()["fields"]) == {"rows[1].pilot", "rows[2].day"}


def test_non_finite_and_out_of_range_numbers_are_400s_not_500s(api, lead, initiative, aht):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="AHT by site",
        primary_kpi=aht,
        variants=AB,
        metric_type="mean",
    )
    ec.experiment_cluster_design_set(actor=lead, experiment=experiment, randomisation_unit="cluster")
    ex.experiment_start(actor=lead, experiment=experiment)
    rows = [
        {"variant": "control", "cluster": "a", "users": 2**64, "sum": 1.0, "sum_squares": 1.0},
        {"variant": "control", "cluster": "b", "users": 10, "sum": "NaN", "sum_squares": 1.0},
        {"variant": "control", "cluster": "c", "users": 10, "sum": 1.0, "sum_squares": "Infinity"},
        {"variant": "callback", "cluster": "d", "users": 10, "sum": 1e300, "sum_squares": 1e300},
        {"variant": "callback", "cluster": "e", "users": 10, "sum": 100.0, "sum_squares": 1.0},
    ]
    client = api(lead)
    # Not numbers at all: the request's shape is refused first.
    response = client.post(url(experiment, "cluster-data"), {"rows": rows}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"rows[1].sum", "rows[2].sum_squares"}
    # Numbers out of the bounds of the statistics, or totals that cannot be: per row and field.
    response = client.post(url(experiment, "cluster-data"), {"rows": rows[:1] + rows[3:]}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {
        "rows[0].users",
        "rows[1].sum",
        "rows[1].sum_squares",
        "rows[2].sum_squares",
    }
    assert not ClusterData.objects.exists()
    sites = [{"site": "n", "pilot": True, "day": "2026-06-01", "value": "Infinity"}]
    refused = api(lead).post(url(experiment, "site-values"), {"rows": sites}, format="json")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"rows[0].value"}


def test_a_cluster_randomised_experiment_is_decided_on_its_cluster_comparisons(api, lead, clustered):
    client = api(lead)
    # No per-user totals at all: only clusters, the treatment clearly better in every team.
    rows = []
    for i in range(12):
        rows.append({"variant": "control", "cluster": f"c{i}", "users": 100 + i, "conversions": 20 + i % 3})
        rows.append({"variant": "callback", "cluster": f"t{i}", "users": 100 + i, "conversions": 40 + i % 3})
    assert client.post(url(clustered, "cluster-data"), {"rows": rows}, format="json").status_code == 200

    body = client.get(url(clustered, "results")).json()

    (comparison,) = body["clusters"]["comparisons"]
    assert comparison["p_value"] < 0.001
    assert (body["decision"], body["variant"]) == ("ship", "callback")
    assert not any("too few users" in reason for reason in body["reasons"])

    # Same totals, the treatment clearly worse: roll back.
    for row in rows:
        if row["variant"] == "callback":
            row["conversions"] = 5
    assert client.post(url(clustered, "cluster-data"), {"rows": rows}, format="json").status_code == 200
    assert client.get(url(clustered, "results")).json()["decision"] == "roll_back"


def test_the_results_csv_carries_the_cluster_read_out(api, lead, clustered):
    client = api(lead)
    assert client.post(url(clustered, "cluster-data"), {"rows": _rows()}, format="json").status_code == 200
    body = client.get(url(clustered, "results")).json()

    answer = client.get(f"{url(clustered)}results.csv")

    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    cluster = {row["variant"]: row for row in rows if row["metric"] == "cluster"}
    (comparison,) = body["clusters"]["comparisons"]
    treated = cluster["callback"]
    assert float(treated["absolute_effect"]) == comparison["absolute_effect"]
    assert [float(treated["ci_low"]), float(treated["ci_high"])] == comparison["absolute_ci"]
    assert float(treated["p_value"]) == comparison["p_value"]
    assert float(treated["design_effect"]) == comparison["design_effect"]
    assert cluster["control"]["is_control"] == "true" and cluster["control"]["absolute_effect"] == ""


def test_the_results_csv_carries_the_difference_in_differences(api, lead, running):
    client = api(lead)
    assert client.post(url(running, "site-values"), {"rows": _site_rows()}, format="json").status_code == 200
    assert (
        client.post(url(running, "cluster-design"), {"change_date": "2026-06-01"}, format="json").status_code
        == 200
    )
    did = client.get(url(running, "results")).json()["before_after"]

    rows = list(csv.DictReader(io.StringIO(client.get(f"{url(running)}results.csv").content.decode())))

    (row,) = [row for row in rows if row["metric"] == "before_after"]
    assert (row["variant"], row["test"]) == ("pilot", did["method"])
    assert float(row["absolute_effect"]) == did["effect"]
    assert [float(row["ci_low"]), float(row["ci_high"])] == did["ci"]
    assert float(row["p_value"]) == did["p_value"]
