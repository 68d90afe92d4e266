"""The range every business date lies in, so every date derived from it is representable.

Python's dates end at 9999-12-31: a start date near it has no 90-day plan, a milestone due on it has
no end in a calendar feed, a target dated on it has no chart margin. Dates the product stores (start,
end, due, target and baseline dates, status-update dates, measurement periods) lie in
[DATE_MIN, DATE_MAX]; everything derived from them (the plan, calendar events, chart margins, the
roadmap's windows) stays centuries inside Python's range. Documented in docs/domain.md.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2999, 12, 31)
MSG_DATE_RANGE_TEMPLATE = gettext_noop("Dates must lie between {low} and {high}.")
MSG_DATE_RANGE = MSG_DATE_RANGE_TEMPLATE.format(low=DATE_MIN.isoformat(), high=DATE_MAX.isoformat())


def date_in_range(value: dt.date | None) -> bool:
    return value is None or DATE_MIN <= value <= DATE_MAX


def validate_date_in_range(value: dt.date | None) -> None:
    """A form or model field validator."""
    if not date_in_range(value):
        raise ValidationError(
            gettext(MSG_DATE_RANGE_TEMPLATE).format(low=DATE_MIN.isoformat(), high=DATE_MAX.isoformat()),
            code="date_range",
        )


def date_shift(value: dt.date, days: int) -> dt.date:
    """``value`` moved by ``days``, stopping at Python's first and last dates instead of overflowing.

    For displaying data stored before the range was enforced: a page never fails on a stored date.
    """
    try:
        return value + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min
