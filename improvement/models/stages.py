"""The PDCA stage machine's vocabulary and the record of every move through it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy, pgettext_lazy

from common.sync import ChangeTracked


class Stage(models.TextChoices):
    PLAN = "plan", pgettext_lazy("PDCA stage", "Plan")
    DO = "do", pgettext_lazy("PDCA stage", "Do")
    CHECK = "check", pgettext_lazy("PDCA stage", "Check")
    ACT = "act", pgettext_lazy("PDCA stage", "Act")


STAGE_ORDER = [Stage.PLAN, Stage.DO, Stage.CHECK, Stage.ACT]


class Decision(models.TextChoices):
    STANDARDISE = "standardise", gettext_lazy("Standardise")
    ADAPT = "adapt", gettext_lazy("Adapt (new cycle)")
    ABANDON = "abandon", gettext_lazy("Abandon")


class StageTransition(ChangeTracked, models.Model):
    """One move of the PDCA stage machine, with the gate's verdict at the time."""

    initiative = models.ForeignKey(
        "improvement.Initiative", on_delete=models.CASCADE, related_name="transitions"
    )
    cycle = models.PositiveIntegerField()
    from_stage = models.CharField(max_length=10, choices=Stage.choices)
    to_stage = models.CharField(max_length=10, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    reason = models.TextField(blank=True, help_text="Why the initiative stepped back.")
    override_reason = models.TextField(blank=True, help_text="Why an executive overrode a failed gate.")
    gate_passed = models.BooleanField(default=True)
    gate_result = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # ``updated_since`` reads walk this in keyset pages (common/api/since.py).
        indexes = [models.Index(fields=["created_at", "id"], name="transition_created_keyset")]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.from_stage} → {self.to_stage}"

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)
