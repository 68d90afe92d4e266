"""The experiment page by segment: totals pasted in, results by segment shown, the results CSV linked."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from improvement.models import SegmentData
from improvement.services import experiments as ex
from kpis.models import Kpi
from kpis.stats import aggregates as agg

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(initiative, lead):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Greeting bot",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=[{"key": "control", "is_control": True}, {"key": "bot"}],
    )
    return ex.experiment_start(actor=lead, experiment=experiment)


def segments_url(experiment) -> str:
    return reverse("improvement:experiment_segments", args=[experiment.pk])


TABLE = """segment,variant,users,conversions
chat,control,1500,300
chat,bot,1500,345
phone,control,2000,200
phone,bot,2000,260
"""


def test_a_lead_pastes_segment_totals_and_sees_results_by_segment_with_holm(login, lead, running):
    client = login(lead)

    response = client.post(segments_url(running), {"table": TABLE}, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Segment totals saved for chat, phone." in page
    assert "Results by segment" in page
    assert "adjusted with Holm" in page and "all 2 segment × treatment comparisons" in page
    assert f"/api/v1/experiments/{running.pk}/results.csv" in page
    assert f"/api/v1/experiments/{running.pk}/results.xlsx" in page
    assert SegmentData.objects.count() == 4


def test_bad_segment_totals_are_shown_row_by_row_and_nothing_is_saved(login, lead, running):
    client = login(lead)
    table = "segment,variant,users,conversions\nchat,control,10,11\n,bot,10,1\n"

    response = client.post(segments_url(running), {"table": table})

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        escape("Row 1, conversions: " + agg.MSG_CONVERSIONS_EXCEED_USERS.format(conversions=11, users=10))
        in page
    )
    assert "Row 2, segment:" in page
    assert not SegmentData.objects.exists()


def test_a_table_without_a_header_is_refused(login, lead, running):
    response = login(lead).post(segments_url(running), {"table": "chat,control,10,1"})
    assert "Start with a header row" in response.content.decode()
    assert not SegmentData.objects.exists()


def test_a_csv_download_answers_the_signed_in_reader(login, lead, running):
    client = login(lead)
    client.post(segments_url(running), {"table": TABLE})

    answer = client.get(f"/api/v1/experiments/{running.pk}/results.csv")

    assert answer.status_code == 200
    lines = answer.content.decode().splitlines()
    assert lines[0].startswith("metric,kpi,segment,variant")
    assert sum(line.startswith("segment,") for line in lines) == 4


def test_an_xlsx_download_answers_the_signed_in_reader_with_the_csv_rows(login, lead, running):
    import io

    from openpyxl import load_workbook

    client = login(lead)
    client.post(segments_url(running), {"table": TABLE})

    answer = client.get(f"/api/v1/experiments/{running.pk}/results.xlsx")

    assert answer.status_code == 200
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("metric", "kpi", "segment", "variant")
    assert sum(row[0] == "segment" for row in rows) == 4


def test_a_mean_experiment_shows_its_segments_and_what_the_csv_holds(login, lead, initiative):
    experiment = ex.experiment_start(
        actor=lead,
        experiment=ex.experiment_create(
            actor=lead,
            initiative=initiative,
            name="Handle time",
            primary_kpi=Kpi.objects.get(code="average_handle_time"),
            metric_type="mean",
            variants=[{"key": "control", "is_control": True}, {"key": "bot"}],
        ),
    )
    client = login(lead)
    table = "segment,variant,users,mean,sd\nEMEA,control,400,300,60\nEMEA,bot,400,290,58\n"

    page = client.post(segments_url(experiment), {"table": table}, follow=True).content.decode()

    assert "Segment totals saved for EMEA." in page
    assert "What the CSV holds" in page
    assert ">EMEA</th>" in page


def test_segment_totals_are_refused_once_the_experiment_is_concluded(login, lead, running):
    ex.experiment_stop(actor=lead, experiment=running)
    running.refresh_from_db()
    ex.experiment_conclude(actor=lead, experiment=running, decision="abandon")

    page = login(lead).post(segments_url(running), {"table": TABLE}, follow=True).content.decode()

    assert not SegmentData.objects.exists()
    assert "Enter totals by segment" not in page
