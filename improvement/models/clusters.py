"""Cluster-randomised pilots (totals per cluster) and controlled before/after values per site."""

from django.db import models

from improvement.models.experiments import Experiment, Variant


class ClusterData(models.Model):
    """One cluster's totals (an agent, team or site randomised as a whole to one variant).

    A proportion uses users and conversions; a mean uses users, sum and sum_squares (Σ value²).
    """

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="cluster_data")
    cluster = models.CharField(max_length=100)
    users = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    sum = models.FloatField(default=0.0)
    sum_squares = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["variant", "cluster"]
        verbose_name_plural = "cluster data"
        constraints = [
            models.UniqueConstraint(fields=["variant", "cluster"], name="cluster_data_one_per_cluster"),
            models.CheckConstraint(
                condition=models.Q(conversions__lte=models.F("users"), sum_squares__gte=0),
                name="cluster_data_counts_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant}: cluster {self.cluster}"


class SiteValue(models.Model):
    """One period's KPI value of a pilot or control site, for the difference in differences."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="site_values")
    site = models.CharField(max_length=100)
    pilot = models.BooleanField()
    day = models.DateField(help_text="The period's first day.")
    value = models.FloatField()

    class Meta:
        ordering = ["experiment", "site", "day"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "site", "day"], name="site_value_one_per_period"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id}: {self.site} {self.day}"
