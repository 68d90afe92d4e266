"""Imports of initiatives, targets, milestones and measurements from a CSV or XLSX file.

A job keeps the uploaded file until it is imported, so the import re-reads and re-validates exactly
the rows its preview showed; what the dry run found (errors by row and column, counts of rows to
create, update or leave) and what the import did are recorded on the job.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class ImportKind(models.TextChoices):
    INITIATIVES = "initiatives", gettext_lazy("Initiatives")
    TARGETS = "targets", gettext_lazy("KPI targets")
    MILESTONES = "milestones", gettext_lazy("Milestones")
    MEASUREMENTS = "measurements", gettext_lazy("Measurements")


class ImportStatus(models.TextChoices):
    # The dry run is waiting or running; then it found errors (nothing can be imported) or none.
    VALIDATING = "validating", gettext_lazy("Checking")
    INVALID = "invalid", gettext_lazy("Has errors")
    VALID = "valid", gettext_lazy("Ready to import")
    # The import is waiting or running; then every row was written, or none (errors or a failure).
    IMPORTING = "importing", gettext_lazy("Importing")
    DONE = "done", gettext_lazy("Imported")
    FAILED = "failed", gettext_lazy("Not imported")


def no_counts() -> dict[str, int]:
    return {"create": 0, "update": 0, "unchanged": 0}


FINISHED_STATUSES = frozenset(
    {ImportStatus.INVALID, ImportStatus.VALID, ImportStatus.DONE, ImportStatus.FAILED}
)


class ImportJob(models.Model):
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.VALIDATING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="imports")
    filename = models.CharField(max_length=255)
    # Emptied once the job is imported (or failed): only the outcome is kept.
    content = models.BinaryField(editable=False)
    rows_total = models.PositiveIntegerField(default=0)
    # [{"row": 3, "column": "value", "message": "…"}], at most a bounded number.
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # {"create": n, "update": n, "unchanged": n}: planned by the dry run, then done by the import.
    counts = models.JSONField(default=no_counts, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import #{self.pk} ({self.filename})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES
