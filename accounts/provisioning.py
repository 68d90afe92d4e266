"""Users and teams as the identity provider sends them (SCIM, ``accounts.scim``).

A provisioned user signs in through the identity provider: it is created without a usable local
password. Deactivation is immediate: the user's API tokens are revoked and its sessions stop being
accepted at the next request (Django's model backend refuses inactive users). Teams the identity
provider deletes are archived, never deleted, and keep their history.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import audit
from accounts.models import ApiToken, Membership, Role, Team, User
from accounts.services import _require_admin, _team_slug

MSG_EMAIL_TAKEN = "Another user already has this e-mail address."
MSG_EMAIL_INVALID = "userName (or the primary e-mail) must be an e-mail address."
MSG_UNKNOWN_ROLE = "Unknown role: {role}. Valid roles: {valid}."
MSG_LAST_ADMIN = "The last active admin cannot be deactivated or lose the admin role."
MSG_TOO_LONG = "At most {limit} characters."
MSG_TEAM_NAME = "A team needs a displayName with at least one letter or digit."
MSG_TEAM_TAKEN = "Another team already has this name."
MSG_USER_EXTERNAL_ID_TAKEN = "Another user already has this externalId."
MSG_TEAM_EXTERNAL_ID_TAKEN = "Another group already has this externalId."
MSG_UNKNOWN_MEMBERS = "Unknown users: {ids}."


def provisioned_role() -> str:
    """The role of a provisioned user whose identity provider sends none (``IDP_DEFAULT_ROLE``)."""
    return getattr(settings, "IDP_DEFAULT_ROLE", Role.VIEWER)


@transaction.atomic
def user_provision_save(*, actor: User, user: User, request=None) -> User:
    """Validate and save ``user`` as changed by the identity provider (created when it has no pk)."""
    _require_admin(actor)
    user.email = (user.email or "").strip().lower()
    _check_lengths(
        userName=(user.email, User._meta.get_field("email").max_length),
        externalId=(user.scim_external_id, User._meta.get_field("scim_external_id").max_length),
        name=(user.full_name, User._meta.get_field("full_name").max_length),
        **{"name.givenName": (user.given_name, User._meta.get_field("given_name").max_length)},
        **{"name.familyName": (user.family_name, User._meta.get_field("family_name").max_length)},
    )
    try:
        validate_email(user.email)
    except ValidationError:
        raise ValidationError({"userName": MSG_EMAIL_INVALID}) from None
    if User.objects.filter(email__iexact=user.email).exclude(pk=user.pk).exists():
        raise ValidationError({"userName": ValidationError(MSG_EMAIL_TAKEN, code="unique")})
    if (
        user.scim_external_id
        and User.objects.filter(scim_external_id=user.scim_external_id).exclude(pk=user.pk).exists()
    ):
        raise ValidationError({"externalId": ValidationError(MSG_USER_EXTERNAL_ID_TAKEN, code="unique")})
    if user.role not in Role.values:
        valid = ", ".join(Role.values)
        raise ValidationError({"roles": MSG_UNKNOWN_ROLE.format(role=user.role, valid=valid)})
    user.is_staff = user.is_superuser = user.role == Role.ADMIN
    created = user.pk is None
    before = None if created else User.objects.select_for_update().get(pk=user.pk)
    if created:
        user.set_unusable_password()
    deactivating = before is not None and before.is_active and not user.is_active
    losing_admin = (
        before is not None and before.is_admin and before.is_active and not (user.is_admin and user.is_active)
    )
    if losing_admin and not User.objects.filter(is_active=True, role=Role.ADMIN).exclude(pk=user.pk).exists():
        raise ValidationError({"active" if not user.is_active else "roles": MSG_LAST_ADMIN})
    user.save()
    if created:
        audit.audit(audit.PROVISIONED, request=request, user=user)
    elif deactivating:
        end_access(user)
        audit.audit(audit.DEACTIVATED, request=request, user=user)
    elif not before.is_active and user.is_active:
        audit.audit(audit.REACTIVATED, request=request, user=user)
    return user


def _check_lengths(**fields: tuple[str, int]) -> None:
    """A value longer than its column is a 400 here, not a database error (PostgreSQL refuses it)."""
    errors = {
        name: MSG_TOO_LONG.format(limit=limit)
        for name, (value, limit) in fields.items()
        if len(value or "") > limit
    }
    if errors:
        raise ValidationError(errors)


def user_deactivate(*, actor: User, user: User, request=None) -> User:
    """What the identity provider's DELETE means: the user is deactivated, never deleted."""
    user.is_active = False
    return user_provision_save(actor=actor, user=user, request=request)


def end_access(user: User) -> None:
    """Revoke every API token of a deactivated user and retire every session it had open.

    Sessions are refused while the user is inactive (Django's model backend); raising the session
    generation keeps them dead if the user is activated again (``User.get_session_auth_hash``).
    """
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def team_provision_save(*, actor: User, team: Team, member_ids: list[int] | None = None) -> Team:
    """Save ``team`` (created when it has no pk); ``member_ids`` not None replaces its members."""
    _require_admin(actor)
    team.name = (team.name or "").strip()
    _check_lengths(
        displayName=(team.name, Team._meta.get_field("name").max_length),
        externalId=(team.scim_external_id, Team._meta.get_field("scim_external_id").max_length),
    )
    try:
        team.slug = _team_slug(team.name) if team.name else ""
    except ValidationError:
        team.slug = ""
    if not team.slug:
        raise ValidationError({"displayName": MSG_TEAM_NAME})
    archived = Team.objects.archived().filter(slug=team.slug).exclude(pk=team.pk).first()
    if team.pk is None and archived is not None:
        # A group created again with the name of a team it deleted: that team comes back, history and all.
        archived.name, archived.scim_external_id, archived.archived_at = (
            team.name,
            team.scim_external_id,
            None,
        )
        team = archived
    elif Team.objects.filter(slug=team.slug).exclude(pk=team.pk).exists():
        raise ValidationError({"displayName": ValidationError(MSG_TEAM_TAKEN, code="unique")})
    if (
        team.scim_external_id
        and Team.objects.active().filter(scim_external_id=team.scim_external_id).exclude(pk=team.pk).exists()
    ):
        raise ValidationError({"externalId": ValidationError(MSG_TEAM_EXTERNAL_ID_TAKEN, code="unique")})
    team.save()
    if member_ids is not None:
        team_members_set(actor=actor, team=team, user_ids=member_ids)
    return team


def _users(user_ids) -> list[User]:
    ids = {int(pk) for pk in user_ids}
    users = list(User.objects.filter(pk__in=ids))
    missing = ids - {user.pk for user in users}
    if missing:
        raise ValidationError(
            {"members": MSG_UNKNOWN_MEMBERS.format(ids=", ".join(map(str, sorted(missing))))}
        )
    return users


@transaction.atomic
def team_members_add(*, actor: User, team: Team, user_ids) -> None:
    _require_admin(actor)
    present = set(team.memberships.values_list("user_id", flat=True))
    Membership.objects.bulk_create(
        [Membership(team=team, user=user) for user in _users(user_ids) if user.pk not in present]
    )


@transaction.atomic
def team_members_remove(*, actor: User, team: Team, user_ids=None) -> None:
    """Remove these members (all of them when ``user_ids`` is None)."""
    _require_admin(actor)
    memberships = team.memberships.all()
    if user_ids is not None:
        memberships = memberships.filter(user__in=_users(user_ids))
    memberships.delete()


@transaction.atomic
def team_members_set(*, actor: User, team: Team, user_ids) -> None:
    users = _users(user_ids)
    team.memberships.exclude(user__in=users).delete()
    team_members_add(actor=actor, team=team, user_ids=[user.pk for user in users])


@transaction.atomic
def team_archive(*, actor: User, team: Team) -> Team:
    """What the identity provider's DELETE of a group means: archived, members kept for history."""
    _require_admin(actor)
    if team.archived_at is None:
        team.archived_at = timezone.now()
        team.save(update_fields=["archived_at", "updated_at"])
    return team
