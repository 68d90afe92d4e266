"""DRF's date and datetime formats without a field per value, for the lean list paths.

A list that writes its rows from ``values()`` (the initiatives list, the measurements list) must
write dates and times exactly as the serializer's ``DateField`` and ``DateTimeField`` would: these
writers are those fields' ``to_representation``, resolved once per page instead of once per value,
and fall back to the field itself for any setting other than ISO 8601.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

import orjson
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

Writer = Callable[[Any], Any]
# The names of the UTC zone: a time already at offset 0 is written as is, with ``Z``.
UTC_ZONES = frozenset({"UTC", "Etc/UTC"})
ZERO = dt.timedelta(0)


def date_writer() -> Writer:
    """``DateField().to_representation`` (None stays None), without the field per value."""
    field = serializers.DateField()
    output = api_settings.DATE_FORMAT
    if output is None or output.lower() != ISO_8601:
        return lambda value: None if value is None else field.to_representation(value)
    return lambda value: None if value is None else value.isoformat()


def datetime_writer() -> Writer:
    """``DateTimeField().to_representation``: ISO 8601 in the current time zone, UTC as ``Z``."""
    field = serializers.DateTimeField()
    output = api_settings.DATETIME_FORMAT
    zone = field.default_timezone()
    if output is None or output.lower() != ISO_8601 or zone is None:
        return lambda value: None if value is None else field.to_representation(value)

    utc = zone is dt.UTC or getattr(zone, "key", None) in UTC_ZONES

    def write(value):
        if value is None:
            return None
        offset = value.utcoffset()
        if offset is None:
            return field.to_representation(value)
        if utc and not offset:
            # Already at UTC: converting would change nothing but the tzinfo object.
            return value.isoformat()[:-6] + "Z"
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


def date_column_writer() -> Callable[[list], list]:
    """``date_writer`` for a whole column of values at once: under ISO 8601, when every value is a
    date or None, orjson writes them all in one call (the same ``YYYY-MM-DD`` text; null)."""
    one = date_writer()
    output = api_settings.DATE_FORMAT
    plain = output is not None and output.lower() == ISO_8601

    def write(values: list) -> list:
        if plain and all(value is None or type(value) is dt.date for value in values):
            return orjson.loads(orjson.dumps(values))
        return [one(value) for value in values]

    return write


def datetime_column_writer() -> Callable[[list], list]:
    """``datetime_writer`` for a whole column of values at once.

    When the current zone is UTC and every value is an aware time at offset 0 or None, orjson writes
    them all in one call: the same text (ISO 8601, microseconds when there are any, ``Z``; null) at a
    fraction of the cost of one ``isoformat`` per value. Any other column is written value by value.
    """
    one = datetime_writer()
    zone = serializers.DateTimeField().default_timezone()
    utc = zone is dt.UTC or getattr(zone, "key", None) in UTC_ZONES
    plain = api_settings.DATETIME_FORMAT is not None and api_settings.DATETIME_FORMAT.lower() == ISO_8601

    def write(values: list) -> list:
        if utc and plain and all(value is None or value.utcoffset() == ZERO for value in values):
            return orjson.loads(orjson.dumps(values, option=orjson.OPT_UTC_Z))
        return [one(value) for value in values]

    return write
