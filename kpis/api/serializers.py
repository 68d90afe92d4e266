from rest_framework import serializers

from kpis.models import Direction, Kpi, KpiKind, Measurement, Unit
from kpis.services import MAX_BATCH_ROWS

DEFAULT_API_SOURCE = "api"


class KpiSerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Kpi
        fields = [
            "id",
            "code",
            "name",
            "description",
            "unit",
            "direction",
            "kind",
            "min_value",
            "max_value",
            "warning_threshold",
            "critical_threshold",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class KpiUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.ChoiceField(choices=Unit.choices)
    direction = serializers.ChoiceField(choices=Direction.choices)
    kind = serializers.ChoiceField(choices=KpiKind.choices, required=False)
    min_value = serializers.FloatField(required=False, allow_null=True)
    max_value = serializers.FloatField(required=False, allow_null=True)
    warning_threshold = serializers.FloatField(required=False, allow_null=True)
    critical_threshold = serializers.FloatField(required=False, allow_null=True)


class KpiInputSerializer(KpiUpdateSerializer):
    code = serializers.SlugField(max_length=50)


class MeasurementSerializer(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="The KPI's code.")

    class Meta:
        model = Measurement
        fields = [
            "id",
            "kpi",
            "segment",
            "period",
            "value",
            "sample_size",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class MeasurementRowSerializer(serializers.Serializer):
    """One value of a KPI for a period; (kpi, segment, period, source) is the natural key."""

    kpi = serializers.CharField(max_length=50, help_text="The KPI's code, e.g. `csat`.")
    segment = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text='"" = the whole service.'
    )
    period = serializers.DateField()
    value = serializers.FloatField()
    sample_size = serializers.IntegerField(min_value=0, required=False, allow_null=True, default=None)
    source = serializers.CharField(max_length=100, required=False, default=DEFAULT_API_SOURCE)


class MeasurementBulkSerializer(serializers.Serializer):
    rows = MeasurementRowSerializer(many=True, allow_empty=False, max_length=MAX_BATCH_ROWS)


class UpsertResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(read_only=True)
    updated = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)
