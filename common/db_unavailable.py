"""A database that is down or does not answer: 503 with Retry-After, never a 500.

The middleware bounds every database wait of the request (``common.postgresql.base``) and turns the
database's ``OperationalError`` / ``InterfaceError`` into 503 + ``Retry-After``: the API's JSON error
body under ``/api/``, ``templates/503.html`` elsewhere. The same errors raised outside a view (in
another middleware) reach ``handler500``, which answers the same way (``common.api.errors``).
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader

from common.postgresql.base import answer_deadline_on

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 10
MSG_UNAVAILABLE = "The database is not answering; nothing was changed by this request. Retry shortly."
API_PATH_PREFIX = "/api/"


def database_unavailable_response(request) -> HttpResponse:
    if request.path_info.startswith(API_PATH_PREFIX):
        body = {
            "code": "database_unavailable",
            "message": MSG_UNAVAILABLE,
            "fields": {},
            "non_field_errors": [],
            "details": [],
        }
        response = JsonResponse(body, status=503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def database_error_in_flight() -> bool:
    """Whether the exception being handled (``handler500`` runs inside Django's ``except``) is the
    database's."""
    return isinstance(sys.exc_info()[1], DATABASE_ERRORS)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = answer_deadline_on.set(True)
        try:
            return self.get_response(request)
        finally:
            answer_deadline_on.reset(token)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("Database unavailable, answered 503: %s: %s", type(exception).__name__, exception)
        return database_unavailable_response(request)
