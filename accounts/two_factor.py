"""Optional TOTP two-factor authentication (django-otp), with single-use backup codes.

A user with a confirmed device signs in in two steps: the password (accounts.auth_views.LoginView),
then a code from the authenticator app or a backup code (``login_code_view``). With
``REQUIRE_ADMIN_2FA`` on, an admin without a device is sent to enrol before any other page. API
tokens are not affected: a Bearer token is its own proof (docs/deploy.md, "Password reset and
two-factor").
"""

import base64
import time

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_noop
from django_otp import devices_for_user, match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.api.errors import error_body

BACKUP_CODES = 10
APP_DEVICE = "Authenticator app"
BACKUP_DEVICE = "Backup codes"
# The password step is forgotten if the code does not follow within this time or these attempts.
PENDING_SECONDS = 5 * 60
PENDING_ATTEMPTS = 5
PENDING_KEY = "pdca_otp_pending"
MSG_ENROL_FIRST = gettext_noop(
    "Set up two-factor authentication (“Two-factor”, at the top of each page) before using the site."
)


def two_factor_required(user) -> bool:
    return bool(settings.REQUIRE_ADMIN_2FA and getattr(user, "is_admin", False))


def pending_device(user) -> TOTPDevice:
    """The unconfirmed app device being enrolled: the same secret on every view until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret as an authenticator app takes it typed in: base32, in groups of four."""
    b32 = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))


def qr_svg_data_uri(uri: str) -> str:
    import segno  # pure Python; the page still shows the secret and the URI as text

    return segno.make(uri, error="m").svg_data_uri(scale=4)


@transaction.atomic
def enrol_confirm(*, user, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the app device with a code from it; returns the new backup codes, or None if refused."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    return backup_codes_new(user=user)


@transaction.atomic
def backup_codes_new(*, user) -> list[str]:
    """A fresh set of single-use backup codes; the previous set stops working."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def code_match(*, user, token: str):
    """The device the code (app or backup) belongs to, or None. A wrong code counts against the
    device's throttle: each failure doubles the wait before the next code is checked."""
    return match_token(user, (token or "").strip().replace(" ", ""))


@transaction.atomic
def two_factor_disable(*, user) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()


def has_two_factor(user) -> bool:
    return user_has_device(user)


def pending_start(request, user) -> None:
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "at": time.time(),
        "attempts": 0,
    }


def pending_get(request) -> dict | None:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    return pending


EXEMPT_NAMES = ("two_factor", "logout", "login", "login_code")
EXEMPT_PREFIXES = ("/static/", "/healthz", "/readyz", "/metrics", "/share/")


class TwoFactorRequiredMiddleware:
    """With ``REQUIRE_ADMIN_2FA``: an admin without a device is sent to enrol first; an admin with a
    device whose session was not verified with a code (signed in before enrolling elsewhere) is
    signed out. Bearer-token API calls are authenticated later by DRF and never stopped here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Without the setting, or on a page that reads no session (health, metrics, share links),
        # the user is not even loaded here.
        path = request.path
        if not settings.REQUIRE_ADMIN_2FA or path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        user = request.user
        if not (user.is_authenticated and two_factor_required(user)) or user.is_verified():
            return self.get_response(request)
        exempt = {reverse(name) for name in EXEMPT_NAMES}
        if path in exempt:
            return self.get_response(request)
        if has_two_factor(user):
            logout(request)
            return redirect(f"{reverse('login')}?{urlencode({'next': path})}")
        if path.startswith("/api/"):
            body = error_body(code="two_factor_required", message=gettext(MSG_ENROL_FIRST))
            return JsonResponse(body, status=403)
        return redirect(f"{reverse('two_factor')}?{urlencode({'next': request.get_full_path()})}")
