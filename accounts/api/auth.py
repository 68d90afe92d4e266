"""``Authorization: Bearer <secret>`` with the hashed, scoped API tokens of accounts.services."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.services import token_authenticate

KEYWORD = "Bearer"
MSG_BAD_HEADER = gettext_noop("The Authorization header must be 'Bearer <token>'.")
MSG_BAD_TOKEN = gettext_noop("The token is unknown, expired or revoked.")


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates as the token's owner; ``request.auth`` is the ApiToken (its scopes)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != KEYWORD.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_(MSG_BAD_HEADER))
        token = token_authenticate(secret=header[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_(MSG_BAD_TOKEN))
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes unauthenticated calls answer 401 with a challenge rather than 403.
        return f'{KEYWORD} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from /api/v1/tokens/ (shown once). It can do only what its "
            "scopes and its owner's role allow.",
        }
