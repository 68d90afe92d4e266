"""A lead imports measurements: uploads a file, reads the dry run's problems by row and column,
uploads the corrected file, imports it and sees what was written; the progress bar of a running
import follows the job until it finishes."""

import datetime as dt

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import Role
from improvement.models import ImportJob, ImportStatus
from improvement.services.imports import import_job_run, progress_key
from kpis.models import Kpi, Measurement
from tests.factories import TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

D1 = (dt.date.today() - dt.timedelta(days=3)).isoformat()
D2 = (dt.date.today() - dt.timedelta(days=2)).isoformat()


@pytest.fixture
def lena(db):
    team = TeamFactory(name="Customer Care", slug="customer-care")
    Kpi.objects.create(code="fcr", name="FCR", unit="percent", direction="higher", max_value=100)
    return UserFactory(email="lena@example.com", full_name="Lena Lead", role=Role.LEAD, teams=[team])


def test_a_lead_previews_corrects_and_imports_measurements(browse, lena, tmp_path):
    bad = tmp_path / "fcr.csv"
    bad.write_text(f"KPI,Segment,Period,Value\nfcr,chat,{D1},71\nfcr,chat,{D2},170\nfcr_x,chat,{D2},70\n")
    session = browse().login("lena@example.com")
    page = session.page
    page.get_by_role("link", name="Import").click()
    session.shot("form")
    page.get_by_label("What the file holds").select_option("measurements")
    page.get_by_label("File", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Status: Has errors")).to_be_visible()
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="above the highest valid value")).to_contain_text("3")
    expect(rows.filter(has_text="Unknown KPI code: fcr_x")).to_contain_text("KPI")
    session.shot("preview-with-errors")
    session.assert_accessible()
    assert not Measurement.objects.exists()

    good = tmp_path / "fcr-fixed.csv"
    good.write_text(f"KPI,Segment,Period,Value\nfcr,chat,{D1},71\nfcr,chat,{D2},70\n")
    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("What the file holds").select_option("measurements")
    page.get_by_label("File", exact=True).set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_text("The import will create 2, update 0 and leave 0 unchanged.")).to_be_visible()
    session.shot("preview-ready")
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_role("heading", name="Status: Imported")).to_be_visible()
    session.shot("imported")
    assert sorted(Measurement.objects.values_list("value", flat=True)) == [70, 71]


def test_the_progress_bar_follows_a_running_import_to_its_end(browse, lena):
    job = ImportJob.objects.create(
        kind="measurements",
        created_by=lena,
        filename="fcr.csv",
        content=f"KPI,Period,Value\nfcr,{D1},71\n".encode(),
        status=ImportStatus.IMPORTING,
        rows_total=100,
    )
    cache.set(progress_key(job.pk), 40)
    session = browse().login("lena@example.com")
    session.go(f"/imports/{job.pk}/")
    bar = session.page.get_by_role("progressbar", name="Rows handled")
    expect(bar).to_have_attribute("aria-valuenow", "40")
    expect(session.page.get_by_text("40 of 100 rows.")).to_be_visible()
    session.shot("running")
    session.assert_accessible()
    cache.delete(progress_key(job.pk))
    import_job_run(job_id=job.pk)
    expect(session.page.get_by_role("heading", name="Status: Imported")).to_be_visible()
    assert Measurement.objects.get().value == 71
