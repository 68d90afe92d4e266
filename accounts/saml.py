"""Single sign-on with SAML 2.0 (djangosaml2 on pysaml2), configured by environment.

pysaml2 checks the response: the identity provider's signature on the assertion, the audience (our
entity id), the validity window, and that it answers a request we sent. This backend then maps the
assertion like OpenID Connect's claims (``accounts.sso.sso_user_sync``): the e-mail (NameID in
e-mail format, else the ``mail``/``email`` attribute) finds or creates the person, the groups
attribute gives the role and teams through ``SsoGroupMapping``, and a person in none of the mapped
groups is refused and deactivated.
"""

from functools import wraps

from django.conf import settings
from django.http import Http404
from djangosaml2.backends import Saml2Backend
from saml2.saml import NAMEID_FORMAT_EMAILADDRESS

from accounts import audit
from accounts.sso import sso_user_sync

EMAIL_ATTRIBUTES = (
    "mail",
    "email",
    "emailAddress",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
)
NAME_ATTRIBUTES = ("displayName", "cn", "name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")


def saml_enabled() -> bool:
    return bool(getattr(settings, "SAML_CONFIG", None))


def _first(attributes: dict, names) -> str:
    for name in names:
        values = attributes.get(name)
        if values:
            return str(values[0])
    return ""


class SamlBackend(Saml2Backend):
    def authenticate(
        self, request, session_info=None, attribute_mapping=None, create_unknown_user=True, **kwargs
    ):
        if not session_info or "ava" not in session_info:
            return None
        attributes = session_info["ava"]
        name_id = session_info.get("name_id")
        email = _first(attributes, EMAIL_ATTRIBUTES)
        if not email and name_id is not None and getattr(name_id, "format", "") == NAMEID_FORMAT_EMAILADDRESS:
            email = name_id.text
        if not email:
            audit.audit(audit.SSO_REFUSED, request=request, email="(no e-mail in the SAML assertion)")
            return None
        claims = {
            "email": email,
            "name": _first(attributes, NAME_ATTRIBUTES),
            settings.SSO_GROUPS_CLAIM: list(attributes.get(settings.SAML_GROUPS_ATTRIBUTE, [])),
        }
        from accounts.sso import filter_user

        user = sso_user_sync(user=filter_user(email), claims=claims, request=request)
        return user if user is not None and user.is_active else None


def when_enabled(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not saml_enabled():
            raise Http404("SAML single sign-on is not configured.")
        return view(request, *args, **kwargs)

    return wrapper
