import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from accounts.languages import MSG_UNKNOWN_LANGUAGE, is_language
from accounts.models import ROLE_TOKEN_SCOPES, ApiToken, Membership, Notification, Role, Scope, Team, User
from accounts.time_zones import MSG_UNKNOWN_ZONE, is_zone
from accounts.token_lookup import token_with_user
from common.errors import PermissionDenied
from common.services import model_update, queryset_delete_in_batches

TOKEN_PREFIX_LENGTH = 8
TOKEN_SECRET_BYTES = 32
# last_used_at is written at most this often per token, so reads do not turn into writes.
TOKEN_LAST_USED_RESOLUTION = timedelta(minutes=1)
# The slug follows the name; it is never set on its own.
TEAM_FIELDS = ("name", "slug", "description")

MSG_ADMIN_ONLY = gettext_noop("Only an admin can do this.")
MSG_UNKNOWN_SCOPE = gettext_noop("Unknown scope: {scope}. Valid scopes: {valid}.")
MSG_NO_SCOPES = gettext_noop("A token needs at least one scope.")
MSG_SCOPE_NOT_FOR_ROLE = gettext_noop(
    "Your role ({role}) cannot use the scope {scope}: it can use {allowed}."
)
MSG_EXPIRY_PAST = gettext_noop("The expiry must be in the future.")
MSG_TOKEN_NOT_YOURS = gettext_noop("You can only manage your own tokens.")
MSG_TEAM_NAME_NO_SLUG = gettext_noop("A team name needs at least one letter or digit (a–z, 0–9).")


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise PermissionDenied(gettext(MSG_ADMIN_ONLY))


def user_create(
    *,
    actor: User | None,
    email: str,
    password: str | None = None,
    full_name: str = "",
    role: str = Role.VIEWER,
) -> User:
    """Create a user. ``actor`` None is the command line (demo data, bootstrap)."""
    if actor is not None:
        _require_admin(actor)
    if role not in Role.values:
        raise ValidationError({"role": gettext("Unknown role: {role}.").format(role=role)})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": gettext("A user with this email already exists.")})
    return User.objects.create_user(
        email=email,
        password=password,
        full_name=full_name,
        role=role,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )


def _team_slug(name: str) -> str:
    """The team's unique address part; a name of symbols only (",", "!!") would give none."""
    slug = slugify(name)
    if not slug:
        raise ValidationError({"name": gettext(MSG_TEAM_NAME_NO_SLUG)})
    return slug


def team_create(*, actor: User | None, name: str, description: str = "") -> Team:
    if actor is not None:
        _require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationError({"name": gettext("A team needs a name.")})
    slug = _team_slug(name)
    if Team.objects.filter(slug=slug).exists():
        raise ValidationError({"name": gettext("A team with this name already exists.")})
    return Team.objects.create(name=name, slug=slug, description=description)


@transaction.atomic
def team_update(*, actor: User, team: Team, name: str | None = None, description: str | None = None) -> Team:
    _require_admin(actor)
    data = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationError({"name": gettext("A team needs a name.")})
        slug = _team_slug(name)
        if Team.objects.filter(slug=slug).exclude(pk=team.pk).exists():
            raise ValidationError({"name": gettext("A team with this name already exists.")})
        data.update(name=name, slug=slug)
    if description is not None:
        data["description"] = description
    model_update(team, actor=actor, data=data, allowed=TEAM_FIELDS)
    return team


def membership_add(*, actor: User | None, team: Team, user: User) -> Membership:
    if actor is not None:
        _require_admin(actor)
    membership, _ = Membership.objects.get_or_create(team=team, user=user)
    return membership


def membership_remove(*, actor: User, team: Team, user: User) -> None:
    _require_admin(actor)
    Membership.objects.filter(team=team, user=user).delete()


def user_preferences_update(*, actor: User, full_name: str, time_zone: str, language: str = "") -> User:
    """The signed-in user's own name, time zone (blank: the organisation's zone) and language (blank:
    the browser's)."""
    time_zone, language = time_zone.strip(), language.strip()
    if time_zone and not is_zone(time_zone):
        raise ValidationError({"time_zone": gettext(MSG_UNKNOWN_ZONE).format(zone=time_zone)})
    if language and not is_language(language):
        raise ValidationError({"language": gettext(MSG_UNKNOWN_LANGUAGE) % {"code": language}})
    user = User.objects.get(pk=actor.pk)
    user.full_name, user.time_zone, user.language = full_name.strip()[:150], time_zone, language
    user.save(update_fields=["full_name", "time_zone", "language"])
    return user


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_scopes_allowed(*, user: User) -> list[str]:
    """The scopes a token of ``user`` may carry, in the catalogue's order."""
    allowed = frozenset(Scope.values) if user.is_admin else ROLE_TOKEN_SCOPES.get(user.role, frozenset())
    return [scope for scope in Scope.values if scope in allowed]


@transaction.atomic
def token_create(
    *,
    actor: User,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    user: User | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret; the secret is never retrievable again."""
    owner = user or actor
    if owner != actor:
        _require_admin(actor)
    scopes = sorted(set(scopes))
    errors = {}
    if not scopes:
        errors["scopes"] = gettext(MSG_NO_SCOPES)
    allowed = token_scopes_allowed(user=owner)
    for scope in scopes:
        if scope not in Scope.values:
            errors["scopes"] = gettext(MSG_UNKNOWN_SCOPE).format(scope=scope, valid=", ".join(Scope.values))
        elif scope not in allowed:
            errors["scopes"] = gettext(MSG_SCOPE_NOT_FOR_ROLE).format(
                role=owner.get_role_display(), scope=scope, allowed=", ".join(allowed)
            )
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = gettext(MSG_EXPIRY_PAST)
    if not name.strip():
        errors["name"] = "A token needs a name."
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
    secret = f"pdca_{prefix}_{secrets.token_urlsafe(TOKEN_SECRET_BYTES)}"
    token = ApiToken.objects.create(
        user=owner,
        name=name.strip(),
        prefix=prefix,
        key_hash=_hash_secret(secret),
        scopes=scopes,
        expires_at=expires_at,
    )
    return token, secret


def token_authenticate(*, secret: str) -> ApiToken | None:
    """Return the usable token for ``secret``, or None (unknown, revoked, expired, inactive owner)."""
    # One query written once, not compiled by the ORM on every API request (accounts/token_lookup.py).
    token = token_with_user(_hash_secret(secret))
    now = timezone.now()
    if token is None or not token.is_usable(now=now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not actor.is_admin:
        raise PermissionDenied(gettext(MSG_TOKEN_NOT_YOURS))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


@transaction.atomic
def calendar_feed_rotate(*, actor: User) -> User:
    """Give ``actor`` a new calendar-feed address; every earlier one stops working at once."""
    User.objects.filter(pk=actor.pk).update(calendar_feed_generation=F("calendar_feed_generation") + 1)
    actor.refresh_from_db(fields=["calendar_feed_generation"])
    return actor


def notification_prune_read(*, older_than: datetime, batch_size: int) -> int:
    """Delete notifications read and created before ``older_than``; unread ones always stay."""
    stale = Notification.objects.filter(read_at__isnull=False, created_at__lt=older_than)
    return queryset_delete_in_batches(stale, batch_size=batch_size)
