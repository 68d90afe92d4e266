"""The experiments API: data by segment, results by segment (Holm across segments × treatments), and
``results.csv`` carrying the numbers of the JSON results."""

import csv
import io

import pytest
from statsmodels.stats.multitest import multipletests

from improvement.models import SegmentData
from improvement.selectors.experiment_export import HEADER
from improvement.services import experiment_segments as segs
from improvement.services import experiments as ex
from kpis.stats import aggregates as agg
from tests.api.conftest import AB, url

pytestmark = pytest.mark.django_db

SEGMENT_ROWS = [
    {"segment": "chat", "variant": "control", "users": 1500, "conversions": 300},
    {"segment": "chat", "variant": "callback", "users": 1500, "conversions": 345},
    {"segment": "phone", "variant": "control", "users": 2000, "conversions": 200},
    {"segment": "phone", "variant": "callback", "users": 2000, "conversions": 260},
    {"segment": "=cmd|' /C calc'!A0", "variant": "control", "users": 800, "conversions": 40},
    {"segment": "=cmd|' /C calc'!A0", "variant": "callback", "users": 800, "conversions": 66},
]


@pytest.fixture
def aht():
    from kpis.models import Kpi

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
        sequential=True,
    )
    return ex.experiment_start(actor=lead, experiment=experiment)


def _fill(client, experiment, aht):
    rows = [
        {"variant": "control", "users": 4300, "conversions": 540},
        {"variant": "callback", "users": 4300, "conversions": 671},
    ]
    assert client.post(url(experiment, "data"), {"rows": rows}, format="json").status_code == 200
    guard = [
        {"variant": "control", "users": 4300, "mean": 300.0, "sd": 60.0},
        {"variant": "callback", "users": 4300, "mean": 300.5, "sd": 61.0},
    ]
    client.post(url(experiment, "guardrails"), {"kpi": aht.code, "metric_type": "mean"}, format="json")
    answer = client.post(url(experiment, "guardrail-data"), {"kpi": aht.code, "rows": guard}, format="json")
    assert answer.status_code == 200, answer.json()
    answer = client.post(url(experiment, "segment-data"), {"rows": SEGMENT_ROWS}, format="json")
    assert answer.status_code == 200, answer.json()
    return answer.json()


def test_segment_data_in_and_results_by_segment_out_with_holm(api, lead, guarded, aht, conforms):
    client = api(lead)
    written = _fill(client, guarded, aht)
    assert written == {"segments": ["=cmd|' /C calc'!A0", "chat", "phone"], "rows_written": 6}

    response = client.get(url(guarded, "results"))
    conforms(response, "GET /api/v1/experiments/{id}/results/")
    body = response.json()

    # The overall read-out is the experiment's own data, not the sum of the segments.
    assert body["variants"][0]["users"] == 4300
    by_segment = body["by_segment"]
    assert by_segment["correction"] == "holm"
    assert by_segment["comparisons"] == 3
    assert [item["segment"] for item in by_segment["segments"]] == ["=cmd|' /C calc'!A0", "chat", "phone"]
    family = [item["results"]["comparisons"][0] for item in by_segment["segments"]]
    reject, expected, _, _ = multipletests([c["p_value"] for c in family], alpha=0.05, method="holm")
    assert [c["p_value_segments"] for c in family] == pytest.approx(list(expected), rel=1e-12)
    assert [c["significant_segments"] for c in family] == list(reject)
    assert all(c["sequential_ci"] is not None for c in family)


def test_a_segment_named_again_is_replaced_whole_and_others_kept(api, lead, guarded, aht):
    client = api(lead)
    _fill(client, guarded, aht)
    again = [{"segment": "chat", "variant": "control", "users": 10, "conversions": 1}]

    assert client.post(url(guarded, "segment-data"), {"rows": again}, format="json").status_code == 200

    stored = sorted(SegmentData.objects.values_list("segment", "variant__key", "users"))
    assert ("chat", "control", 10) in stored
    assert not any(row[:2] == ("chat", "callback") for row in stored)
    assert ("phone", "callback", 2000) in stored


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"segment": "", "variant": "control", "users": 5, "conversions": 1}, "rows[0].segment", None),
        ({"segment": "x" * 101, "variant": "control", "users": 5, "conversions": 1}, "rows[0].segment", None),
        ({"segment": "a\x00b", "variant": "control", "users": 5, "conversions": 1}, "rows[0].segment", None),
        ({"segment": "chat", "variant": "nope", "users": 5, "conversions": 1}, "rows[0].variant", None),
        (
            {"segment": "chat", "variant": "control", "users": 5, "conversions": 6},
            "rows[0].conversions",
            agg.MSG_CONVERSIONS_EXCEED_USERS.format(conversions=6, users=5),
        ),
        (
            {"segment": "chat", "variant": "control", "users": 5, "conversions": 1, "sum": 1.0},
            "rows[0].sum",
            None,
        ),
        ({"segment": "chat", "variant": "control", "users": -1, "conversions": 0}, "rows[0].users", None),
        ({"segment": "chat", "variant": "control", "users": 2**64, "conversions": 0}, "rows[0].users", None),
    ],
)
def test_bad_segment_rows_are_refused_with_400_per_field(api, lead, guarded, row, field, message):
    response = api(lead).post(url(guarded, "segment-data"), {"rows": [row]}, format="json")

    assert response.status_code == 400, response.json()
    fields = response.json()["fields"]
    assert field in fields, fields
    if message:
        assert fields[field] == [message]
    assert not SegmentData.objects.exists()


def test_a_segment_twice_with_the_same_variant_is_refused(api, lead, guarded):
    rows = [{"segment": "chat", "variant": "control", "users": 5, "conversions": 1}] * 2
    response = api(lead).post(url(guarded, "segment-data"), {"rows": rows}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "rows[1].variant": [segs.MSG_DUPLICATE.format(key="control", segment="chat")]
    }


def test_mean_segments_at_float_extremes_answer_without_a_500(api, lead, initiative, aht):
    experiment = ex.experiment_start(
        actor=lead,
        experiment=ex.experiment_create(
            actor=lead, initiative=initiative, name="AHT", primary_kpi=aht, variants=AB, metric_type="mean"
        ),
    )
    client = api(lead)
    rows = [
        {
            "segment": "north",
            "variant": "control",
            "users": 3,
            "sum": agg.MAX_ABS_SUM,
            "sum_squares": agg.MAX_SUM_SQUARES,
        },
        {
            "segment": "north",
            "variant": "callback",
            "users": 3,
            "sum": -agg.MAX_ABS_SUM,
            "sum_squares": agg.MAX_SUM_SQUARES,
        },
        {"segment": "south", "variant": "control", "users": 2, "mean": 1e-300, "sd": 0.0},
        {"segment": "south", "variant": "callback", "users": 2, "mean": 5e-324, "sd": 0.0},
    ]
    assert client.post(url(experiment, "segment-data"), {"rows": rows}, format="json").status_code == 200
    too_big = [{"segment": "x", "variant": "control", "users": 2, "sum": 1e300, "sum_squares": 1e300}]
    assert client.post(url(experiment, "segment-data"), {"rows": too_big}, format="json").status_code == 400

    assert client.get(url(experiment, "results")).status_code == 200
    answer = client.get(f"{url(experiment)}results.csv")
    assert answer.status_code == 200


def _number(text: str):
    return None if text == "" else float(text)


def test_results_csv_carries_the_json_numbers_row_by_row(api, lead, guarded, aht):
    client = api(lead)
    _fill(client, guarded, aht)
    body = client.get(url(guarded, "results")).json()

    answer = client.get(f"{url(guarded)}results.csv")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert f"experiment-{guarded.pk}-results.csv" in answer["Content-Disposition"]
    table = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert list(table[0]) == HEADER
    assert [(r["metric"], r["kpi"], r["segment"], r["variant"]) for r in table] == [
        ("primary", "fcr_rate", "", "control"),
        ("primary", "fcr_rate", "", "callback"),
        ("guardrail", aht.code, "", "control"),
        ("guardrail", aht.code, "", "callback"),
        ("segment", "fcr_rate", "'=cmd|' /C calc'!A0", "control"),
        ("segment", "fcr_rate", "'=cmd|' /C calc'!A0", "callback"),
        ("segment", "fcr_rate", "chat", "control"),
        ("segment", "fcr_rate", "chat", "callback"),
        ("segment", "fcr_rate", "phone", "control"),
        ("segment", "fcr_rate", "phone", "callback"),
    ]
    primary, guard, phone = table[1], table[3], table[9]
    c = body["comparisons"][0]
    assert _number(primary["absolute_effect"]) == c["absolute_effect"]
    assert [_number(primary["ci_low"]), _number(primary["ci_high"])] == c["absolute_ci"]
    assert [_number(primary["relative_ci_low"]), _number(primary["relative_ci_high"])] == c["relative_ci"]
    assert _number(primary["p_value"]) == c["p_value"]
    assert [_number(primary["sequential_ci_low"]), _number(primary["sequential_ci_high"])] == c[
        "sequential_ci"
    ]
    assert _number(primary["sequential_p_value"]) == c["sequential_p_value"]
    assert [_number(primary["credible_interval_low"]), _number(primary["credible_interval_high"])] == c[
        "credible_interval"
    ]
    assert _number(primary["chance_to_beat_control"]) == c["chance_to_beat_control"]
    assert primary["test"] == c["test"]
    assert (primary["decision"], primary["decision_variant"] or None) == (body["decision"], body["variant"])
    assert primary["reasons"].split(" | ") == body["reasons"]
    g = body["guardrails"][0]["results"]["comparisons"][0]
    assert _number(guard["p_value"]) == g["p_value"] and guard["test"] == g["test"] == "welch_t"
    assert guard["guardrail_status"] == body["guardrail_status"][0]["status"]
    s = body["by_segment"]["segments"][2]["results"]["comparisons"][0]
    assert _number(phone["p_value_segments"]) == s["p_value_segments"]
    assert _number(phone["absolute_effect"]) == s["absolute_effect"]
    # Positional notation: no cell of a number is written with an exponent.
    numeric = [v for row in table for k, v in row.items() if k not in ("segment", "reasons", "warnings")]
    assert not any("e-" in v or "e+" in v for v in numeric)
    assert table[0]["users"] == "4300" and table[0]["p_value"] == ""


def test_results_csv_of_an_experiment_without_data_is_the_header_and_its_arms(api, lead, running):
    answer = api(lead).get(f"{url(running)}results.csv")
    table = list(csv.reader(io.StringIO(answer.content.decode())))
    assert table[0] == HEADER
    assert [row[3] for row in table[1:]] == ["control", "callback"]


def test_results_csv_of_an_unknown_experiment_is_a_404(api, lead):
    answer = api(lead).get("/api/v1/experiments/999999/results.csv")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["code"]


# --- raw observations with a segment ---------------------------------------------------------------


def test_raw_rows_with_a_segment_fold_into_segment_totals_as_pandas_groupby(api, lead, initiative, aht):
    import numpy as np
    import pandas as pd

    experiment = ex.experiment_start(
        actor=lead,
        experiment=ex.experiment_create(
            actor=lead, initiative=initiative, name="AHT", primary_kpi=aht, variants=AB, metric_type="mean"
        ),
    )
    rng = np.random.default_rng(14)
    frame = pd.DataFrame(
        {
            "segment": rng.choice(["chat", "phone", "EMEA"], 5000),
            "variant": rng.choice(["control", "callback"], 5000),
            "value": rng.normal(300, 60, 5000).round(3),
        }
    )
    body = frame.to_csv(index=False).encode()

    answer = api(lead).post(f"{url(experiment)}segment-observations/", body, content_type="text/csv")

    assert answer.status_code == 200, answer.json()
    assert answer.json() == {"segments": ["EMEA", "chat", "phone"], "rows_written": 6}
    expected = (
        frame.assign(sq=frame.value**2)
        .groupby(["segment", "variant"])
        .agg(users=("value", "size"), total=("value", "sum"), squares=("sq", "sum"))
    )
    for row in SegmentData.objects.select_related("variant"):
        ref = expected.loc[(row.segment, row.variant.key)]
        assert row.users == ref.users
        assert row.sum == pytest.approx(ref.total, rel=1e-12)
        assert row.sum_squares == pytest.approx(ref.squares, rel=1e-12)


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        ([{"segment": "chat", "variant": "control", "value": 2}], "observations"),
        ([{"segment": "chat", "variant": "nope", "value": 1}], "observations"),
        ([{"segment": "", "variant": "control", "value": 1}], "rows[0].segment"),
        ([{"variant": "control", "value": 1}], "rows"),
        ([{"segment": "chat", "variant": "control", "value": "x"}], "rows[0].value"),
    ],
)
def test_bad_raw_segment_rows_are_refused_per_field(api, lead, running, rows, field):
    answer = api(lead).post(f"{url(running)}segment-observations/", {"rows": rows}, format="json")
    assert answer.status_code == 400
    assert field in answer.json()["fields"]
    assert not SegmentData.objects.exists()


def test_json_raw_segment_rows_of_a_proportion(api, lead, running):
    rows = [
        {"segment": "chat", "variant": "control", "value": 1},
        {"segment": "chat", "variant": "control", "value": 0},
        {"segment": "chat", "variant": "callback", "value": 1},
    ]
    answer = api(lead).post(f"{url(running)}segment-observations/", {"rows": rows}, format="json")
    assert answer.status_code == 200, answer.json()
    assert sorted(SegmentData.objects.values_list("variant__key", "users", "conversions")) == [
        ("callback", 1, 1),
        ("control", 2, 1),
    ]


def test_the_read_out_costs_the_same_queries_however_many_segments(lead, guarded):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from improvement import selectors
    from improvement.models import Experiment

    def queries(segments: int) -> int:
        SegmentData.objects.all().delete()
        rows = [
            {"segment": f"q{i}", "variant": key, "users": 100, "conversions": 10}
            for i in range(segments)
            for key in ("control", "callback")
        ]
        segs.experiment_segment_data_replace(actor=lead, experiment=guarded, rows=rows)
        experiment = Experiment.objects.select_related("primary_kpi").get(pk=guarded.pk)
        with CaptureQueriesContext(connection) as captured:
            found = selectors.experiment_results(experiment=experiment)
        assert len(found["by_segment"]["segments"]) == segments
        return len(captured)

    assert queries(1) == queries(20)


def test_an_integration_token_needs_the_experiments_write_scope_for_segment_data(token_api, lead, running):
    body = {"rows": [{"segment": "chat", "variant": "control", "users": 10, "conversions": 1}]}

    refused = token_api(lead, "progress:read").post(url(running, "segment-data"), body, format="json")
    read = token_api(lead, "progress:read").get(f"{url(running)}results.csv")
    accepted = token_api(lead, "experiments:write").post(url(running, "segment-data"), body, format="json")

    assert refused.status_code == 403 and refused.json()["code"] == "missing_scope"
    assert read.status_code == 200
    assert accepted.status_code == 200


# --- results.xlsx ----------------------------------------------------------------------------------


def _workbook_rows(answer):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(answer.content)).active
    assert sheet.freeze_panes == "A2"
    return list(sheet.iter_rows())


def test_results_xlsx_has_the_csv_rows_with_the_json_values_typed(api, lead, guarded, aht):
    from common.xlsx import XLSX_MEDIA_TYPE

    client = api(lead)
    _fill(client, guarded, aht)
    body = client.get(url(guarded, "results")).json()
    table = list(csv.DictReader(io.StringIO(client.get(f"{url(guarded)}results.csv").content.decode())))

    answer = client.get(f"{url(guarded)}results.xlsx")
    by_accept = client.get(url(guarded, "results"), HTTP_ACCEPT=XLSX_MEDIA_TYPE)

    assert answer.status_code == by_accept.status_code == 200
    assert answer["Content-Type"] == by_accept["Content-Type"] == XLSX_MEDIA_TYPE
    assert f"experiment-{guarded.pk}-results.xlsx" in answer["Content-Disposition"]
    rows = _workbook_rows(answer)
    assert [cell.value for cell in rows[0]] == HEADER
    records = [dict(zip(HEADER, row, strict=True)) for row in rows[1:]]
    assert len(records) == len(table) == 10
    for record, text in zip(records, table, strict=True):
        for column in HEADER:
            cell, csv_value = record[column], text[column]
            if cell.value is None:
                assert csv_value == "", column
            elif isinstance(cell.value, bool):
                assert csv_value == str(cell.value).lower() and cell.data_type == "b"
            elif isinstance(cell.value, int | float):
                # openpyxl writes a number with 16 significant digits (Excel shows 15).
                assert float(f"{_number(csv_value):.16g}") == cell.value and cell.data_type == "n", column
            else:
                assert cell.data_type == "s"
                assert csv_value in (cell.value, "'" + cell.value), column
    primary, segment = records[1], records[4]
    c = body["comparisons"][0]
    assert primary["p_value"].value == pytest.approx(c["p_value"], rel=1e-15)
    assert [primary["ci_low"].value, primary["ci_high"].value] == pytest.approx(c["absolute_ci"], rel=1e-15)
    assert primary["users"].value == 4300 and primary["is_control"].value is False
    assert primary["reasons"].value.split(" | ") == body["reasons"]
    # The segment named like a formula is text in its cell, not neutralised and not a formula.
    assert segment["segment"].value == "=cmd|' /C calc'!A0" and segment["segment"].data_type == "s"


def test_results_xlsx_of_an_unknown_experiment_is_a_json_404(api, lead):
    answer = api(lead).get("/api/v1/experiments/999999/results.xlsx")
    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    assert answer.json()["code"]


def test_results_xlsx_of_another_teams_experiment_is_a_404(api, other_lead, guarded):
    answer = api(other_lead).get(f"{url(guarded)}results.xlsx")
    assert answer.status_code == 404
