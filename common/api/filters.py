"""Query-string filters every list shares, each refusing what it cannot honour.

``updated_since`` is parsed as an ISO 8601 time with an offset. Python accepts offsets up to ±23:59
and years 1–9999 in any zone, but the database stores UTC within ±14:00 zones: an offset beyond
that, or a time whose UTC instant falls outside Python's years, would fail in the query (500), so
they are refused here with the parameter named.

Ordering: DRF's filter silently drops an unknown field, so a client asking for
``?ordering=priority`` would get the default order and believe it sorted.
"""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.filters import OrderingFilter

# The widest offsets in use anywhere (UTC−12:00 to UTC+14:00, ISO 8601 allows ±14:00 both ways).
MAX_UTC_OFFSET = dt.timedelta(hours=14)
MSG_UTC_OFFSET = gettext_noop("The time zone offset must lie between -14:00 and +14:00.")
MSG_DATETIME_RANGE = gettext_noop("The time must lie between the years 1 and 9999 once converted to UTC.")
MSG_UNKNOWN_ORDERING = gettext_noop("Unknown ordering field: {fields}. Choose from: {choices}.")


class BoundedIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.utcoffset() is None:
            return parsed
        if abs(parsed.utcoffset()) > MAX_UTC_OFFSET:
            raise ValidationError(_(MSG_UTC_OFFSET), code="invalid")
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(_(MSG_DATETIME_RANGE), code="invalid") from None


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 time filter whose every accepted value can be compared in the database."""

    field_class = BoundedIsoDateTimeField


class StrictOrderingFilter(OrderingFilter):
    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if params:
            terms = [term.strip() for term in params.split(",") if term.strip()]
            valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            unknown = [term for term in terms if term.removeprefix("-") not in valid]
            if unknown:
                choices = ", ".join(sorted(valid)) or "none"
                message = _(MSG_UNKNOWN_ORDERING).format(fields=", ".join(unknown), choices=choices)
                raise ApiValidationError({self.ordering_param: [message]})
        return super().get_ordering(request, queryset, view)
