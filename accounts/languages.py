"""Each person's language: pages and the emails sent to them follow it.

A user's ``language`` (a code of ``settings.LANGUAGES``) wins; blank follows the browser's
Accept-Language (Django's LocaleMiddleware, which runs first), and English is the last resort
(``settings.LANGUAGE_CODE``). The API and SCIM follow Accept-Language only: a token has no browser
session, and integrations choose their language per call. Emails and other messages built outside
a request use ``user_language`` / ``language_of``::

    with language_of(recipient):
        send_mail(subject=render_to_string(...), ...)
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

from common.db_unavailable import DATABASE_ERRORS, database_unavailable_response

MSG_UNKNOWN_LANGUAGE = gettext_noop("Unknown language: %(code)s.")


def language_codes() -> tuple[str, ...]:
    return tuple(code for code, _label in settings.LANGUAGES)


def is_language(code: str) -> bool:
    return code in language_codes()


def user_language(user, default: str | None = None) -> str:
    """The language to write to ``user`` in: their own choice, else ``default`` (in a request, the
    browser's: ``translation.get_language()``), else the site's default (English)."""
    code = getattr(user, "language", "") or ""
    return code if is_language(code) else default or settings.LANGUAGE_CODE


@contextmanager
def language_of(user, default: str | None = None):
    """Render what is inside in ``user``'s language (an email, a notification), then restore."""
    with translation.override(user_language(user, default)):
        yield


# Like the time zone (accounts/time_zones.py): the API, SCIM and what reads no session keep
# LocaleMiddleware's choice (Accept-Language).
BROWSER_LANGUAGE_PREFIXES = ("/api/", "/scim/", "/static/", "/healthz", "/readyz", "/metrics", "/share/")


class UserLanguageMiddleware:
    """Activate the signed-in user's own language for the request (after AuthenticationMiddleware).

    LocaleMiddleware (earlier) has activated the browser's language and sets ``Vary: Accept-Language``
    on the way out; this one overrides the choice (and ``Content-Language``) when the user made one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = None if request.path.startswith(BROWSER_LANGUAGE_PREFIXES) else getattr(request, "user", None)
        try:
            code = user.language if user is not None and user.is_authenticated else ""
        except DATABASE_ERRORS:
            return database_unavailable_response(request)
        if not (code and is_language(code)):
            return self.get_response(request)
        # Only for this request: the thread goes back to LocaleMiddleware's choice afterwards.
        with translation.override(code):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers["Content-Language"] = request.LANGUAGE_CODE
        return response
