"""Cluster-randomised pilots and controlled before/after in the API: inputs and the read-out's parts."""

from rest_framework import serializers

from improvement.api.experiments import serializers as base
from improvement.models import RandomisationUnit
from improvement.services.experiment_clusters import MAX_LABEL
from improvement.services.experiment_data import MAX_DATA_ROWS
from kpis.stats.did import CELLS, PERIODS_INDEPENDENT, SITE_CLUSTERED


def _interval(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.FloatField(), read_only=True, allow_null=True, **kwargs)


class ClusterDesignInputSerializer(serializers.Serializer):
    randomisation_unit = serializers.ChoiceField(
        choices=RandomisationUnit.choices,
        required=False,
        help_text="`user` (default) or `cluster`: agents, teams or sites randomised as a whole. Draft only.",
    )
    change_date = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="Controlled before/after: site values on or after this day are 'after'. Null clears it.",
    )


class ClusterDesignSerializer(serializers.Serializer):
    randomisation_unit = serializers.ChoiceField(choices=RandomisationUnit.choices, read_only=True)
    change_date = serializers.DateField(read_only=True, allow_null=True)
    version = serializers.IntegerField(read_only=True)


class ClusterRowSerializer(serializers.Serializer):
    variant = serializers.CharField(max_length=50)
    cluster = serializers.CharField(max_length=MAX_LABEL, help_text="The agent, team or site.")
    users = serializers.IntegerField()
    conversions = serializers.IntegerField(required=False, allow_null=True, help_text="Proportions only.")
    sum = serializers.FloatField(required=False, allow_null=True, help_text="Means only: Σ value.")
    sum_squares = serializers.FloatField(required=False, allow_null=True, help_text="Means only: Σ value².")


class ClusterDataInputSerializer(serializers.Serializer):
    rows = ClusterRowSerializer(many=True, allow_empty=False, max_length=MAX_DATA_ROWS)


class SiteValueRowSerializer(serializers.Serializer):
    site = serializers.CharField(max_length=MAX_LABEL)
    pilot = serializers.BooleanField(help_text="True for a pilot site, false for a control site.")
    day = serializers.DateField(help_text="The period's first day.")
    value = serializers.FloatField(help_text="The KPI's value for the site in that period.")


class SiteValuesInputSerializer(serializers.Serializer):
    rows = SiteValueRowSerializer(many=True, allow_empty=False, max_length=MAX_DATA_ROWS)


class ClusterArmSerializer(serializers.Serializer):
    variant = serializers.CharField(read_only=True)
    clusters = serializers.IntegerField(read_only=True, help_text="Clusters with users.")
    users = serializers.IntegerField(read_only=True)
    mean = serializers.FloatField(read_only=True, allow_null=True, help_text="Σ numerator / Σ users.")
    standard_error = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Delta-method (cluster-robust) standard error."
    )
    naive_standard_error = serializers.FloatField(
        read_only=True, allow_null=True, help_text="The standard error if users were independent."
    )


class ClusterComparisonSerializer(serializers.Serializer):
    variant = serializers.CharField(read_only=True)
    control = serializers.CharField(read_only=True)
    absolute_effect = serializers.FloatField(read_only=True, allow_null=True)
    absolute_ci = _interval()
    relative_effect = serializers.FloatField(read_only=True, allow_null=True)
    relative_ci = _interval()
    standard_error = serializers.FloatField(read_only=True, allow_null=True)
    relative_standard_error = serializers.FloatField(read_only=True, allow_null=True)
    degrees_of_freedom = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Welch–Satterthwaite over clusters (k − 1 per arm)."
    )
    statistic = serializers.FloatField(read_only=True, allow_null=True)
    p_value = serializers.FloatField(read_only=True, allow_null=True)
    naive_standard_error = serializers.FloatField(read_only=True, allow_null=True)
    design_effect = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Cluster-robust variance / user-level variance of the effect: how much treating users "
        "as independent would understate it.",
    )
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class ClusterReadoutSerializer(serializers.Serializer):
    randomisation_unit = serializers.CharField(read_only=True)
    metric = serializers.CharField(read_only=True)
    control = serializers.CharField(read_only=True)
    alpha = serializers.FloatField(read_only=True)
    test = serializers.ChoiceField(choices=["welch_t"], read_only=True)
    variants = ClusterArmSerializer(many=True, read_only=True)
    comparisons = ClusterComparisonSerializer(many=True, read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class DidCellSerializer(serializers.Serializer):
    cell = serializers.ChoiceField(choices=list(CELLS), read_only=True)
    sites = serializers.IntegerField(read_only=True)
    values = serializers.IntegerField(read_only=True)
    mean = serializers.FloatField(read_only=True, allow_null=True)


class BeforeAfterSerializer(serializers.Serializer):
    change_date = serializers.DateField(read_only=True, allow_null=True)
    method = serializers.ChoiceField(
        choices=[SITE_CLUSTERED, PERIODS_INDEPENDENT],
        read_only=True,
        allow_null=True,
        help_text="`site_clustered` with ≥ 2 pilot and ≥ 2 control sites, else `periods_independent`.",
    )
    cells = DidCellSerializer(many=True, read_only=True)
    effect = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="(pilot_after − pilot_before) − (control_after − control_before).",
    )
    standard_error = serializers.FloatField(read_only=True, allow_null=True)
    ci = _interval()
    degrees_of_freedom = serializers.FloatField(read_only=True, allow_null=True)
    p_value = serializers.FloatField(read_only=True, allow_null=True)
    alpha = serializers.FloatField(read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class ExperimentResultsSerializer(base.ExperimentResultsSerializer):
    clusters = ClusterReadoutSerializer(
        read_only=True,
        allow_null=True,
        help_text="Cluster-randomised experiments: the per-user metric with delta-method variance.",
    )
    before_after = BeforeAfterSerializer(
        read_only=True, allow_null=True, help_text="Controlled before/after of pilot against control sites."
    )
