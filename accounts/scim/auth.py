"""Who may call ``/scim/v2/``: a bearer API token of an active admin with the ``scim:provision`` scope.

django-scim2 wraps each SCIM view's dispatch in this class (setting ``AUTH_CHECK_MIDDLEWARE``). A
signed-in browser session is never enough: the endpoints are exempt from CSRF, so only the token
counts.
"""

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django_scim.constants import SCIM_CONTENT_TYPE, SchemaURI
from django_scim.middleware import SCIMAuthCheckMiddleware

from accounts.models import Scope
from accounts.services import token_authenticate

MAX_DEPTH = 32
MSG_NO_TOKEN = "Send an API token: Authorization: Bearer <token>."
MSG_BAD_TOKEN = "The token is unknown, revoked or expired, or its owner is deactivated."
MSG_NOT_ALLOWED = "The token needs the scim:provision scope and an admin owner."


def _error(status: int, detail: str, *, scim_type: str = "") -> HttpResponse:
    body = {"schemas": [SchemaURI.ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    response = HttpResponse(json.dumps(body), status=status, content_type=SCIM_CONTENT_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


def _depth(value, limit: int, level: int = 0) -> int:
    if level > limit:
        return level
    if isinstance(value, dict):
        return max((_depth(v, limit, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, limit, level + 1) for v in value), default=level)
    return level


def _body_problem(request) -> HttpResponse | None:
    """What /api/v1 refuses is refused here too, as SCIM errors: too large, not UTF-8, too deep."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    try:
        raw = request.body
    except RequestDataTooBig:
        return _error(413, "The request body is too large.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "The request body is not UTF-8 text.", scim_type="invalidSyntax")
    try:
        data = json.loads(text) if text.strip() else {}
    except (ValueError, RecursionError):
        return _error(400, "The request body is not valid JSON.", scim_type="invalidSyntax")
    if _depth(data, MAX_DEPTH) > MAX_DEPTH:
        return _error(400, f"The JSON is nested more than {MAX_DEPTH} levels.", scim_type="invalidSyntax")
    return None


class ScimTokenCheck(SCIMAuthCheckMiddleware):
    def process_request(self, request):
        scheme, _, secret = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return _error(401, MSG_NO_TOKEN)
        token = token_authenticate(secret=secret.strip())
        if token is None:
            return _error(401, MSG_BAD_TOKEN)
        if not token.has_scope(Scope.SCIM_PROVISION) or not token.user.is_admin:
            return _error(403, MSG_NOT_ALLOWED)
        request.user = token.user
        request.auth = token
        return _body_problem(request)
