"""POST /api/v1/imports/: a file checked (dry run), then imported; errors by row and column."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from improvement.import_columns import MSG_NUMBER
from improvement.models import ImportJob
from improvement.services import imports
from improvement.services.imports import MSG_NOT_READY
from kpis.models import Kpi, Measurement
from tests.api.conftest import queries_for

URL = "/api/v1/imports/"
D1 = (dt.date.today() - dt.timedelta(days=3)).isoformat()
GOOD = f"KPI,Period,Value\nfcr,{D1},71\n".encode()
BAD = f"KPI,Period,Value\nfcr,{D1},seventy\n".encode()


@pytest.fixture
def kpi(db):
    return Kpi.objects.create(code="fcr", name="FCR", unit="percent", direction="higher")


def upload(client, content, *, kind="measurements", filename="m.csv", **extra):
    data = {"file": SimpleUploadedFile(filename, content), "kind": kind, **extra}
    return client.post(URL, data, format="multipart")


def test_a_dry_run_answers_the_errors_by_row_and_column_and_writes_nothing(
    api, lead, kpi, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api(lead), BAD)
    assert response.status_code == 201, response.content
    job = api(lead).get(f"{URL}{response.json()['id']}/").json()
    assert job["status"] == "invalid"
    assert job["errors"] == [{"row": 2, "column": "Value", "message": MSG_NUMBER}]
    assert not Measurement.objects.exists()


def test_a_checked_file_is_imported_by_run_and_a_second_run_is_refused(
    api, lead, kpi, django_capture_on_commit_callbacks
):
    client = api(lead)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(client, GOOD).json()
    assert client.get(f"{URL}{job['id']}/").json()["counts"] == {"create": 1, "update": 0, "unchanged": 0}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}{job['id']}/run/")
    assert response.status_code == 202
    done = client.get(f"{URL}{job['id']}/").json()
    assert (done["status"], done["progress"], done["rows_total"]) == ("done", 1, 1)
    assert Measurement.objects.get().value == 71
    again = client.post(f"{URL}{job['id']}/run/")
    assert again.status_code == 409
    assert again.json()["message"] == MSG_NOT_READY


def test_dry_run_false_checks_and_imports_in_one_pass(
    token_api, lead, kpi, django_capture_on_commit_callbacks
):
    client = token_api(lead, "measurements:write", "progress:read")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, GOOD, dry_run="false")
    assert client.get(f"{URL}{response.json()['id']}/").json()["status"] == "done"
    assert Measurement.objects.count() == 1


def test_a_token_needs_the_scope_of_the_kind_it_imports(token_api, lead, kpi):
    client = token_api(lead, "measurements:write")
    response = upload(client, b"Code,Title,Team,Start date\n", kind="initiatives")
    assert response.status_code == 403
    assert response.json()["message"] == "This token lacks the scope initiatives:write."


def test_a_viewer_cannot_import_and_a_bad_kind_or_file_is_a_400(api, viewer, lead, kpi):
    assert upload(api(viewer), GOOD).status_code == 403
    response = upload(api(lead), GOOD, kind="money")
    assert response.status_code == 400 and "kind" in response.json()["fields"]
    response = upload(api(lead), GOOD, filename="m.txt")
    assert response.status_code == 400 and "file" in response.json()["fields"]


def test_nobody_sees_another_persons_import(api, lead, admin, kpi, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(api(lead), GOOD).json()
    assert api(admin).get(f"{URL}{job['id']}/").status_code == 404
    assert api(admin).post(f"{URL}{job['id']}/run/").status_code == 404


def _jobs(user, count: int) -> None:
    for _ in range(count):
        ImportJob.objects.create(kind="measurements", created_by=user, filename="m.csv", content=b"x")


def test_the_list_costs_the_same_queries_for_three_times_the_jobs(api, lead):
    client = api(lead)
    _jobs(lead, 2)
    few = queries_for(client, URL)
    _jobs(lead, 4)
    assert queries_for(client, URL) == few


def test_a_file_over_the_size_limit_is_a_400_and_stores_nothing(api, lead, kpi, monkeypatch):
    monkeypatch.setattr(imports, "MAX_FILE_BYTES", 10)
    response = upload(api(lead), GOOD)
    assert response.status_code == 400
    assert response.json()["fields"] == {"file": [imports.MSG_TOO_LARGE]}
    assert not ImportJob.objects.exists()
