"""The KPI page: its control chart (which chart and why, phases), process changes a lead marks, and
survey answers uploaded as CSV with the scores and intervals they give."""

import datetime as dt

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from kpis import survey
from kpis.models import Kpi, Measurement, PhaseBreak, SurveyAnswers
from kpis.phases import MSG_CANNOT_MARK
from kpis.survey_answers import MSG_CSV_COLUMN
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db
START = dt.date(2025, 6, 1)


def page(code: str) -> str:
    return reverse("improvement:kpi_detail", args=[code])


def rates(n: int = 60):
    kpi = Kpi.objects.get(code="fcr_rate")
    rng = np.random.default_rng(8)
    sizes = rng.integers(200, 2_000, n)
    counts = rng.binomial(sizes, 0.7)
    Measurement.objects.bulk_create(
        Measurement(
            kpi=kpi,
            period=START + dt.timedelta(days=i),
            value=100 * c / s,
            sample_size=int(s),
            numerator=int(c),
        )
        for i, (c, s) in enumerate(zip(counts, sizes, strict=True))
    )
    return kpi


def test_the_page_says_which_chart_and_why_and_lists_the_phases(login, viewer):
    kpi = rates()
    PhaseBreak.objects.create(kpi=kpi, starts=START + dt.timedelta(days=30), label="New routing")

    response = login(viewer).get(page("fcr_rate"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Chosen: p-chart</strong> because the KPI is a rate with a sample size" in body
    assert "New routing" in body and "Before the first change" in body
    assert "Mark the change" not in body


def test_a_lead_marks_a_change_and_a_contributor_may_not(login, lead, contributor):
    rates()
    data = {"starts": "2025-07-01", "label": "Callback offered"}

    refused = login(contributor).post(reverse("improvement:kpi_phase_break_add", args=["fcr_rate"]), data)
    made = login(lead).post(reverse("improvement:kpi_phase_break_add", args=["fcr_rate"]), data)

    assert refused.status_code == 403 and escape(MSG_CANNOT_MARK) in refused.content.decode()
    assert made.status_code == 302
    assert PhaseBreak.objects.get().label == "Callback offered"


def test_survey_answers_upload_as_csv_and_show_with_their_interval(login, lead):
    csv = "score\n" + "\n".join(str(s) for s in [5, 4, 4, 3, 1, 5, 5, 2])
    upload = SimpleUploadedFile("csat.csv", csv.encode(), content_type="text/csv")

    response = login(lead).post(
        reverse("improvement:kpi_survey_upload", args=["csat"]), {"period": "2026-01-01", "file": upload}
    )
    shown = login(lead).get(page("csat")).content.decode()

    assert response.status_code == 302
    score = survey.survey_score(survey.CSAT, [5, 4, 4, 3, 1, 5, 5, 2])
    assert f"{score.ci_low:.1f} to {score.ci_high:.1f}" in shown
    assert SurveyAnswers.objects.get().counts["5"] == 3


def test_a_csv_without_a_score_column_is_refused_next_to_the_file(login, lead):
    upload = SimpleUploadedFile("x.csv", b"rating\n5\n", content_type="text/csv")

    response = login(lead).post(
        reverse("improvement:kpi_survey_upload", args=["csat"]), {"period": "2026-01-01", "file": upload}
    )

    assert response.status_code == 400
    assert response.context["survey_form"].errors == {"file": [MSG_CSV_COLUMN]}
    assert not SurveyAnswers.objects.exists()


def test_the_page_costs_the_same_queries_for_3n_periods(login, lead):
    client = login(lead)
    rates(40)
    few = queries_for(client, page("fcr_rate"))
    Measurement.objects.all().delete()
    rates(120)

    assert queries_for(client, page("fcr_rate")) == few


def test_two_survey_periods_are_compared_with_a_p_value(login, lead):
    client = login(lead)
    answers = {"2026-01-01": [5, 4, 3, 2, 1, 4, 4, 3], "2026-02-01": [5, 5, 4, 4, 5, 4, 3, 5]}
    for period, scores in answers.items():
        csv = "score\n" + "\n".join(map(str, scores))
        upload = SimpleUploadedFile("a.csv", csv.encode(), content_type="text/csv")
        client.post(
            reverse("improvement:kpi_survey_upload", args=["csat"]), {"period": period, "file": upload}
        )

    body = client.get(page("csat") + "?a=2026-01-01&b=2026-02-01").content.decode()

    expected = survey.survey_compare(survey.CSAT, answers["2026-01-01"], answers["2026-02-01"])
    assert f"p = {expected.p_value:.4f}" in body
    assert f"difference {expected.difference:.1f}" in body
