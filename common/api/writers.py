"""DRF's date and datetime formats without a field per value, for the lean list paths.

A list that writes its rows from ``values()`` (the initiatives list, the measurements list) must
write dates and times exactly as the serializer's ``DateField`` and ``DateTimeField`` would: these
writers are those fields' ``to_representation``, resolved once per page instead of once per value,
and fall back to the field itself for any setting other than ISO 8601.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

Writer = Callable[[Any], Any]
# The names of the UTC zone: a time already at offset 0 is written as is, with ``Z``.
UTC_ZONES = frozenset({"UTC", "Etc/UTC"})


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
