"""Survey answers per KPI and period: uploaded as scores, counts or CSV; scored with intervals; two
periods compared."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kpis import survey
from kpis.models import Measurement, SurveyAnswers
from kpis.survey_answers import MSG_CSV_COLUMN, MSG_NOT_SURVEY_KPI, SURVEY_KPIS

JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)
NPS_JAN = [10] * 30 + [9] * 20 + [8] * 25 + [7] * 10 + [5] * 10 + [0] * 5
NPS_FEB = [10] * 45 + [9] * 25 + [8] * 15 + [6] * 10 + [3] * 5


def answers_url(code):
    return f"/api/v1/kpis/{code}/survey-answers/"


@pytest.fixture
def writer(token_api, contributor):
    return token_api(contributor, "measurements:write")


def test_scores_become_a_period_score_with_its_interval_and_the_kpis_measurement(writer):
    response = writer.post(answers_url("nps"), {"period": JAN.isoformat(), "scores": NPS_JAN}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    expected = survey.survey_score(survey.NPS, NPS_JAN)
    assert (body["n"], body["score"]) == (100, pytest.approx(survey.nps(NPS_JAN)))
    assert (body["ci_low"], body["ci_high"]) == pytest.approx((expected.ci_low, expected.ci_high))
    assert body["counts"]["10"] == 30 and body["counts"]["1"] == 0
    measurement = Measurement.objects.get(kpi__code="nps", period=JAN)
    assert (measurement.value, measurement.sample_size, measurement.source) == (
        pytest.approx(body["score"]),
        100,
        "survey",
    )


def test_a_csv_upload_and_counts_give_the_same_answers(writer):
    csv = "respondent,score\n" + "\n".join(f"r{i},{s}" for i, s in enumerate([5, 4, 4, 3, 1, 5]))
    upload = SimpleUploadedFile("csat.csv", csv.encode(), content_type="text/csv")

    by_csv = writer.post(answers_url("csat"), {"period": JAN.isoformat(), "file": upload}, format="multipart")
    by_counts = writer.post(
        answers_url("csat"),
        {"period": FEB.isoformat(), "counts": {"5": 2, "4": 2, "3": 1, "1": 1}},
        format="json",
    )

    assert by_csv.status_code == 201, by_csv.content
    assert by_csv.json()["counts"] == by_counts.json()["counts"]
    assert by_csv.json()["score"] == pytest.approx(400 / 6)
    assert Measurement.objects.get(kpi__code="csat", period=JAN).numerator == 4


@pytest.mark.parametrize(
    ("code", "payload", "message"),
    [
        ("nps", {"scores": [3, 11]}, "Score 11 is outside the NPS scale 0–10."),
        ("csat", {"counts": {"0": 4}}, "Score 0 is outside the CSAT scale 1–5."),
        ("fcr_rate", {"scores": [1]}, MSG_NOT_SURVEY_KPI.format(codes=", ".join(SURVEY_KPIS))),
        ("nps", {"scores": []}, survey.MSG_EMPTY),
    ],
)
def test_bad_answers_are_a_clear_400_and_store_nothing(writer, code, payload, message):
    response = writer.post(answers_url(code), {"period": JAN.isoformat(), **payload}, format="json")

    assert response.status_code == 400
    assert message in str(response.json())
    assert not SurveyAnswers.objects.exists() and not Measurement.objects.exists()


def test_a_csv_without_a_score_column_is_refused(writer):
    upload = SimpleUploadedFile("x.csv", b"rating\n5\n", content_type="text/csv")

    response = writer.post(
        answers_url("csat"), {"period": JAN.isoformat(), "file": upload}, format="multipart"
    )

    assert response.status_code == 400
    assert MSG_CSV_COLUMN in str(response.json())


def test_a_reader_token_cannot_upload(token_api, contributor):
    reader = token_api(contributor, "progress:read")

    response = reader.post(answers_url("nps"), {"period": JAN.isoformat(), "scores": [9]}, format="json")

    assert response.status_code == 403
    assert not SurveyAnswers.objects.exists()


def test_scores_per_period_and_two_periods_compared(writer, api, viewer):
    writer.post(answers_url("nps"), {"period": JAN.isoformat(), "scores": NPS_JAN}, format="json")
    writer.post(answers_url("nps"), {"period": FEB.isoformat(), "scores": NPS_FEB}, format="json")
    client = api(viewer)

    scores = client.get("/api/v1/kpis/nps/survey-scores/").json()
    compared = client.get(f"/api/v1/kpis/nps/survey-compare/?a={JAN}&b={FEB}").json()
    missing = client.get(f"/api/v1/kpis/nps/survey-compare/?a={JAN}&b=2026-03-01")

    assert [s["period"] for s in scores] == [JAN.isoformat(), FEB.isoformat()]
    expected = survey.survey_compare(survey.NPS, NPS_JAN, NPS_FEB)
    assert compared["difference"] == pytest.approx(survey.nps(NPS_FEB) - survey.nps(NPS_JAN))
    assert compared["p_value"] == pytest.approx(expected.p_value)
    assert compared["method"] == "nps_z"
    assert missing.status_code == 404
