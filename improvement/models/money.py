"""Costs and benefit lines of an initiative: what its return on investment is built from."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from common.models import ArchivableModel, TimeStampedModel
from common.sync import ChangeTracked

MSG_END_BEFORE_START = "The end month cannot be before the start month."
MSG_ONE_TIME_ENDS = "A one-time cost has no end month: it is spent at the start."


def _end_month_check(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(end_month__isnull=True) | models.Q(end_month__gte=models.F("start_month")),
        name=f"{prefix}_ends_after_start",
        violation_error_message=MSG_END_BEFORE_START,
    )


def _check_end_month(line) -> None:
    if line.end_month is not None and line.start_month is not None and line.end_month < line.start_month:
        raise ValidationError({"end_month": MSG_END_BEFORE_START})


class CostKind(models.TextChoices):
    ONE_TIME = "one_time", gettext_lazy("One-time investment")
    RECURRING = "recurring", gettext_lazy("Recurring (monthly)")


class Cost(ChangeTracked, ArchivableModel, TimeStampedModel):
    initiative = models.ForeignKey("improvement.Initiative", on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(max_length=20, choices=CostKind.choices)
    description = models.CharField(max_length=200)
    # One-time: the whole amount, spent at month 0. Recurring: the amount per month.
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # The month (1-based, counted from the start date) a recurring cost begins, and the last month
    # it is paid (included; empty: every month to the horizon). Start 5, end 5: a cost of month 5.
    start_month = models.PositiveSmallIntegerField(default=1)
    end_month = models.PositiveSmallIntegerField(null=True, blank=True)
    # Bumped on every change; If-Match updates compare it atomically to refuse lost updates.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at", "change_marker"])

    class Meta:
        ordering = ["initiative", "kind", "id"]
        # ``updated_since`` reads walk this in keyset pages (common/api/since.py).
        indexes = [models.Index(fields=["updated_at", "id"], name="cost_updated_keyset")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="cost_amount_non_negative"),
            _end_month_check("cost"),
        ]

    def clean(self) -> None:
        if self.kind == CostKind.ONE_TIME and self.end_month is not None:
            raise ValidationError({"end_month": MSG_ONE_TIME_ENDS})
        _check_end_month(self)

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.description} {self.amount}"


class BenefitKind(models.TextChoices):
    COST_SAVING = "cost_saving", gettext_lazy("Cost saving")
    REVENUE = "revenue", gettext_lazy("Revenue")
    COST_AVOIDANCE = "cost_avoidance", gettext_lazy("Cost avoidance")


class BenefitNature(models.TextChoices):
    HARD = "hard", gettext_lazy("Hard")
    SOFT = "soft", gettext_lazy("Soft")


class Benefit(ChangeTracked, ArchivableModel, TimeStampedModel):
    initiative = models.ForeignKey(
        "improvement.Initiative", on_delete=models.CASCADE, related_name="benefits"
    )
    kind = models.CharField(max_length=20, choices=BenefitKind.choices)
    nature = models.CharField(max_length=10, choices=BenefitNature.choices, default=BenefitNature.HARD)
    description = models.CharField(max_length=200)
    monthly_amount = models.DecimalField(max_digits=14, decimal_places=2)
    # The month (1-based, counted from the start date) the benefit begins to accrue, and the last
    # month it does (included; empty: every month to the horizon).
    start_month = models.PositiveSmallIntegerField(default=1)
    end_month = models.PositiveSmallIntegerField(null=True, blank=True)
    validated = models.BooleanField(default=False)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every change, validation included: finance validates the version it read.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at", "change_marker"])

    class Meta:
        ordering = ["initiative", "kind", "id"]
        # ``updated_since`` reads walk this in keyset pages (common/api/since.py).
        indexes = [models.Index(fields=["updated_at", "id"], name="benefit_updated_keyset")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_amount__gte=0), name="benefit_amount_non_negative"
            ),
            models.CheckConstraint(condition=models.Q(start_month__gte=1), name="benefit_starts_month_1"),
            _end_month_check("benefit"),
        ]

    def clean(self) -> None:
        _check_end_month(self)

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.description} {self.monthly_amount}/month"


class MoneyForecast(models.Model):
    """The money expected of an initiative, locked when it enters Do: one row per cycle, never
    changed afterwards, so the forecast of every cycle stays on record (docs/money.md)."""

    initiative = models.ForeignKey(
        "improvement.Initiative", on_delete=models.CASCADE, related_name="money_forecasts"
    )
    cycle = models.PositiveIntegerField()
    transition = models.OneToOneField(
        "improvement.StageTransition", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    locked_at = models.DateTimeField()
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The figures as they stood, under the horizon and rate of the day.
    horizon_months = models.PositiveSmallIntegerField()
    discount_rate = models.FloatField()
    total_cost = models.FloatField()
    total_benefit = models.FloatField()
    benefit_hard = models.FloatField()
    benefit_soft = models.FloatField()
    benefit_from_kpis = models.FloatField()
    roi_percent = models.FloatField(null=True)
    payback_months = models.FloatField(null=True)
    npv = models.FloatField()
    monthly_benefits = models.JSONField()  # month 1…horizon

    class Meta:
        ordering = ["initiative", "-cycle"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "cycle"], name="one_money_forecast_per_cycle")
        ]

    def __str__(self) -> str:
        return f"money forecast of initiative {self.initiative_id}, cycle {self.cycle}"
