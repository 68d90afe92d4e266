"""The sign-in audit trail: one line on the ``pdca.audit`` logger for each sign-in event.

Successful sign-ins and repeated failures are also kept by django-axes in the database (admin:
"Access logs", "Access attempts"); this trail adds failures, lockouts, password resets and
two-factor events, with the address they came from, in the application log (JSON in production).
"""

import logging

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts.login import normalize_login_email

logger = logging.getLogger("pdca.audit")

SIGN_IN = "sign-in"
SIGN_IN_FAILED = "sign-in failed"
LOCKED_OUT = "locked out"
RESET_REQUESTED = "password reset requested"
RESET_REFUSED = "password reset refused (rate limit)"
RESET_DONE = "password reset done"
CODE_ASKED = "two-factor code asked"
CODE_REFUSED = "two-factor code refused"
TWO_FACTOR_ON = "two-factor enabled"
TWO_FACTOR_OFF = "two-factor disabled"
PROVISIONED = "user provisioned"
DEACTIVATED = "user deactivated"
REACTIVATED = "user reactivated"
SSO_REFUSED = "single sign-on refused"


def audit(event: str, *, request=None, email: str = "", user=None) -> None:
    """Log ``event`` with who (the email as typed, normalised, or the user's) and from where."""
    who = user.email if user is not None else normalize_login_email(email or "")
    address = get_client_ip_address(request) if request is not None else ""
    logger.info("%s: email=%s ip=%s", event, who or "-", address or "-")


@receiver(user_logged_in, dispatch_uid="pdca-audit-sign-in")
def _signed_in(sender, request, user, **kwargs):
    audit(SIGN_IN, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="pdca-audit-sign-in-failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    audit(SIGN_IN_FAILED, request=request, email=str((credentials or {}).get("username", "")))


@receiver(user_locked_out, dispatch_uid="pdca-audit-locked-out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit(LOCKED_OUT, request=request, email=username or "")
