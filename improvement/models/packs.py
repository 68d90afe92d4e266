"""Portfolio packs: the PDF for a 30/60/90-day review, built in the background.

A pack is asked for by a person (it covers what they read) or by the scheduled job (the whole
organisation, mailed to the executives). Its file lives in Django's storage; a small JSON snapshot
of each initiative's stage, health and figures is kept with it, so the next pack can say what moved.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class PackStatus(models.TextChoices):
    QUEUED = "queued", gettext_lazy("Queued")
    RUNNING = "running", gettext_lazy("Being built")
    DONE = "done", gettext_lazy("Ready")
    FAILED = "failed", gettext_lazy("Failed")


class PortfolioPack(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portfolio_packs",
        help_text="Empty for the scheduled organisation pack.",
    )
    status = models.CharField(max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    as_of = models.DateField(help_text="The day the figures are for.")
    initiatives = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="packs/", blank=True)
    snapshot = models.JSONField(default=dict, blank=True)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="pack_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"Portfolio pack {self.as_of.isoformat()} ({self.get_status_display()})"

    @property
    def scheduled(self) -> bool:
        return self.requested_by_id is None
