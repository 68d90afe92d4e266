"""The lean list paths' date and time writers write what DRF's fields write."""

import datetime as dt
import zoneinfo

import pytest
from rest_framework import serializers

from common.api.writers import date_column_writer, datetime_column_writer, datetime_writer

UTC_TIMES = [
    dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 2, 12, 0, 0, 5, tzinfo=dt.UTC),
    dt.datetime(1, 1, 2, tzinfo=zoneinfo.ZoneInfo("UTC")),
    dt.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=dt.UTC),
]
MIXED = [*UTC_TIMES, dt.datetime(2026, 7, 1, 12, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")), None]
# A column of a list whose rows mostly have no such time (``archived_at``): nulls among UTC times.
UTC_AND_NULLS = [None, *UTC_TIMES, None]


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
@pytest.mark.parametrize("column", [UTC_TIMES, MIXED, UTC_AND_NULLS, [None], []])
def test_the_writers_write_what_the_field_writes(settings, zone, column):
    settings.TIME_ZONE = zone
    field = serializers.DateTimeField()
    expected = [None if value is None else field.to_representation(value) for value in column]

    assert [datetime_writer()(value) for value in column] == expected
    assert datetime_column_writer()(column) == expected


DATES = [dt.date(1, 1, 1), dt.date(2026, 2, 28), None, dt.date(9999, 12, 31)]


@pytest.mark.parametrize("output", [None, "iso-8601", "%d/%m/%Y"])
@pytest.mark.parametrize("column", [DATES, [None], []])
def test_the_date_column_writer_writes_what_the_field_writes(settings, output, column):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DATE_FORMAT": output}
    field = serializers.DateField()
    expected = [None if value is None else field.to_representation(value) for value in column]

    assert date_column_writer()(column) == expected
