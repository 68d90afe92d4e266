"""A token can do only what its scopes name; the owner's role is then checked by services."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from rest_framework.permissions import BasePermission

MSG_MISSING_SCOPE = gettext_noop("This token lacks the scope {scope}.")
MSG_SESSION_ONLY = gettext_noop("This endpoint needs a signed-in session; API tokens cannot use it.")


class TokenScopes(BasePermission):
    """Session callers pass; a token caller needs the scope the view names for this request.

    The view's ``required_scope(request)`` answers a scope, ``ANY_SCOPE`` or ``SESSION_ONLY``.
    """

    message = gettext_lazy(MSG_SESSION_ONLY)
    code = "permission_denied"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not hasattr(token, "has_scope"):
            return True
        scope = view.required_scope(request)
        if scope is SESSION_ONLY:
            self.message, self.code = _(MSG_SESSION_ONLY), "session_only"
            return False
        if scope is ANY_SCOPE or token.has_scope(scope):
            return True
        self.message, self.code = _(MSG_MISSING_SCOPE).format(scope=scope), "missing_scope"
        return False


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


ANY_SCOPE = _Marker("ANY_SCOPE")
SESSION_ONLY = _Marker("SESSION_ONLY")
