import datetime as dt
import math

from rest_framework import serializers

from common.api.writers import date_writer, datetime_column_writer
from kpis.models import ChartType, Direction, Kpi, KpiKind, Measurement, Unit
from kpis.services import MAX_BATCH_ROWS, MAX_CAUSE_LENGTH, MAX_NOTE_LENGTH

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
            "chart_type",
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
    chart_type = serializers.ChoiceField(
        choices=ChartType.choices,
        required=False,
        help_text="The control chart drawn: auto (p or u for rates and counts with sample sizes, Laney P′ "
        "when periods are overdispersed, else XmR), xmr, p, u or laney_p.",
    )


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
            "numerator",
            "source",
            "note",
            "assignable_cause",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# The measurements list's lean read path (``MeasurementViewSet.list``): the value columns it reads,
# in the order of ``MeasurementSerializer``'s fields (``kpi`` is the KPI's code).
MEASUREMENT_VALUES = (
    "id",
    "kpi__code",
    "segment",
    "period",
    "value",
    "sample_size",
    "numerator",
    "source",
    "note",
    "assignable_cause",
    "created_at",
    "updated_at",
)


def measurement_list_data(rows) -> list[dict]:
    """``MeasurementSerializer(many=True).data`` for ``values(*MEASUREMENT_VALUES)`` rows: the same
    keys, order and formats (dates ISO 8601, times in the current time zone with ``Z`` for UTC), no
    model instance and no field walk per row; the two time columns are written a column at a time."""
    rows = list(rows)
    date, moments = date_writer(), datetime_column_writer()
    created = moments([row["created_at"] for row in rows])
    updated = moments([row["updated_at"] for row in rows])
    return [
        {
            "id": row["id"],
            "kpi": row["kpi__code"],
            "segment": row["segment"],
            "period": date(row["period"]),
            "value": float(row["value"]),
            "sample_size": row["sample_size"],
            "numerator": row["numerator"],
            "source": row["source"],
            "note": row["note"],
            "assignable_cause": row["assignable_cause"],
            "created_at": created_at,
            "updated_at": updated_at,
        }
        for row, created_at, updated_at in zip(rows, created, updated, strict=True)
    ]


def _plain_text(value, *, max_length: int, blank: bool) -> str | None:
    """``value`` as the CharField would clean it, or None when only the CharField can say."""
    if type(value) is not str or not value.isascii() or "\x00" in value:
        return None
    value = value.strip()
    if (not value and not blank) or len(value) > max_length:
        return None
    return value


def _plain_row(row) -> dict | None:
    """A bulk row as ``MeasurementRowSerializer`` validates it, for the common well-formed row.

    10,000 rows through the DRF fields cost ~0.4 s; this checks the same rules on plain types
    and answers None for anything else (missing or null fields, numbers as strings, non-ASCII
    text…), which the serializer then validates, with its own messages.
    """
    if type(row) is not dict:
        return None
    kpi = _plain_text(row.get("kpi"), max_length=50, blank=False)
    segment = _plain_text(row.get("segment", ""), max_length=100, blank=True)
    source = _plain_text(row.get("source", DEFAULT_API_SOURCE), max_length=100, blank=False)
    period, value = row.get("period"), row.get("value")
    sample_size, numerator = row.get("sample_size"), row.get("numerator")
    note = _plain_text(row.get("note", ""), max_length=MAX_NOTE_LENGTH, blank=True)
    cause = _plain_text(row.get("assignable_cause", ""), max_length=MAX_CAUSE_LENGTH, blank=True)
    if kpi is None or segment is None or source is None or type(period) is not str or len(period) != 10:
        return None
    if note is None or cause is None or (numerator is not None and type(numerator) is not int):
        return None
    if type(value) not in (int, float) or (sample_size is not None and type(sample_size) is not int):
        return None
    try:
        period, value = dt.date.fromisoformat(period), float(value)
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(value) or (sample_size is not None and sample_size < 0):
        return None
    return {
        "kpi": kpi,
        "segment": segment,
        "period": period,
        "value": value,
        "sample_size": sample_size,
        "source": source,
        "numerator": numerator,
        "note": note,
        "assignable_cause": cause,
    }


class MeasurementRowListSerializer(serializers.ListSerializer):
    def run_child_validation(self, data):
        return _plain_row(data) or super().run_child_validation(data)


class MeasurementRowSerializer(serializers.Serializer):
    """One value of a KPI for a period; (kpi, segment, period, source) is the natural key."""

    class Meta:
        list_serializer_class = MeasurementRowListSerializer

    kpi = serializers.CharField(max_length=50, help_text="The KPI's code, e.g. `csat`.")
    segment = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text='"" = the whole service.'
    )
    period = serializers.DateField()
    value = serializers.FloatField()
    sample_size = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="The period's denominator: contacts, surveys or tickets (units for a count KPI).",
    )
    numerator = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        default=None,
        help_text="Of the sample, how many counted (resolved, transferred, complained). Needs `sample_size`.",
    )
    source = serializers.CharField(max_length=100, required=False, default=DEFAULT_API_SOURCE)
    note = serializers.CharField(
        max_length=MAX_NOTE_LENGTH, required=False, allow_blank=True, default="", help_text="What happened."
    )
    assignable_cause = serializers.CharField(
        max_length=MAX_CAUSE_LENGTH,
        required=False,
        allow_blank=True,
        default="",
        help_text="The special cause behind an unusual point, once found.",
    )


class MeasurementBulkSerializer(serializers.Serializer):
    rows = MeasurementRowSerializer(many=True, allow_empty=False, max_length=MAX_BATCH_ROWS)


class UpsertResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(read_only=True)
    updated = serializers.IntegerField(read_only=True)
    unchanged = serializers.IntegerField(read_only=True)
