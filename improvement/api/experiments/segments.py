"""Experiments in the API by segment: segment data in, results by segment out, the results CSV."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer

from common.api.renderers import render_json
from common.xlsx import XLSX_MEDIA_TYPE
from improvement.api.experiments import cluster_serializers as cs
from improvement.api.experiments import serializers as s
from improvement.models.segments import SEGMENT_MAX_LENGTH
from improvement.selectors.experiment_export import results_csv
from improvement.services.experiment_data import MAX_DATA_ROWS
from improvement.services.experiment_observations import MAX_JSON_OBSERVATIONS

CSV_FILENAME = "experiment-{pk}-results.csv"


class SegmentDataRowSerializer(serializers.Serializer):
    """One variant's totals within one segment (the service checks the counts, as for ``data``)."""

    segment = serializers.CharField(
        max_length=SEGMENT_MAX_LENGTH, help_text="The KPI's segment, e.g. `chat`, `phone`, `EMEA`."
    )
    variant = serializers.CharField(max_length=50)
    users = serializers.IntegerField()
    conversions = serializers.IntegerField(required=False, allow_null=True, help_text="Proportions only.")
    sum = serializers.FloatField(required=False, allow_null=True, help_text="Means only.")
    sum_squares = serializers.FloatField(required=False, allow_null=True, help_text="Means only.")
    mean = serializers.FloatField(required=False, allow_null=True, help_text="Means only, with `sd`.")
    sd = serializers.FloatField(
        required=False, allow_null=True, help_text="Means only, with `mean`: the sample sd (n − 1)."
    )


class SegmentDataInputSerializer(serializers.Serializer):
    rows = SegmentDataRowSerializer(many=True, allow_empty=False, max_length=MAX_DATA_ROWS)


class SegmentObservationsInputSerializer(serializers.Serializer):
    # Checked row by row by the service (vectorised); a serializer per row would cost more than the fold.
    rows = serializers.ListField(
        child=serializers.JSONField(),
        allow_empty=False,
        max_length=MAX_JSON_OBSERVATIONS,
        help_text="`{segment, variant, value}` objects; value 0 or 1 for a proportion.",
    )


class SegmentWriteResultSerializer(serializers.Serializer):
    segments = serializers.ListField(child=serializers.CharField(), read_only=True)
    rows_written = serializers.IntegerField(read_only=True)


class SegmentComparisonSerializer(s.ComparisonSerializer):
    p_value_segments = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Holm-adjusted across every segment × treatment comparison of the experiment.",
    )
    significant_segments = serializers.BooleanField(
        read_only=True, allow_null=True, help_text="`p_value_segments` < alpha."
    )


class SegmentReadoutSerializer(s.ReadoutSerializer):
    comparisons = SegmentComparisonSerializer(many=True, read_only=True)


class SegmentResultSerializer(serializers.Serializer):
    segment = serializers.CharField(read_only=True)
    results = SegmentReadoutSerializer(read_only=True)


class BySegmentSerializer(serializers.Serializer):
    correction = serializers.ChoiceField(
        choices=["holm"], read_only=True, help_text="The multiple-comparison correction across segments."
    )
    comparisons = serializers.IntegerField(
        read_only=True,
        help_text="Size of the corrected family: segment × treatment comparisons with a p-value.",
    )
    segments = SegmentResultSerializer(many=True, read_only=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class ResultsSerializer(cs.ExperimentResultsSerializer):
    by_segment = BySegmentSerializer(
        read_only=True, help_text="The primary KPI by segment; the overall figures above are unchanged."
    )


class ResultsCsvRenderer(BaseRenderer):
    """``results.csv``: the results read-out as one row per (metric, variant) (docs: §9)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code >= 400:
            # An error keeps its JSON body (and says so), whatever format was asked for.
            response["Content-Type"] = "application/json"
            return render_json(data)
        view = context.get("view")
        if response is not None and view is not None:
            pk = view.kwargs.get("pk")
            response["Content-Disposition"] = f'attachment; filename="{CSV_FILENAME.format(pk=pk)}"'
        kpi = getattr(view, "kpi_code", "")
        return results_csv(data, kpi=kpi).encode("utf-8")


RESULTS_RESPONSES = {
    (200, "application/json"): ResultsSerializer,
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.STR,
        description="`results.csv`: one row per (metric: primary / guardrail / segment, variant) with the "
        "fields above; the decision and reasons repeated on every row (/help/statistics/).",
    ),
    (200, XLSX_MEDIA_TYPE): OpenApiResponse(
        OpenApiTypes.BINARY,
        description="`results.xlsx`: the rows and columns of `results.csv` in one sheet with typed cells "
        "(numbers, booleans, text that never runs as a formula) and a frozen header row (/help/exports/).",
    ),
}
