"""Share links: create one (its address shown once), revoke it, and open it (every opening logged).

The address is ``/share/<prefix>_<secret>.<signature>/``: the signature (HMAC of the site's secret
key) refuses a tampered address before any database look-up; the database keeps only a SHA-256
digest of ``<prefix>_<secret>``, so a copy of it opens nothing. Who may share is who may edit the
initiative (for an experiment: its initiative), ``policies.can_edit``.
"""

import datetime as dt
import hashlib
import ipaddress
import secrets

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts.models import User
from common.errors import DomainError, NotFound, PermissionDenied
from improvement import policies
from improvement.models import (
    SHARE_DAYS_DEFAULT,
    SHARE_DAYS_MAX,
    Experiment,
    Initiative,
    ShareLink,
    ShareLinkView,
)
from improvement.models.shares import USER_AGENT_MAX

SALT = "improvement.share-link"
SEPARATOR = "."
PREFIX_CHARS = 8
SECRET_BYTES = 24
IPV4_PREFIX = 24
IPV6_PREFIX = 48

MSG_CANNOT_SHARE = gettext_noop("Only those who may edit the initiative share it or revoke its links.")
MSG_ONE_TARGET = gettext_noop("Share exactly one initiative or one experiment.")
MSG_DAYS_TEMPLATE = gettext_noop("A link lasts 1 to {limit} days.")
MSG_DAYS = MSG_DAYS_TEMPLATE.format(limit=SHARE_DAYS_MAX)
MSG_NOT_FOUND = gettext_noop("No such link.")
MSG_GONE = gettext_noop("This link has expired or was revoked. Ask the person who shared it for a new one.")


class ShareGone(DomainError):
    """A genuine link that no longer opens: expired, revoked, or its creator's account is closed."""

    default_message = gettext_lazy(MSG_GONE)
    code = "gone"


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT, sep=SEPARATOR, algorithm="sha256")


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def share_target_initiative(*, initiative: Initiative | None, experiment: Experiment | None) -> Initiative:
    return initiative if initiative is not None else experiment.initiative


def can_share(
    user: User, *, initiative: Initiative | None = None, experiment: Experiment | None = None
) -> bool:
    return policies.can_edit(user, share_target_initiative(initiative=initiative, experiment=experiment))


@transaction.atomic
def share_link_create(
    *,
    actor: User,
    initiative: Initiative | None = None,
    experiment: Experiment | None = None,
    days: int = SHARE_DAYS_DEFAULT,
) -> tuple[ShareLink, str]:
    """Create a link and return it with its token (the part of the address after ``/share/``).

    The token is answered this once; only its digest is kept.
    """
    if (initiative is None) == (experiment is None):
        raise ValidationError({"target": _(MSG_ONE_TARGET)})
    if not can_share(actor, initiative=initiative, experiment=experiment):
        raise PermissionDenied(_(MSG_CANNOT_SHARE))
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= SHARE_DAYS_MAX:
        raise ValidationError({"days": _(MSG_DAYS_TEMPLATE).format(limit=SHARE_DAYS_MAX)})
    prefix = secrets.token_hex(PREFIX_CHARS // 2)
    raw = f"{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    now = timezone.now()
    link = ShareLink.objects.create(
        initiative=initiative,
        experiment=experiment,
        prefix=prefix,
        key_hash=_digest(raw),
        created_by=actor,
        created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    return link, _signer().sign(raw)


def share_link_revoke(*, actor: User, link: ShareLink) -> ShareLink:
    """Revoke a link (revoking a revoked link changes nothing)."""
    if not can_share(actor, initiative=link.initiative, experiment=link.experiment):
        raise PermissionDenied(_(MSG_CANNOT_SHARE))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.revoked_by = actor
        link.save(update_fields=["revoked_at", "revoked_by"])
    return link


def share_network(address: str) -> str:
    """The viewer's address truncated (IPv4 to /24, IPv6 to /48): enough to tell places apart,
    not enough to name a person."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = IPV4_PREFIX if ip.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def share_link_open(*, token: str, address: str = "", user_agent: str = "") -> ShareLink:
    """The open link ``token`` names, after logging this view.

    Raises ``NotFound`` for a tampered or unknown token and ``ShareGone`` for an expired or revoked
    link (or one whose creator's account is closed); neither writes anything.
    """
    try:
        raw = _signer().unsign(token)
    except signing.BadSignature:
        raise NotFound(_(MSG_NOT_FOUND)) from None
    found = ShareLink.objects.select_related("created_by").filter(key_hash=_digest(raw)).order_by()[:1]
    link = next(iter(found), None)
    if link is None:
        raise NotFound(_(MSG_NOT_FOUND))
    if not link.is_open() or not link.created_by.is_active:
        raise ShareGone()
    ShareLinkView.objects.create(
        link=link, network=share_network(address), user_agent=user_agent[:USER_AGENT_MAX]
    )
    return link
