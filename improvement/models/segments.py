"""An experiment's primary KPI by segment (the KPI's slices: channel, queue, region): per-variant totals."""

from django.db import models

from improvement.models.experiments import Variant

# As ``kpis.Measurement.segment``.
SEGMENT_MAX_LENGTH = 100


class SegmentData(models.Model):
    """One variant's sufficient statistics of the primary KPI within one segment (its totals).

    The same fields as ``VariantData`` without days or a pre-period: a proportion uses users and
    conversions, a mean users, sum and sum_squares. The overall read-out does not use these rows.
    """

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="segment_data")
    segment = models.CharField(max_length=SEGMENT_MAX_LENGTH)
    users = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    sum = models.FloatField(default=0.0)
    sum_squares = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["variant", "segment"]
        verbose_name_plural = "segment data"
        constraints = [
            models.UniqueConstraint(fields=["variant", "segment"], name="segment_data_one_per_segment"),
            models.CheckConstraint(condition=~models.Q(segment=""), name="segment_data_segment_named"),
            models.CheckConstraint(
                condition=models.Q(users__gte=0, conversions__gte=0, sum_squares__gte=0),
                name="segment_data_counts_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(conversions__lte=models.F("users")),
                name="segment_data_conversions_within_users",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant} [{self.segment}]: {self.users} users"
