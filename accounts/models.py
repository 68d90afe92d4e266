from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy

from accounts.login import normalize_login_email
from common.models import ArchivableModel, TimeStampedModel
from common.sync import ChangeTracked


class Role(models.TextChoices):
    ADMIN = "admin", gettext_lazy("Admin")
    EXECUTIVE = "executive", gettext_lazy("Executive")
    LEAD = "lead", gettext_lazy("Project lead")
    CONTRIBUTOR = "contributor", gettext_lazy("Contributor")
    VIEWER = "viewer", gettext_lazy("Viewer")
    FINANCE = "finance", gettext_lazy("Finance reviewer")


# Roles that read every initiative of the organisation, not only their teams'.
ORGANISATION_WIDE_READERS = frozenset({Role.ADMIN, Role.EXECUTIVE, Role.FINANCE})


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        # The lockout counter (accounts.login.axes_username) counts this same spelling.
        return self.get(email__iexact=normalize_login_email(username))


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    # The name's parts as an identity provider sends them (SCIM name.givenName / familyName), kept
    # so they read back as sent: "Mary Ann" + "Smith", or 伟 + 张 with the full name 张伟.
    given_name = models.CharField(max_length=150, blank=True, default="")
    family_name = models.CharField(max_length=150, blank=True, default="")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER, db_index=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of the signed calendar-feed address: raising it retires every address given out before.
    calendar_feed_generation = models.PositiveIntegerField(default=0, editable=False)
    # The identity provider's own id for this user (SCIM ``externalId``), as it last sent it.
    scim_external_id = models.CharField(max_length=254, blank=True, db_index=True)
    # Raised when the identity provider deactivates the user: every session open before stays dead,
    # even once the user is active again (get_session_auth_hash).
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    # An IANA zone ("Asia/Shanghai"); blank follows the organisation's (settings.TIME_ZONE).
    time_zone = models.CharField(max_length=64, blank=True)
    # A code of settings.LANGUAGES ("zh-hans"); blank follows the browser (accounts/languages.py).
    language = models.CharField(max_length=16, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            # SCIM (RFC 7644 §3.3): one user per identity-provider id; blank is "none sent".
            models.UniqueConstraint(
                fields=["scim_external_id"],
                condition=~models.Q(scim_external_id=""),
                name="unique_user_scim_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]

    def _with_generation(self, base: str) -> str:
        if not self.session_generation:
            return base  # Sessions from before the first deactivation stay valid.
        return salted_hmac(
            "accounts.User.session_generation", f"{base}:{self.session_generation}", algorithm="sha256"
        ).hexdigest()

    def get_session_auth_hash(self) -> str:
        return self._with_generation(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self):
        for base in super().get_session_auth_fallback_hash():
            yield self._with_generation(base)

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == Role.ADMIN

    @property
    def reads_everything(self) -> bool:
        return self.is_superuser or self.role in ORGANISATION_WIDE_READERS


class Team(ChangeTracked, ArchivableModel, TimeStampedModel):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    members = models.ManyToManyField(User, through="Membership", related_name="teams")
    # The identity provider's own id for this group (SCIM ``externalId``), as it last sent it.
    scim_external_id = models.CharField(max_length=254, blank=True, db_index=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # One live team per identity-provider id; an archived team's id is free to reuse.
            models.UniqueConstraint(
                fields=["scim_external_id"],
                condition=~models.Q(scim_external_id="") & models.Q(archived_at__isnull=True),
                name="unique_live_team_scim_external_id",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class Scope(models.TextChoices):
    PROGRESS_READ = "progress:read", gettext_lazy("Read initiatives, KPIs and progress")
    MEASUREMENTS_WRITE = "measurements:write", gettext_lazy("Push KPI measurements")
    EXPERIMENTS_WRITE = "experiments:write", gettext_lazy("Push experiment data")
    INITIATIVES_WRITE = "initiatives:write", gettext_lazy("Change initiatives, targets, milestones and money")
    IDEAS_WRITE = "ideas:write", gettext_lazy("Submit ideas (and, for leads, triage them)")
    COMMENTS_WRITE = "comments:write", gettext_lazy("Post comments and attachments")
    # Admins only: the identity provider creates, changes and deactivates users and teams (/scim/v2/).
    SCIM_PROVISION = "scim:provision", gettext_lazy("Provision users and teams (SCIM)")


# Every scope but provisioning, which only admins' tokens may carry.
WORK_SCOPES = frozenset(Scope.values) - {Scope.SCIM_PROVISION}


# The scopes a token of each role may carry: a scope whose every write the role's services refuse
# would only mislead the integration (a viewer's "measurements:write" token can push nothing).
# Executives write through initiatives:write (gate overrides), finance reviewers too (validating).
ROLE_TOKEN_SCOPES = {
    Role.ADMIN: frozenset(Scope.values),
    Role.LEAD: WORK_SCOPES,
    Role.CONTRIBUTOR: WORK_SCOPES,
    Role.EXECUTIVE: frozenset(
        {Scope.PROGRESS_READ, Scope.INITIATIVES_WRITE, Scope.IDEAS_WRITE, Scope.COMMENTS_WRITE}
    ),
    Role.FINANCE: frozenset(
        {Scope.PROGRESS_READ, Scope.INITIATIVES_WRITE, Scope.IDEAS_WRITE, Scope.COMMENTS_WRITE}
    ),
    # Anyone signed in submits ideas; viewers do not take part in conversations.
    Role.VIEWER: frozenset({Scope.PROGRESS_READ, Scope.IDEAS_WRITE}),
}


class ApiToken(ChangeTracked, TimeStampedModel):
    """An integration's credential. Only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class Notification(models.Model):
    """One message to one user, shown in the site and (unless muted) sent by email.

    ``dedupe_key`` names the event the message is about (e.g. ``stage_changed:42``): a job that runs
    twice for the same event finds the row and sends nothing the second time.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    # No choices: the kinds are registered at start-up (accounts.notifications), a new one needs no migration.
    kind = models.CharField(max_length=30, db_index=True)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_once_per_event")
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationMute(models.Model):
    """The user does not want this kind of notification, neither in the site nor by email."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notification_mutes")
    kind = models.CharField(max_length=30)  # A registered kind; see Notification.kind.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "kind"]
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_mute_per_kind")]

    def __str__(self) -> str:
        return f"{self.user} mutes {self.kind}"


class SsoGroupMapping(TimeStampedModel):
    """A group the identity provider sends at single sign-on, and the role and team it gives here.

    A user signing in gets the highest role of their mapped groups and the teams they map to. Once
    any mapping exists, signing in needs at least one mapped group: someone removed from every
    mapped group is refused and deactivated at their next sign-in.
    """

    group = models.CharField(max_length=200, help_text="The group's name as the identity provider sends it.")
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="sso_groups")

    class Meta:
        ordering = ["group", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "role", "team"], name="sso_group_mapping_once"),
            models.CheckConstraint(
                condition=~models.Q(role="") | models.Q(team__isnull=False),
                name="sso_group_mapping_gives_something",
            ),
        ]

    def __str__(self) -> str:
        gives = ", ".join(filter(None, [self.get_role_display() if self.role else "", str(self.team or "")]))
        return f"{self.group} → {gives}"
