"""KPI targets of an initiative and their evaluation at Check."""

from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from common.models import ArchivableModel, TimeStampedModel
from common.sync import ChangeTracked
from kpis.models import Kpi


class Evaluation(models.TextChoices):
    MET = "met", gettext_lazy("Met")
    IMPROVED = "improved", gettext_lazy("Improved")
    NO_CHANGE = "no_change", gettext_lazy("No significant change")
    WORSE = "worse", gettext_lazy("Worse")


class KpiTarget(ChangeTracked, ArchivableModel, TimeStampedModel):
    initiative = models.ForeignKey("improvement.Initiative", on_delete=models.CASCADE, related_name="targets")
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="targets")
    segment = models.CharField(max_length=100, blank=True, default="")
    baseline_value = models.FloatField()
    baseline_start = models.DateField(null=True, blank=True)
    baseline_end = models.DateField(null=True, blank=True)
    target_value = models.FloatField()
    target_date = models.DateField(null=True, blank=True)
    is_primary = models.BooleanField(default=True)
    # Money one unit of improvement is worth per month (e.g. 1 point of FCR saves 800 a month).
    unit_value_per_month = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    evaluation = models.CharField(max_length=20, choices=Evaluation.choices, blank=True)
    evaluation_detail = models.JSONField(default=dict, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change, evaluation included; If-Match updates compare it atomically.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at", "change_marker"])

    class Meta:
        ordering = ["initiative", "-is_primary", "id"]
        # ``updated_since`` reads walk this in keyset pages (common/api/since.py).
        indexes = [models.Index(fields=["updated_at", "id"], name="kpi_target_updated_keyset")]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "kpi", "segment"],
                condition=models.Q(archived_at__isnull=True),
                name="one_active_target_per_kpi_segment",
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_start__isnull=True)
                | models.Q(baseline_end__isnull=True)
                | models.Q(baseline_end__gte=models.F("baseline_start")),
                name="target_baseline_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.kpi.code} {self.baseline_value} → {self.target_value}"


class KpiTargetProgress(models.Model):
    """A target's progress (``progress.progress`` of its series' latest value), kept on write by
    ``services.target_progress`` for the dashboard's counts and worst-first rows. A row apart from
    the target's: the series' measurements move it, and writing the target's own row would move
    the target in the change walk (common/sync.py) at every measurement."""

    target = models.OneToOneField(
        KpiTarget, on_delete=models.CASCADE, primary_key=True, related_name="kept_progress"
    )
    progress = models.FloatField(null=True)

    class Meta:
        # Walked in order for the worst-first rows (no progress last: PostgreSQL's default for an
        # ascending index), stopping at the page's rows.
        indexes = [models.Index(fields=["progress", "target"], name="kpi_target_progress_order")]

    def __str__(self) -> str:
        return f"progress of target {self.target_id}"
