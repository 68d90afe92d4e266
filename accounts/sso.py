"""Single sign-on with OpenID Connect (mozilla-django-oidc), configured by environment.

On each sign-in the identity provider's claims decide who the person is here: the e-mail finds (or
creates) the user, ``SsoGroupMapping`` rows turn the groups claim into a role and teams, and a
person in none of the mapped groups is refused and deactivated. Tokens are checked strictly: the
signature against the provider's keys, the audience (our client id), the issuer when configured,
the expiry and the nonce; anything else is a refused sign-in, never an error page.
"""

from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import Http404
from django.shortcuts import resolve_url
from mozilla_django_oidc import views as oidc_views
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts import audit
from accounts.login import normalize_login_email
from accounts.models import Membership, Role, SsoGroupMapping, User
from accounts.provisioning import end_access, provisioned_role

# Highest first: a person in several mapped groups gets the most capable of their roles.
ROLE_RANK = [Role.ADMIN, Role.EXECUTIVE, Role.FINANCE, Role.LEAD, Role.CONTRIBUTOR, Role.VIEWER]


def sso_enabled() -> bool:
    return bool(getattr(settings, "OIDC_RP_CLIENT_ID", ""))


def groups_of(claims: dict) -> set[str]:
    groups = claims.get(settings.SSO_GROUPS_CLAIM) or []
    return {str(g) for g in groups} if isinstance(groups, list | tuple) else {str(groups)}


@transaction.atomic
def sso_user_sync(*, user: User | None, claims: dict, request=None) -> User | None:
    """Create or update the user from the claims; None (and deactivated) when no mapped group holds them."""
    email = normalize_login_email(claims.get("email", ""))
    mappings = list(SsoGroupMapping.objects.select_related("team"))
    matched = [m for m in mappings if m.group in groups_of(claims)]
    if mappings and not matched:
        if user is not None and user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
            end_access(user)
        audit.audit(audit.SSO_REFUSED, request=request, email=email)
        return None
    roles = [m.role for m in matched if m.role]
    role = min(roles, key=ROLE_RANK.index) if roles else (user.role if user else provisioned_role())
    created = user is None
    user = user or User(email=email)
    user.email = email
    user.full_name = (claims.get("name") or user.full_name or "").strip()[:150]
    user.role = role
    user.is_staff = user.is_superuser = role == Role.ADMIN
    user.is_active = True
    if created or settings.SSO_DISABLE_LOCAL_PASSWORDS:
        user.set_unusable_password()
    user.save()
    managed = {m.team_id for m in mappings if m.team_id}
    wanted = {m.team_id for m in matched if m.team_id}
    Membership.objects.filter(user=user, team_id__in=managed - wanted).delete()
    present = set(Membership.objects.filter(user=user).values_list("team_id", flat=True))
    Membership.objects.bulk_create([Membership(user=user, team_id=t) for t in wanted - present])
    if created:
        audit.audit(audit.PROVISIONED, request=request, user=user)
    return user


def filter_user(email: str) -> User | None:
    email = normalize_login_email(email or "")
    return User.objects.filter(email__iexact=email).first() if email else None


class SsoBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims):
        email = normalize_login_email(claims.get("email", ""))
        return User.objects.filter(email__iexact=email) if email else User.objects.none()

    def verify_claims(self, claims) -> bool:
        return bool(claims.get("email")) and super().verify_claims(claims)

    def create_user(self, claims):
        return sso_user_sync(user=None, claims=claims, request=self.request)

    def update_user(self, user, claims):
        return sso_user_sync(user=user, claims=claims, request=self.request)

    def get_or_create_user(self, access_token, id_token, payload):
        user = super().get_or_create_user(access_token, id_token, payload)
        return user if user is not None and user.is_active else None

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("The token is not signed with the expected algorithm.")
        issuer = self.get_settings("OIDC_OP_ISSUER", "") or None
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer,
                options={"require": ["exp", "iat", "aud"]},
            )
        except jwt.InvalidTokenError as error:
            raise SuspiciousOperation(f"The identity provider's token was refused: {error}.") from None

    def authenticate(self, request, **kwargs):
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as error:
            audit.audit(audit.SSO_REFUSED, request=request, email=str(error))
            return None


def provider_logout_url(request) -> str:
    """Sign out at the identity provider too, then come back to the sign-in page."""
    base = settings.OIDC_OP_LOGOUT_ENDPOINT
    if not base:
        return resolve_url(settings.LOGOUT_REDIRECT_URL)
    params = {"post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGIN_URL))}
    if request.session.get("oidc_id_token"):
        params["id_token_hint"] = request.session["oidc_id_token"]
    return f"{base}?{urlencode(params)}"


class _Enabled:
    def dispatch(self, request, *args, **kwargs):
        if not sso_enabled():
            raise Http404("Single sign-on is not configured.")
        return super().dispatch(request, *args, **kwargs)


class SsoLoginView(_Enabled, oidc_views.OIDCAuthenticationRequestView):
    def __init__(self, *args, **kwargs):
        if sso_enabled():
            super().__init__(*args, **kwargs)


class SsoCallbackView(_Enabled, oidc_views.OIDCAuthenticationCallbackView):
    pass


class SsoLogoutView(_Enabled, oidc_views.OIDCLogoutView):
    pass
