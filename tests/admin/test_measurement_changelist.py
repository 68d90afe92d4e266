"""The measurements changelist stays bounded on a large table: no DISTINCT over the table, a
capped count, a search that resolves the KPI code first, rows in natural-key order."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kpis import admin as kpis_admin
from kpis.models import Measurement
from tests.admin.conftest import admin_url
from tests.factories import KpiFactory, MeasurementFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 1, 1)


@pytest.fixture
def two_series(db):
    csat, nps = KpiFactory(code="csat_x"), KpiFactory(code="nps_x")
    for kpi in (csat, nps):
        for day in range(3):
            MeasurementFactory(kpi=kpi, segment="chat", period=DAY + dt.timedelta(days=day))
    return csat, nps


def _rows(response) -> list[Measurement]:
    return list(response.context["cl"].result_list)


def test_a_search_by_kpi_code_lists_that_kpis_rows_newest_first(admin_client, two_series):
    csat, _ = two_series

    response = admin_client.get(admin_url(Measurement, "changelist"), {"q": "CSAT_X"})

    assert [(m.kpi, m.period) for m in _rows(response)] == [
        (csat, DAY + dt.timedelta(days=day)) for day in (2, 1, 0)
    ]
    assert (
        admin_client.get(admin_url(Measurement, "changelist"), {"q": "nope"}).context["cl"].result_count == 0
    )


def test_the_changelist_neither_scans_for_distinct_values_nor_counts_the_whole_table(
    admin_client, two_series
):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(admin_url(Measurement, "changelist"))

    assert response.status_code == 200
    assert len(_rows(response)) == 6
    measurement_sql = [q["sql"] for q in queries if "kpis_measurement" in q["sql"]]
    assert not [sql for sql in measurement_sql if "DISTINCT" in sql.upper()]
    counts = [sql for sql in measurement_sql if "COUNT(" in sql.upper()]
    assert counts and all("LIMIT" in sql.upper() for sql in counts)


def test_the_count_stops_at_the_cap(admin_client, two_series, monkeypatch):
    monkeypatch.setattr(kpis_admin.CappedCountPaginator, "cap", 4)
    monkeypatch.setattr(kpis_admin.MeasurementAdmin, "list_per_page", 2)

    response = admin_client.get(admin_url(Measurement, "changelist"))

    assert response.context["cl"].result_count == 4
    assert response.context["cl"].paginator.num_pages == 2
