"""The import pages: upload, the dry run's preview (errors by row and column, counts), the import,
the status the progress bar polls, and the empty templates."""

import csv
import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from improvement.import_columns import MSG_NUMBER
from improvement.models import ImportJob
from kpis.models import Kpi, Measurement
from tests.factories import KpiTargetFactory, MeasurementFactory
from tests.web.conftest import queries_for

D1 = (dt.date.today() - dt.timedelta(days=3)).isoformat()


@pytest.fixture
def kpi(db):
    return Kpi.objects.create(code="fcr", name="FCR", unit="percent", direction="higher")


def upload(client, content: bytes, kind="measurements"):
    return client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile("m.csv", content)})


def test_the_preview_lists_each_error_and_offers_no_import(
    login, lead, kpi, django_capture_on_commit_callbacks
):
    client = login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, f"KPI,Period,Value\nfcr,{D1},lots\n".encode())
    job = ImportJob.objects.get()
    assert response.url == f"/imports/{job.pk}/"
    page = client.get(response.url).content.decode()
    assert "Has errors" in page and MSG_NUMBER in page and ">Value<" in page
    assert "Import 1 row" not in page


def test_a_clean_file_is_previewed_then_imported(login, lead, kpi, django_capture_on_commit_callbacks):
    client = login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, f"KPI,Period,Value\nfcr,{D1},71\n".encode())
    job = ImportJob.objects.get()
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "will create <strong>1</strong>" in page and "Import 1 row" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/imports/{job.pk}/run/")
    assert Measurement.objects.get().value == 71
    status = client.get(f"/imports/{job.pk}/status/").json()
    assert status == {
        "status": "done",
        "status_label": "Imported",
        "progress": 1,
        "rows_total": 1,
        "finished": True,
    }


def test_someone_elses_import_is_a_404(login, lead, admin, kpi, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(login(lead), f"KPI,Period,Value\nfcr,{D1},71\n".encode())
    job = ImportJob.objects.get()
    assert login(admin).get(f"/imports/{job.pk}/").status_code == 404
    assert login(admin).post(f"/imports/{job.pk}/run/").status_code == 404


def test_a_viewer_is_refused_and_nothing_is_stored(login, viewer, kpi):
    assert upload(login(viewer), b"KPI,Period,Value\n").status_code == 403
    assert not ImportJob.objects.exists()


def test_the_templates_carry_the_header_row(login, lead):
    client = login(lead)
    body = client.get("/imports/template/measurements.csv").content.decode()
    assert next(csv.reader(io.StringIO(body))) == [
        "KPI",
        "Segment",
        "Period",
        "Value",
        "Sample size",
        "Numerator",
        "Source",
    ]
    response = client.get("/imports/template/milestones.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in sheet[1]][:3] == ["Initiative", "Title", "Due date"]
    assert client.get("/imports/template/money.csv").status_code == 404


def _edit_and_upload(client, workbook_bytes: bytes, kind: str, edit) -> None:
    workbook = load_workbook(io.BytesIO(workbook_bytes))
    edit(workbook.active)
    out = io.BytesIO()
    workbook.save(out)
    client.post("/imports/", {"kind": kind, "file": SimpleUploadedFile("edited.xlsx", out.getvalue())})


def test_an_exported_measurements_workbook_edited_imports_as_one_update(
    login, lead, initiative, django_capture_on_commit_callbacks
):
    target = KpiTargetFactory(initiative=initiative)
    MeasurementFactory(kpi=target.kpi, period=dt.date(2026, 1, 1), value=50)
    MeasurementFactory(kpi=target.kpi, period=dt.date(2026, 1, 2), value=60)
    client = login(lead)
    exported = b"".join(client.get(f"/initiatives/{initiative.pk}/measurements.xlsx").streaming_content)

    def edit(sheet):
        sheet["F2"] = 55  # the first row's Value

    with django_capture_on_commit_callbacks(execute=True):
        _edit_and_upload(client, exported, "measurements", edit)
    job = ImportJob.objects.get()
    assert (job.status, job.counts) == ("valid", {"create": 0, "update": 1, "unchanged": 1}), job.errors


def test_an_exported_portfolio_workbook_imports_back_unchanged(
    login, lead, initiative, django_capture_on_commit_callbacks
):
    client = login(lead)
    exported = b"".join(client.get("/dashboard/portfolio.xlsx").streaming_content)
    with django_capture_on_commit_callbacks(execute=True):
        _edit_and_upload(client, exported, "initiatives", lambda sheet: None)
    job = ImportJob.objects.get()
    assert (job.status, job.counts) == ("valid", {"create": 0, "update": 0, "unchanged": 1}), job.errors


def test_the_import_page_costs_the_same_queries_for_three_times_the_jobs(login, lead):
    client = login(lead)
    for count in (2, 4):
        for _ in range(count):
            ImportJob.objects.create(kind="targets", created_by=lead, filename="t.csv", content=b"x")
        if count == 2:
            few = queries_for(client, "/imports/")
    assert queries_for(client, "/imports/") == few
