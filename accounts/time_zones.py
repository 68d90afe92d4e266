"""Each person's time zone: pages, "today", due and overdue dates, reminders and digests follow it.

A user's ``time_zone`` (an IANA name) falls back to the organisation's, ``settings.TIME_ZONE``
(environment ``TIME_ZONE``, UTC by default). In the site the zone is activated for the whole request,
so every ``timezone.localdate()`` / ``localtime()`` and every date a template shows is the user's.
The API keeps the organisation's zone: integrations read the same offsets whoever owns the token.
"""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from common.db_unavailable import DATABASE_ERRORS, database_unavailable_response

MSG_UNKNOWN_ZONE = gettext_noop(
    "Unknown time zone: {zone}. Use an IANA name such as Europe/London or Asia/Shanghai."
)


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def is_zone(name: str) -> bool:
    return name in zone_names()


def zone_of(user) -> ZoneInfo:
    name = getattr(user, "time_zone", "") or settings.TIME_ZONE
    return ZoneInfo(name if is_zone(name) else settings.TIME_ZONE)


def local_today(user, *, now: dt.datetime | None = None) -> dt.date:
    """The date it is for ``user`` at ``now`` (default: now)."""
    return (now or timezone.now()).astimezone(zone_of(user)).date()


# The API and SCIM keep the organisation's zone; health, metrics, static files and share links read no
# session, so the user is not even loaded for them.
ORGANISATION_ZONE_PREFIXES = ("/api/", "/scim/", "/static/", "/healthz", "/readyz", "/metrics", "/share/")


class UserTimeZoneMiddleware:
    """Activate the signed-in user's zone for the request (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = None if request.path.startswith(ORGANISATION_ZONE_PREFIXES) else getattr(request, "user", None)
        try:
            # Reading the user reads the session: the first database query of a page.
            signed_in = user is not None and user.is_authenticated
        except DATABASE_ERRORS:
            return database_unavailable_response(request)
        if signed_in and user.time_zone:
            timezone.activate(zone_of(user))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
