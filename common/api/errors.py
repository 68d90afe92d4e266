"""One error format for every API answer, whatever raised it.

    {"code": "invalid", "message": "The input is not valid.",
     "fields": {"title": ["This field is required."], "rows[3].value": ["…"]},
     "non_field_errors": [], "details": []}

Services raise Django's ``ValidationError`` or ``common.errors`` domain errors and never import DRF;
this handler is the single place that turns them into HTTP statuses. What never reaches a DRF view
(a URL that matches no route, a request Django refuses to parse, a crash) goes to Django's error
handlers, which ``config/urls.py`` points at the functions below: under ``/api/`` they answer the
same format, elsewhere the site's HTML pages.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings

from common import errors
from common.db_unavailable import database_error_in_flight, database_unavailable_response

MSG_INVALID = gettext_noop("The input is not valid.")
MSG_NOT_FOUND = gettext_noop("Not found.")
MSG_PRECONDITION_FAILED = gettext_noop(
    "The resource changed since you read it (If-Match does not match); reload and retry."
)
MSG_BAD_REQUEST = gettext_noop("The request could not be read.")
MSG_TOO_LARGE = gettext_noop("The request body is larger than the {limit} bytes this API accepts.")
MSG_FORBIDDEN = exceptions.PermissionDenied.default_detail
MSG_SERVER_ERROR = gettext_noop("The server failed to answer this request; it has been logged.")
API_PATH_PREFIX = "/api/"
# The default messages of common.errors (which stays free of translation machinery), marked for
# the catalogue: the handler words them in the request's language.
DOMAIN_DEFAULT_MESSAGES = (
    gettext_noop("The request could not be carried out."),
    gettext_noop("You are not allowed to do this."),
    gettext_noop("Not found."),
    gettext_noop("The record was changed by someone else; reload and try again."),
    gettext_noop("The stage gate is not met."),
)

DOMAIN_STATUSES = (
    (errors.GateFailed, status.HTTP_409_CONFLICT),
    (errors.Conflict, status.HTTP_409_CONFLICT),
    (errors.PermissionDenied, status.HTTP_403_FORBIDDEN),
    (errors.NotFound, status.HTTP_404_NOT_FOUND),
    (errors.DomainError, status.HTTP_400_BAD_REQUEST),
)
NON_FIELD_KEYS = frozenset({NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY})


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy(MSG_PRECONDITION_FAILED)
    default_code = "precondition_failed"


def error_body(
    *, code: str, message: str, fields: dict | None = None, non_field: list | None = None, details=None
) -> dict:
    return {
        "code": code,
        "message": str(message),
        "fields": fields or {},
        "non_field_errors": non_field or [],
        "details": details or [],
    }


def _child_name(prefix: str, key) -> str:
    if prefix and key in NON_FIELD_KEYS:
        # A list's own error ("too many rows") belongs to the list field itself.
        return prefix
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """Nested serializer errors become flat keys: ``rows[3].value``, ``members[0]``."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            flat.update(_flatten(value, _child_name(prefix, key)))
        return flat
    if isinstance(detail, list | tuple):
        if all(isinstance(item, str) for item in detail):
            return {prefix: [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            flat.update(_flatten(item, f"{prefix}[{index}]"))
        return flat
    return {prefix: [str(detail)]}


def _domain_message(exc: errors.DomainError) -> str:
    # A service's own message is already in the request's language; a default one is translated here.
    return _(str(exc.message))


def _split(flat: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[str]]:
    non_field = [message for key in NON_FIELD_KEYS for message in flat.pop(key, [])]
    non_field += flat.pop("", [])
    return flat, non_field


def _validation_response(detail) -> Response:
    fields, non_field = _split(_flatten(detail))
    body = error_body(code="invalid", message=_(MSG_INVALID), fields=fields, non_field=non_field)
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


def _django_validation_detail(exc: DjangoValidationError):
    return exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}


def _too_large_body() -> dict:
    return error_body(
        code="too_large", message=_(MSG_TOO_LARGE).format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    )


def _sent_if_match(context) -> bool:
    request = context.get("request") if context else None
    return request is not None and bool(request.headers.get("If-Match"))


def api_exception_handler(exc, context):
    if isinstance(exc, RequestDataTooBig):
        # Django calls it a suspicious operation (400); for the client it is a body over the limit.
        return Response(_too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, DjangoValidationError):
        return _validation_response(_django_validation_detail(exc))
    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc.detail)
    if isinstance(exc, errors.StaleVersion) and _sent_if_match(context):
        # The ETag matched when the view read the row, but another write committed before ours:
        # the client's precondition failed all the same, only later than the first check could see.
        exc = PreconditionFailed()
    for error_class, http_status in DOMAIN_STATUSES:
        if isinstance(exc, error_class):
            details = exc.details if isinstance(exc.details, list) else [exc.details] if exc.details else []
            return Response(
                error_body(code=exc.code, message=_domain_message(exc), details=details), status=http_status
            )
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return Response(
            error_body(code="not_found", message=_(MSG_NOT_FOUND)), status=status.HTTP_404_NOT_FOUND
        )
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        return Response(
            error_body(code=code, message=str(exc.detail)), status=exc.status_code, headers=headers
        )
    return None


# --- Django's handler400/403/404/500 (see config/urls.py) ----------------------------------------


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PATH_PREFIX)


def _json_error(*, code: str, message: str, http_status: int) -> JsonResponse:
    return JsonResponse(error_body(code=code, message=message), status=http_status)


def bad_request(request, exception):
    if _is_api(request) and isinstance(exception, RequestDataTooBig):
        # The body was read before a DRF view (by middleware): the same answer as in the view.
        return JsonResponse(_too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if _is_api(request):
        return _json_error(
            code="bad_request", message=_(MSG_BAD_REQUEST), http_status=status.HTTP_400_BAD_REQUEST
        )
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return _json_error(
            code="permission_denied", message=MSG_FORBIDDEN, http_status=status.HTTP_403_FORBIDDEN
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return _json_error(code="not_found", message=_(MSG_NOT_FOUND), http_status=status.HTTP_404_NOT_FOUND)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if database_error_in_flight():  # raised outside a view, e.g. in a middleware
        return database_unavailable_response(request)
    if _is_api(request):
        return _json_error(
            code="server_error",
            message=_(MSG_SERVER_ERROR),
            http_status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return defaults.server_error(request)
