from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

from common.models import ArchivableModel, TimeStampedModel
from common.sync import ChangeTracked


class Unit(models.TextChoices):
    SECONDS = "seconds", gettext_lazy("seconds")
    MINUTES = "minutes", gettext_lazy("minutes")
    HOURS = "hours", gettext_lazy("hours")
    PERCENT = "percent", gettext_lazy("%")
    SCORE = "score", gettext_lazy("score")
    COUNT = "count", gettext_lazy("count")
    CURRENCY = "currency", gettext_lazy("currency")


class Direction(models.TextChoices):
    HIGHER = "higher", gettext_lazy("Higher is better")
    LOWER = "lower", gettext_lazy("Lower is better")


class KpiKind(models.TextChoices):
    KEY = "key", gettext_lazy("Key indicator")
    ADJUSTING = "adjusting", gettext_lazy("Adjusting indicator")
    WARNING = "warning", gettext_lazy("Warning indicator")


class ChartType(models.TextChoices):
    AUTO = "auto", gettext_lazy("Automatic (p or u for rates and counts with sample sizes, else XmR)")
    XMR = "xmr", gettext_lazy("XmR (individuals and moving range)")
    P = "p", gettext_lazy("p-chart (share of each period's sample)")
    U = "u", gettext_lazy("u-chart (count per unit)")
    LANEY_P = "laney_p", gettext_lazy("Laney P′ (p-chart for very large periods)")


class Kpi(ChangeTracked, ArchivableModel, TimeStampedModel):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=20, choices=Unit.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    kind = models.CharField(max_length=20, choices=KpiKind.choices, default=KpiKind.KEY)
    # The range a measurement may take (e.g. 0..100 for a percentage, -100..100 for NPS).
    min_value = models.FloatField(null=True, blank=True)
    max_value = models.FloatField(null=True, blank=True)
    # Alert thresholds, crossed in the KPI's bad direction.
    warning_threshold = models.FloatField(null=True, blank=True)
    critical_threshold = models.FloatField(null=True, blank=True)
    chart_type = models.CharField(max_length=10, choices=ChartType.choices, default=ChartType.AUTO)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(min_value__lt=models.F("max_value")),
                name="kpi_min_below_max",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER

    def is_better(self, a: float, b: float) -> bool:
        """True when value ``a`` is strictly better than ``b`` for this KPI."""
        return a > b if self.higher_is_better else a < b


class Measurement(ChangeTracked, TimeStampedModel):
    """One value of a KPI for a period; (kpi, segment, period, source) is the natural key.

    ``segment`` is "" for the whole service, or a slice such as "chat", "phone" or "EMEA".
    """

    # No index of its own: the three composite indexes below lead with it. A lone kpi index made
    # the planner read a KPI's whole history (all segments) for a window of one series.
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="measurements", db_index=False)
    segment = models.CharField(max_length=100, blank=True, default="")
    period = models.DateField()
    value = models.FloatField()
    sample_size = models.PositiveIntegerField(null=True, blank=True)
    # Of the sample, how many counted (resolved first time, transferred, complained); without it a
    # rate's count is value × sample size.
    numerator = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=100, default="manual")
    # What happened in the period, and the assignable (special) cause behind an unusual point.
    note = models.TextField(blank=True, default="")
    assignable_cause = models.CharField(max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Every index is rewritten by each update of a row (an update changes ``updated_at`` and the
    # change marker, so PostgreSQL cannot update in place): no index here that another covers. No
    # read filters or orders measurements by ``created_at``; ``updated_at`` reads walk the
    # (updated_at, id) index below.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kpi", "segment", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "segment", "period", "source"], name="measurement_natural_key"
            ),
            models.CheckConstraint(
                condition=models.Q(numerator__isnull=True)
                | models.Q(sample_size__isnull=False, numerator__lte=models.F("sample_size")),
                name="measurement_numerator_within_sample",
            ),
        ]
        indexes = [
            # A series' reads (kpi, segment, period order) walk the natural key's unique index.
            # The measurements list orders by period, ties by id (newest first by default): one
            # ordered index range scan for the whole list, and for a KPI and a period range.
            models.Index(fields=["period", "id"], name="measurement_period"),
            models.Index(fields=["kpi", "period", "id"], name="measurement_kpi_period"),
            # ``updated_since`` reads walk this in keyset pages (common/api/since.py).
            models.Index(fields=["updated_at", "id"], name="measurement_updated_keyset"),
        ]

    def __str__(self) -> str:
        segment = f" [{self.segment}]" if self.segment else ""
        return f"{self.kpi.code}{segment} {self.period}: {self.value}"


class SeriesChange(models.Model):
    """The change marker of a (kpi, segment) series, moved by the database on every measurement write.

    Written only by the measurement triggers (common/sync_triggers.py, ``MarkSeriesChanges``), one
    row per series whatever the number of rows a write touched. A target's answer is read from its
    series (its latest value), so the targets' change walk serves a target at the later of its own
    marker and its series' marker instead of every following target being rewritten.
    """

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="series_changes", db_index=False)
    segment = models.CharField(max_length=100, blank=True, default="")
    # Not part of an export, like every change marker: a restored database starts its walks again.
    change_marker = models.BigIntegerField(default=0, editable=False, serialize=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kpi", "segment"], name="series_change_key")]

    def __str__(self) -> str:
        return f"{self.kpi_id} [{self.segment}] @ {self.change_marker}"


class AlertLevel(models.TextChoices):
    WARNING = "warning", gettext_lazy("Warning")
    CRITICAL = "critical", gettext_lazy("Critical")


class AlertRule(models.TextChoices):
    THRESHOLD = "threshold", gettext_lazy("Threshold crossed")
    SPC = "spc", gettext_lazy("Control-chart signal")


class KpiAlert(models.Model):
    """A KPI's period value crossed an alert threshold in its bad direction.

    One alert per (kpi, segment, period, rule, level): re-evaluating the same data finds the row
    and raises nothing new, so the people told about it are told once.
    """

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="alerts")
    segment = models.CharField(max_length=100, blank=True, default="")
    period = models.DateField()
    rule = models.CharField(max_length=20, choices=AlertRule.choices, default=AlertRule.THRESHOLD)
    level = models.CharField(max_length=10, choices=AlertLevel.choices)
    value = models.FloatField()
    # The threshold crossed, or for a control-chart signal the control limit on the bad side.
    threshold = models.FloatField()
    # For a control-chart signal, the Western Electric rule that fired.
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "segment", "period", "rule", "level"], name="kpi_alert_once_per_period"
            )
        ]

    def __str__(self) -> str:
        segment = f" [{self.segment}]" if self.segment else ""
        return f"{self.get_level_display()}: {self.kpi.code}{segment} {self.period} = {self.value}"


class PhaseSource(models.TextChoices):
    MANUAL = "manual", gettext_lazy("Marked by a lead")
    INITIATIVE = "initiative", gettext_lazy("An initiative's Do start")


class PhaseBreak(TimeStampedModel):
    """The date a KPI's process changed: its control chart computes limits afresh from here on.

    ``segment`` "" splits every segment's chart. Breaks from an initiative's Do start carry its
    code in ``reference`` (one per initiative, KPI and segment).
    """

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="phase_breaks")
    segment = models.CharField(max_length=100, blank=True, default="")
    starts = models.DateField(help_text="The first period of the new phase.")
    label = models.CharField(max_length=120)
    source = models.CharField(max_length=20, choices=PhaseSource.choices, default=PhaseSource.MANUAL)
    reference = models.CharField(max_length=50, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kpi", "segment", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "segment", "starts"], name="phase_break_once_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} from {self.starts}: {self.label}"


class SurveyAnswers(TimeStampedModel):
    """The answers of one survey for a KPI (NPS, CSAT or CES) and period, kept as counts per score.

    ``counts`` maps each score of the scale ("0".."10", "1".."5" or "1".."7") to how many gave it:
    compact for any number of answers, and all the scores and their intervals need.
    """

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="survey_answers")
    segment = models.CharField(max_length=100, blank=True, default="")
    period = models.DateField()
    counts = models.JSONField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kpi", "segment", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "segment", "period"], name="survey_answers_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi.code} survey {self.period}"
