"""Guardrail KPIs of an experiment: how each is measured, how much worse it may get, and its data."""

from django.db import models

from common.models import TimeStampedModel
from improvement.models.experiments import Experiment, MetricType, Variant
from kpis.models import Kpi

# A relative worsening: 0.02 lets the guardrail get 2 % worse before it blocks shipping.
MAX_TOLERANCE = 10.0


class Guardrail(TimeStampedModel):
    """One guardrail KPI of an experiment (one of ``experiment.guardrail_kpis``) and its settings.

    A guardrail KPI without this row is analysed with the experiment's metric type and a tolerance of 0.
    """

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="guardrails")
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="+")
    metric_type = models.CharField(max_length=20, choices=MetricType.choices, default=MetricType.PROPORTION)
    tolerance = models.FloatField(
        default=0.0, help_text="How much worse (relative, 0.02 = 2 %) the guardrail may get before it blocks."
    )

    class Meta:
        ordering = ["experiment", "id"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "kpi"], name="guardrail_one_per_kpi"),
            models.CheckConstraint(
                condition=models.Q(tolerance__gte=0, tolerance__lte=MAX_TOLERANCE),
                name="guardrail_tolerance_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id}: guardrail {self.kpi_id}"


class GuardrailData(models.Model):
    """One variant's sufficient statistics of one guardrail KPI: totals (``day`` null) or one day's."""

    guardrail = models.ForeignKey(Guardrail, on_delete=models.CASCADE, related_name="data")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="guardrail_data")
    day = models.DateField(null=True, blank=True)
    users = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    sum = models.FloatField(default=0.0)
    sum_squares = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["guardrail", "variant", "day"]
        verbose_name_plural = "guardrail data"
        constraints = [
            models.UniqueConstraint(
                fields=["guardrail", "variant", "day"],
                condition=models.Q(day__isnull=False),
                name="guardrail_data_one_per_day",
            ),
            models.UniqueConstraint(
                fields=["guardrail", "variant"],
                condition=models.Q(day__isnull=True),
                name="guardrail_data_one_total",
            ),
            models.CheckConstraint(
                condition=models.Q(users__gte=0, conversions__gte=0, sum_squares__gte=0),
                name="guardrail_data_counts_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(conversions__lte=models.F("users")),
                name="guardrail_data_conversions_within_users",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardrail}: {self.variant_id} {self.day or 'total'}"
