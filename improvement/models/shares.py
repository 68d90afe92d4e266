"""Read-only share links: one initiative's report or one experiment's results for people without
an account, and the log of every time a link was opened.

Only a SHA-256 digest of a link's secret is stored (like API tokens); the address carries the secret
signed with the site's key, so a tampered address is refused before any look-up.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from improvement.models.experiments import Experiment
from improvement.models.initiatives import Initiative

SHARE_DAYS_DEFAULT = 14
SHARE_DAYS_MAX = 90
USER_AGENT_MAX = 300


class ShareLink(models.Model):
    """A signed, expiring, revocable read-only link to exactly one initiative or one experiment."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    experiment = models.ForeignKey(
        Experiment, on_delete=models.CASCADE, null=True, blank=True, related_name="share_links"
    )
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="share_links"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="share_link_one_target",
                condition=(models.Q(initiative__isnull=False) & models.Q(experiment__isnull=True))
                | (models.Q(initiative__isnull=True) & models.Q(experiment__isnull=False)),
            ),
            models.CheckConstraint(
                name="share_link_expires_after_creation",
                condition=models.Q(expires_at__gt=models.F("created_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"share {self.prefix}… of {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.initiative_id:
            return f"initiative {self.initiative_id}"
        return f"experiment {self.experiment_id}"

    def is_open(self, *, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now


class ShareLinkView(models.Model):
    """One opening of a share link: when, from where (the address truncated) and with what browser."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="views")
    viewed_at = models.DateTimeField(default=timezone.now)
    network = models.CharField(
        max_length=50, blank=True, help_text="The viewer's address truncated: IPv4 to /24, IPv6 to /48."
    )
    user_agent = models.CharField(max_length=USER_AGENT_MAX, blank=True)

    class Meta:
        ordering = ["-viewed_at", "-id"]
        indexes = [models.Index(fields=["link", "viewed_at"], name="share_view_link_at")]

    def __str__(self) -> str:
        return f"{self.link_id} at {self.viewed_at:%Y-%m-%d %H:%M}"
