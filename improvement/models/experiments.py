"""A/B(/n) experiments on an initiative's KPI, their variants and the variants' data."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from common.models import ArchivableModel, TimeStampedModel
from common.sync import ChangeTracked
from kpis.models import Kpi


class MetricType(models.TextChoices):
    PROPORTION = "proportion", gettext_lazy("Proportion (conversion rate)")
    MEAN = "mean", gettext_lazy("Mean")


class MdeType(models.TextChoices):
    RELATIVE = "relative", gettext_lazy("Relative (share of the control)")
    ABSOLUTE = "absolute", gettext_lazy("Absolute (metric units)")


class RandomisationUnit(models.TextChoices):
    USER = "user", gettext_lazy("User")
    CLUSTER = "cluster", gettext_lazy("Cluster (agent, team or site)")


class ExperimentStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("Draft")
    RUNNING = "running", gettext_lazy("Running")
    STOPPED = "stopped", gettext_lazy("Stopped")
    CONCLUDED = "concluded", gettext_lazy("Concluded")


class ExperimentDecision(models.TextChoices):
    SHIP = "ship", gettext_lazy("Ship")
    ITERATE = "iterate", gettext_lazy("Iterate")
    ABANDON = "abandon", gettext_lazy("Abandon")


class Experiment(ChangeTracked, ArchivableModel, TimeStampedModel):
    """An A/B(/n) test on an initiative's primary KPI. Status moves only through the services."""

    initiative = models.ForeignKey(
        "improvement.Initiative", on_delete=models.PROTECT, related_name="experiments"
    )
    name = models.CharField(max_length=200)
    hypothesis = models.TextField(blank=True)
    primary_kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="experiments")
    guardrail_kpis = models.ManyToManyField(Kpi, blank=True, related_name="guarding_experiments")
    metric_type = models.CharField(max_length=20, choices=MetricType.choices, default=MetricType.PROPORTION)
    alpha = models.FloatField(default=0.05)
    power = models.FloatField(default=0.8)
    mde = models.FloatField("minimum detectable effect", null=True, blank=True)
    mde_type = models.CharField(max_length=20, choices=MdeType.choices, default=MdeType.RELATIVE)
    # Always-valid confidence sequences for daily looks; N* is the total users where they are tightest.
    # db_default too: rows written by raw SQL (bench seeding) that do not name the columns stay valid.
    sequential = models.BooleanField(default=False, db_default=False)
    sequential_tuning = models.FloatField("sequential tuning (N*)", default=5000.0, db_default=5000.0)
    # Cluster-randomised pilots: data per cluster (ClusterData) and the delta-method read-out.
    randomisation_unit = models.CharField(
        max_length=20, choices=RandomisationUnit.choices, default=RandomisationUnit.USER, db_default="user"
    )
    # Controlled before/after: pilot against control sites, values on or after this date are "after".
    change_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ExperimentStatus.choices, default=ExperimentStatus.DRAFT, db_index=True
    )
    decision = models.CharField(max_length=20, choices=ExperimentDecision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["updated_at", "change_marker"], m2m_fields=[guardrail_kpis])

    class Meta:
        ordering = ["-created_at", "-id"]
        # ``updated_since`` reads walk this in keyset pages (common/api/since.py).
        indexes = [models.Index(fields=["updated_at", "id"], name="experiment_updated_keyset")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alpha__gt=0, alpha__lt=1), name="experiment_alpha_between_0_1"
            ),
            models.CheckConstraint(
                condition=models.Q(power__gt=0, power__lt=1), name="experiment_power_between_0_1"
            ),
            models.CheckConstraint(
                condition=models.Q(mde__isnull=True) | ~models.Q(mde=0), name="experiment_mde_not_zero"
            ),
            models.CheckConstraint(
                condition=models.Q(sequential_tuning__gt=0), name="experiment_sequential_tuning_positive"
            ),
            # A concluded experiment always carries its decision; nothing else does.
            models.CheckConstraint(
                condition=models.Q(status="concluded", concluded_at__isnull=False) & ~models.Q(decision="")
                | (~models.Q(status="concluded") & models.Q(decision="")),
                name="experiment_decision_iff_concluded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.initiative.code}: {self.name}"


class Variant(TimeStampedModel):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=100, blank=True)
    weight = models.FloatField(default=1.0)
    is_control = models.BooleanField(default=False)

    class Meta:
        ordering = ["experiment", "-is_control", "id"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "key"], name="variant_key_unique_per_experiment"),
            models.UniqueConstraint(
                fields=["experiment"], condition=models.Q(is_control=True), name="one_control_per_experiment"
            ),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="variant_weight_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment_id}: {self.key}{' (control)' if self.is_control else ''}"


class VariantData(models.Model):
    """Sufficient statistics of one variant: its totals (``day`` null) or one day's totals.

    A proportion uses users and conversions; a mean uses users, sum and sum_squares, and with a
    pre-period (CUPED) also pre_sum, pre_sum_squares and sum_product (Σx, Σx², Σxy; null: none).
    A variant's data are either all totals or all per day (the services replace one kind by the
    other, never mix).
    """

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="data")
    day = models.DateField(null=True, blank=True)
    users = models.PositiveBigIntegerField(default=0)
    conversions = models.PositiveBigIntegerField(default=0)
    sum = models.FloatField(default=0.0)
    sum_squares = models.FloatField(default=0.0)
    pre_sum = models.FloatField(null=True, blank=True)
    pre_sum_squares = models.FloatField(null=True, blank=True)
    sum_product = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["variant", "day"]
        verbose_name_plural = "variant data"
        constraints = [
            # NULLs are distinct in a plain unique constraint, so the totals row gets its own.
            models.UniqueConstraint(
                fields=["variant", "day"],
                condition=models.Q(day__isnull=False),
                name="variant_data_one_per_day",
            ),
            models.UniqueConstraint(
                fields=["variant"], condition=models.Q(day__isnull=True), name="variant_data_one_total"
            ),
            models.CheckConstraint(
                condition=models.Q(users__gte=0, conversions__gte=0, sum_squares__gte=0),
                name="variant_data_counts_non_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(conversions__lte=models.F("users")),
                name="variant_data_conversions_within_users",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant}: {self.day or 'total'} ({self.users} users)"
