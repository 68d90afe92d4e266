"""Experiments in the API: input shapes (the services judge) and named, read-only outputs."""

from rest_framework import serializers

from common.api.fields import MAX_LIST_ITEMS, ReferenceListField
from improvement.api.common import KpiRefSerializer, VisibleInitiativeField, kpi_code_field
from improvement.decision import DECISIONS
from improvement.models import (
    Experiment,
    ExperimentDecision,
    ExperimentStatus,
    MdeType,
    MetricType,
    Variant,
)
from improvement.models.guardrails import MAX_TOLERANCE
from improvement.services.experiment_data import MAX_DATA_ROWS
from improvement.services.experiment_observations import INGEST_MODES, MAX_JSON_OBSERVATIONS, MODE_REPLACE

# --- the experiment --------------------------------------------------------------------------------


class VariantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Variant
        fields = ["key", "name", "weight", "is_control"]
        read_only_fields = fields


class ExperimentSerializer(serializers.ModelSerializer):
    primary_kpi = KpiRefSerializer(read_only=True)
    guardrail_kpis = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True, help_text="Codes of the guardrail KPIs."
    )
    variants = VariantSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(choices=ExperimentStatus.choices, read_only=True)
    decision = serializers.ChoiceField(choices=ExperimentDecision.choices, read_only=True, allow_blank=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Experiment
        fields = [
            "id",
            "initiative",
            "name",
            "hypothesis",
            "primary_kpi",
            "guardrail_kpis",
            "metric_type",
            "alpha",
            "power",
            "mde",
            "mde_type",
            "sequential",
            "sequential_tuning",
            "randomisation_unit",
            "change_date",
            "variants",
            "status",
            "decision",
            "decision_note",
            "started_at",
            "stopped_at",
            "concluded_at",
            "concluded_by",
            "version",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VariantInputSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=50, help_text="Stable key used by data, e.g. `control`.")
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    weight = serializers.FloatField(required=False, default=1.0, help_text="Allocation weight, > 0.")
    is_control = serializers.BooleanField(required=False, default=False)


class ExperimentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    hypothesis = serializers.CharField(required=False, allow_blank=True)
    primary_kpi = kpi_code_field(required=False)
    guardrail_kpis = ReferenceListField(kpi_code_field(), required=False, help_text="The KPI's code.")
    metric_type = serializers.ChoiceField(choices=MetricType.choices, required=False)
    alpha = serializers.FloatField(required=False)
    power = serializers.FloatField(required=False)
    mde = serializers.FloatField(
        required=False, allow_null=True, help_text="Minimum detectable effect, relative or absolute."
    )
    mde_type = serializers.ChoiceField(choices=MdeType.choices, required=False)
    sequential = serializers.BooleanField(
        required=False, help_text="Always-valid confidence sequences, for looking at the results daily."
    )
    sequential_tuning = serializers.FloatField(
        required=False, help_text="N*: the total users at which the sequence is tightest (default 5,000)."
    )
    variants = VariantInputSerializer(
        many=True, required=False, max_length=MAX_LIST_ITEMS, help_text="Exactly one is the control."
    )


class ExperimentInputSerializer(ExperimentUpdateSerializer):
    initiative = VisibleInitiativeField()
    primary_kpi = kpi_code_field()
    variants = VariantInputSerializer(
        many=True, max_length=MAX_LIST_ITEMS, help_text="Exactly one is the control."
    )


class ConcludeInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ExperimentDecision.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


# --- data ----------------------------------------------------------------------------------------------


class DataRowSerializer(serializers.Serializer):
    """Totals of one variant (``day`` omitted) or of one day. Counts are checked by the service.

    A mean experiment's row gives ``sum`` and ``sum_squares``, or ``mean`` and ``sd`` instead.
    """

    variant = serializers.CharField(max_length=50)
    day = serializers.DateField(required=False, allow_null=True, default=None)
    users = serializers.IntegerField()
    conversions = serializers.IntegerField(required=False, allow_null=True, help_text="Proportions only.")
    sum = serializers.FloatField(required=False, allow_null=True, help_text="Means only.")
    sum_squares = serializers.FloatField(required=False, allow_null=True, help_text="Means only.")
    mean = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Means only, with `sd` instead of `sum` and `sum_squares`: the variant's mean value.",
    )
    pre_sum = serializers.FloatField(
        required=False, allow_null=True, help_text="Means only (CUPED): Σx of the users' pre-period values."
    )
    pre_sum_squares = serializers.FloatField(
        required=False, allow_null=True, help_text="Means only (CUPED): Σx² of the pre-period values."
    )
    sum_product = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Means only (CUPED): Σxy, each user's value times pre-period value.",
    )
    sd = serializers.FloatField(
        required=False,
        allow_null=True,
        help_text="Means only, with `mean`: the sample standard deviation (n − 1); needs at least 2 users. "
        "Stored as sum = users·mean and sum_squares = (users − 1)·sd² + users·mean².",
    )


class DataInputSerializer(serializers.Serializer):
    rows = DataRowSerializer(many=True, allow_empty=False, max_length=MAX_DATA_ROWS)


class GuardrailInputSerializer(serializers.Serializer):
    kpi = kpi_code_field()
    metric_type = serializers.ChoiceField(choices=MetricType.choices, required=False)
    tolerance = serializers.FloatField(
        required=False,
        help_text=f"How much worse the guardrail may get, relative (0.02 = 2 %), 0 to {MAX_TOLERANCE:g}.",
    )


class GuardrailDataInputSerializer(DataInputSerializer):
    kpi = kpi_code_field()


class GuardrailSerializer(serializers.Serializer):
    kpi = serializers.CharField(source="kpi.code", read_only=True, help_text="The KPI's code.")
    metric_type = serializers.ChoiceField(choices=MetricType.choices, read_only=True)
    tolerance = serializers.FloatField(read_only=True)


class ObservationRowSerializer(serializers.Serializer):
    variant = serializers.CharField()
    value = serializers.FloatField(help_text="0 or 1 for a proportion.")
    pre_value = serializers.FloatField(
        required=False,
        help_text="Means only (CUPED): the user's value before the experiment; all rows or none.",
    )


class ObservationsInputSerializer(serializers.Serializer):
    # Rows are checked, vectorised, by the service: a serializer per row would cost seconds.
    rows = serializers.ListField(
        child=serializers.JSONField(),
        allow_empty=False,
        max_length=MAX_JSON_OBSERVATIONS,
        help_text="`{variant, value}` objects (with `pre_value` for CUPED). Larger data sets: upload CSV.",
    )
    mode = serializers.ChoiceField(choices=INGEST_MODES, required=False, default=MODE_REPLACE)


class ModeQuerySerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=INGEST_MODES,
        required=False,
        default=MODE_REPLACE,
        help_text="`replace`: the upload is the whole data set; `add`: added to the stored totals.",
    )


class DataWriteResultSerializer(serializers.Serializer):
    variants = serializers.ListField(child=serializers.CharField(), read_only=True)
    rows_written = serializers.IntegerField(read_only=True)
    observations = serializers.IntegerField(read_only=True)


# --- results -------------------------------------------------------------------------------------------


class VariantSummarySerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    is_control = serializers.BooleanField(read_only=True)
    weight = serializers.FloatField(read_only=True)
    users = serializers.IntegerField(read_only=True)
    mean = serializers.FloatField(read_only=True, allow_null=True, help_text="The rate for a proportion.")
    sd = serializers.FloatField(read_only=True, allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class SrmSerializer(serializers.Serializer):
    chi_square = serializers.FloatField(read_only=True, allow_null=True)
    p_value = serializers.FloatField(read_only=True, allow_null=True)
    detected = serializers.BooleanField(read_only=True, allow_null=True, help_text="p < 0.001.")


class RiskSerializer(serializers.Serializer):
    control = serializers.FloatField(
        read_only=True, help_text="Expected relative loss of keeping the control."
    )
    treatment = serializers.FloatField(read_only=True, help_text="Expected relative loss of shipping.")


def _interval(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.FloatField(), read_only=True, allow_null=True, **kwargs)


class CupedSerializer(serializers.Serializer):
    """The regression-adjusted (CUPED) effect, θ pooled over both arms (formulas: /help/statistics/)."""

    theta = serializers.FloatField(read_only=True)
    absolute_effect = serializers.FloatField(read_only=True)
    absolute_se = serializers.FloatField(read_only=True, allow_null=True)
    absolute_ci = _interval()
    relative_effect = serializers.FloatField(read_only=True, allow_null=True)
    relative_se = serializers.FloatField(read_only=True, allow_null=True)
    relative_ci = _interval()
    degrees_of_freedom = serializers.FloatField(read_only=True, allow_null=True)
    p_value = serializers.FloatField(read_only=True, allow_null=True)
    variance_reduction = serializers.FloatField(
        read_only=True, allow_null=True, help_text="1 − adjusted/unadjusted variance of the absolute effect."
    )
    sequential_ci = _interval()
    sequential_relative_ci = _interval()
    sequential_p_value = serializers.FloatField(read_only=True, allow_null=True)
    sequential_relative_p_value = serializers.FloatField(read_only=True, allow_null=True)


class ComparisonSerializer(serializers.Serializer):
    variant = serializers.CharField(read_only=True)
    control = serializers.CharField(read_only=True)
    absolute_effect = serializers.FloatField(read_only=True, allow_null=True)
    absolute_ci = serializers.ListField(child=serializers.FloatField(), read_only=True, allow_null=True)
    relative_effect = serializers.FloatField(read_only=True, allow_null=True)
    relative_ci = serializers.ListField(child=serializers.FloatField(), read_only=True, allow_null=True)
    standard_error = serializers.FloatField(read_only=True, allow_null=True)
    statistic = serializers.FloatField(read_only=True, allow_null=True)
    degrees_of_freedom = serializers.FloatField(read_only=True, allow_null=True)
    p_value = serializers.FloatField(read_only=True, allow_null=True)
    p_value_holm = serializers.FloatField(read_only=True, allow_null=True)
    significant = serializers.BooleanField(read_only=True, allow_null=True)
    chance_to_beat_control = serializers.FloatField(read_only=True, allow_null=True)
    risk = RiskSerializer(read_only=True, allow_null=True)
    power_at_mde = serializers.FloatField(read_only=True, allow_null=True)
    required_users_per_arm = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, allow_null=True
    )
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    test = serializers.ChoiceField(
        choices=["z", "fisher_exact", "welch_t"],
        read_only=True,
        allow_null=True,
        help_text="The test behind `p_value`: `fisher_exact` when an expected 2×2 cell is below 5.",
    )
    credible_interval = serializers.ListField(
        child=serializers.FloatField(),
        read_only=True,
        allow_null=True,
        help_text="1 − α credible interval of the relative effect (flat prior, normal posterior).",
    )
    sequential_ci = _interval(help_text="Always-valid confidence sequence of the absolute effect.")
    sequential_relative_ci = _interval(help_text="Always-valid confidence sequence of the relative effect.")
    sequential_p_value = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Always-valid p-value of the absolute effect."
    )
    sequential_relative_p_value = serializers.FloatField(read_only=True, allow_null=True)
    cuped = CupedSerializer(read_only=True, allow_null=True)


class OmnibusSerializer(serializers.Serializer):
    test = serializers.ChoiceField(choices=["chi_square", "welch_anova"], read_only=True)
    statistic = serializers.FloatField(read_only=True, allow_null=True)
    df = serializers.FloatField(read_only=True, allow_null=True)
    df_denominator = serializers.FloatField(read_only=True, allow_null=True, help_text="Welch's ANOVA only.")
    p_value = serializers.FloatField(read_only=True, allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class ReadoutSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=MetricType.choices, read_only=True)
    control = serializers.CharField(read_only=True)
    alpha = serializers.FloatField(read_only=True)
    sequential = serializers.BooleanField(read_only=True)
    sequential_tuning = serializers.FloatField(read_only=True, allow_null=True)
    cuped = serializers.BooleanField(read_only=True, help_text="Every variant has pre-period totals.")
    users = serializers.IntegerField(read_only=True)
    variants = VariantSummarySerializer(many=True, read_only=True)
    srm = SrmSerializer(read_only=True)
    comparisons = ComparisonSerializer(many=True, read_only=True)
    omnibus = OmnibusSerializer(
        read_only=True, allow_null=True, help_text="Three or more arms: one test that all are equal."
    )
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class GuardrailResultSerializer(serializers.Serializer):
    kpi = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    metric = serializers.ChoiceField(choices=MetricType.choices, read_only=True)
    higher_is_better = serializers.BooleanField(read_only=True)
    tolerance = serializers.FloatField(read_only=True)
    results = ReadoutSerializer(read_only=True)


class GuardrailStatusSerializer(serializers.Serializer):
    kpi = serializers.CharField(read_only=True)
    variant = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=["breached", "within_tolerance", "unknown"], read_only=True)


class ExperimentResultsSerializer(ReadoutSerializer):
    users = serializers.IntegerField(read_only=True)
    guardrails = GuardrailResultSerializer(many=True, read_only=True)
    guardrail_status = GuardrailStatusSerializer(many=True, read_only=True)
    decision = serializers.ChoiceField(
        choices=DECISIONS, read_only=True, help_text="What the data support (docs: the decision table)."
    )
    variant = serializers.CharField(read_only=True, allow_null=True, help_text="The variant to ship.")
    reasons = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The decision first, then why."
    )
    days_left = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Days until every arm has the planned users, at each arm's pace so far.",
    )
    days_left_reason = serializers.CharField(read_only=True, allow_null=True)


# --- the planner ---------------------------------------------------------------------------------------


class SampleSizeInputSerializer(serializers.Serializer):
    metric_type = serializers.ChoiceField(choices=MetricType.choices, default=MetricType.PROPORTION)
    baseline = serializers.FloatField(help_text="The control's rate (0–1) or mean.")
    mde = serializers.FloatField(help_text="Minimum detectable effect.")
    mde_type = serializers.ChoiceField(choices=MdeType.choices, default=MdeType.RELATIVE)
    alpha = serializers.FloatField(default=0.05)
    power = serializers.FloatField(default=0.8)
    daily_users = serializers.FloatField(help_text="Users entering the experiment per day, all arms.")
    weights = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=20,
        default=[1.0, 1.0],
        help_text="Allocation weights, control first.",
    )
    sd = serializers.FloatField(required=False, allow_null=True, help_text="The control's sd (means).")


class SampleSizePlanSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=MetricType.choices, read_only=True)
    baseline = serializers.FloatField(read_only=True)
    absolute_mde = serializers.FloatField(read_only=True)
    alpha = serializers.FloatField(read_only=True)
    power = serializers.FloatField(read_only=True)
    weights = serializers.ListField(child=serializers.FloatField(), read_only=True)
    users_per_arm = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    total_users = serializers.IntegerField(read_only=True)
    daily_users = serializers.FloatField(read_only=True)
    days_needed = serializers.IntegerField(read_only=True)
