"""Who may call ``/scim/v2/``: a bearer API token of an active admin with the ``scim:provision`` scope.

django-scim2 wraps each SCIM view's dispatch in this class (setting ``AUTH_CHECK_MIDDLEWARE``). A
signed-in browser session is never enough: the endpoints are exempt from CSRF, so only the token
counts.
"""

import json

from django.http import HttpResponse
from django_scim.constants import SCIM_CONTENT_TYPE, SchemaURI
from django_scim.middleware import SCIMAuthCheckMiddleware

from accounts.models import Scope
from accounts.services import token_authenticate

MSG_NO_TOKEN = "Send an API token: Authorization: Bearer <token>."
MSG_BAD_TOKEN = "The token is unknown, revoked or expired, or its owner is deactivated."
MSG_NOT_ALLOWED = "The token needs the scim:provision scope and an admin owner."


def _error(status: int, detail: str) -> HttpResponse:
    body = {"schemas": [SchemaURI.ERROR], "status": str(status), "detail": detail}
    response = HttpResponse(json.dumps(body), status=status, content_type=SCIM_CONTENT_TYPE)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


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
        return None
