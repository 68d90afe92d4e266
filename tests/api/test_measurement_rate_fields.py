"""Measurements carry the period's denominator and numerator, a note and an assignable cause
(single and bulk writes, on SQLite and PostgreSQL alike)."""

import datetime as dt

import pytest
from django.utils import timezone

from kpis import services
from kpis.models import Measurement
from tests.factories import KpiFactory

BULK = "/api/v1/measurements/bulk/"
DAY = (timezone.localdate() - dt.timedelta(days=10)).isoformat()


@pytest.fixture
def kpi(db):
    return KpiFactory(code="rate_kpi", unit="percent", min_value=0, max_value=100)


@pytest.fixture
def writer(token_api, contributor):
    return token_api(contributor, "measurements:write")


def test_a_bulk_row_stores_its_counts_note_and_cause_and_resending_changes_nothing(kpi, writer):
    row = {
        "kpi": "rate_kpi",
        "period": DAY,
        "value": 75.0,
        "sample_size": 400,
        "numerator": 300,
        "note": "Holiday staffing",
        "assignable_cause": "Two agents out sick",
    }

    first = writer.post(BULK, {"rows": [row]}, format="json")
    again = writer.post(BULK, {"rows": [row]}, format="json")
    changed = writer.post(BULK, {"rows": [row | {"note": "Holiday staffing (Boxing Day)"}]}, format="json")

    assert first.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1}
    assert changed.json() == {"created": 0, "updated": 1, "unchanged": 0}
    stored = Measurement.objects.get()
    assert (stored.sample_size, stored.numerator, stored.assignable_cause) == (
        400,
        300,
        "Two agents out sick",
    )
    assert stored.note == "Holiday staffing (Boxing Day)"


@pytest.mark.parametrize(
    "extra",
    [{"numerator": 401, "sample_size": 400}, {"numerator": 3}, {"numerator": -1, "sample_size": 4}],
)
def test_a_numerator_beyond_its_sample_is_a_clear_400_and_writes_nothing(kpi, writer, extra):
    row = {"kpi": "rate_kpi", "period": DAY, "value": 75.0} | extra

    response = writer.post(
        BULK, {"rows": [row, {"kpi": "rate_kpi", "period": DAY, "value": 1, "source": "b"}]}, format="json"
    )

    assert response.status_code == 400
    assert not Measurement.objects.exists()
    if extra["numerator"] >= 0:
        assert services.MSG_BAD_NUMERATOR in str(response.json())


def test_the_single_write_and_the_list_show_the_new_fields(kpi, writer, api, viewer):
    response = writer.post(
        "/api/v1/measurements/",
        {"kpi": "rate_kpi", "period": DAY, "value": 50.0, "sample_size": 10, "numerator": 5, "note": "Pilot"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["numerator"], response.json()["note"]) == (5, "Pilot")
    listed = api(viewer).get("/api/v1/measurements/").json()["results"][0]
    assert (listed["numerator"], listed["note"], listed["assignable_cause"]) == (5, "Pilot", "")
