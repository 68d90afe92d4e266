"""``/api/v1/experiments/``: design, status moves, data in (aggregates or observations), results out."""

import io

import django_filters
from drf_spectacular.utils import OpenApiRequest, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.settings import api_settings

from accounts.models import Scope
from common.api.conditional import check_if_match, honours_if_match
from common.api.idempotency import idempotent
from common.api.parsers import ApiJSONParser
from common.api.sync import ChangePagePagination
from common.api.viewsets import ApiViewSet
from improvement import selectors
from improvement.api.common import CREATED, updated_since
from improvement.api.experiments import segments as seg
from improvement.api.experiments import serializers as s
from improvement.api.experiments.clusters import ClusterActionsMixin
from improvement.api.experiments.xlsx import ResultsXlsxRenderer
from improvement.models import Experiment
from improvement.services import (
    experiment_data,
    experiment_guardrails,
    experiment_observations,
    experiment_segment_observations,
    experiment_segments,
    experiments,
)

CSV_MEDIA_TYPE = "text/csv"
CSV_FILE_FIELD = "file"


class _RawStream(io.RawIOBase):
    """The request body as a raw binary stream, so pandas reads it in chunks without a copy."""

    def __init__(self, stream):
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer)) if self._stream is not None else b""
        buffer[: len(data)] = data
        return len(data)


class CsvParser(BaseParser):
    """``text/csv`` bodies are handed over unread; the service folds them chunk by chunk."""

    media_type = CSV_MEDIA_TYPE

    def parse(self, stream, media_type=None, parser_context=None):
        return io.BufferedReader(_RawStream(stream))


class ExperimentFilter(django_filters.FilterSet):
    updated_since = updated_since()

    class Meta:
        model = Experiment
        fields = ["initiative", "status", "metric_type", "decision"]


class ExperimentViewSet(ClusterActionsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """A/B experiments of the initiatives the caller reads. Leads (and admins) design and move them;
    integrations with ``experiments:write`` push data."""

    model = Experiment
    serializer_class = s.ExperimentSerializer
    filterset_class = ExperimentFilter
    pagination_class = ChangePagePagination
    search_fields = ["name", "hypothesis"]
    ordering_fields = ["id", "created_at", "updated_at", "status"]
    ordering = ["-id"]
    write_scope = Scope.INITIATIVES_WRITE
    action_scopes = {
        "data": Scope.EXPERIMENTS_WRITE,
        "observations": Scope.EXPERIMENTS_WRITE,
        "guardrail_data": Scope.EXPERIMENTS_WRITE,
        "cluster_data": Scope.EXPERIMENTS_WRITE,
        "site_values": Scope.EXPERIMENTS_WRITE,
        "segment_data": Scope.EXPERIMENTS_WRITE,
        "segment_observations": Scope.EXPERIMENTS_WRITE,
        # Computes without writing: any caller who reads may plan.
        "sample_size": Scope.PROGRESS_READ,
    }

    def select(self, *, user, include_archived):
        return selectors.experiment_list(user=user, include_archived=include_archived)

    def _answer(self, experiment, *, answer=status.HTTP_200_OK) -> Response:
        return Response(s.ExperimentSerializer(self.reread(experiment)).data, status=answer)

    def _current(self):
        experiment = self.get_object()
        check_if_match(self.request, s.ExperimentSerializer(experiment).data)
        return experiment

    @extend_schema(request=s.ExperimentInputSerializer, responses={201: s.ExperimentSerializer})
    @idempotent
    def create(self, request):
        experiment = experiments.experiment_create(
            actor=request.user, **self.parse(s.ExperimentInputSerializer)
        )
        return self._answer(experiment, answer=CREATED)

    @extend_schema(
        request=s.ExperimentUpdateSerializer,
        responses={200: s.ExperimentSerializer},
        description="Name and hypothesis change until concluded; the design (KPIs, metric, alpha, power, "
        "MDE, variants) only in draft (409 otherwise). Honours If-Match.",
    )
    def update(self, request, pk=None, partial=False):
        experiment = self._current()
        experiments.experiment_update(
            actor=request.user,
            experiment=experiment,
            expected_version=experiment.version,
            **self.parse(s.ExperimentUpdateSerializer, partial=partial),
        )
        return self._answer(experiment)

    @extend_schema(request=s.ExperimentUpdateSerializer, responses={200: s.ExperimentSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(request=None, responses={200: s.ExperimentSerializer}, description="Draft → running.")
    @action(detail=True, methods=["post"])
    @honours_if_match
    def start(self, request, pk=None):
        experiment = self._current()
        experiments.experiment_start(
            actor=request.user, experiment=experiment, expected_version=experiment.version
        )
        return self._answer(experiment)

    @extend_schema(request=None, responses={200: s.ExperimentSerializer}, description="Running → stopped.")
    @action(detail=True, methods=["post"])
    @honours_if_match
    def stop(self, request, pk=None):
        experiment = self._current()
        experiments.experiment_stop(
            actor=request.user, experiment=experiment, expected_version=experiment.version
        )
        return self._answer(experiment)

    @extend_schema(
        request=s.ConcludeInputSerializer,
        responses={200: s.ExperimentSerializer},
        description="Running or stopped → concluded with a decision (ship, iterate, abandon). Data freeze; "
        "the `experiment.concluded` webhook fires.",
    )
    @action(detail=True, methods=["post"])
    @honours_if_match
    def conclude(self, request, pk=None):
        experiment = self._current()
        experiments.experiment_conclude(
            actor=request.user,
            experiment=experiment,
            expected_version=experiment.version,
            **self.parse(s.ConcludeInputSerializer),
        )
        return self._answer(experiment)

    @extend_schema(
        request=s.DataInputSerializer,
        responses={200: s.DataWriteResultSerializer},
        description=(
            "Per-variant aggregates, all or nothing: `{variant, users, conversions}` for a proportion, "
            "`{variant, users, sum, sum_squares}` or `{variant, users, mean, sd}` (sample standard "
            "deviation, n − 1; converted exactly to the sums) for a mean. A row without `day` replaces the "
            "variant's totals; rows with a `day` replace that day and keep the others. Inconsistent "
            "rows are refused with one message per row and field (`rows[1].conversions`)."
        ),
    )
    @action(detail=True, methods=["post"])
    def data(self, request, pk=None):
        result = experiment_data.experiment_data_replace(
            actor=request.user, experiment=self.get_object(), **self.parse(s.DataInputSerializer)
        )
        return Response(s.DataWriteResultSerializer(result).data)

    @extend_schema(
        request=s.GuardrailInputSerializer,
        responses={200: s.GuardrailSerializer},
        description="Set a guardrail KPI's metric type and tolerance (how much worse, relative, it may "
        "get before it blocks shipping). The KPI must be one of the experiment's `guardrail_kpis`.",
    )
    @action(detail=True, methods=["post"])
    def guardrails(self, request, pk=None):
        guardrail = experiment_guardrails.experiment_guardrail_set(
            actor=request.user, experiment=self.get_object(), **self.parse(s.GuardrailInputSerializer)
        )
        return Response(s.GuardrailSerializer(guardrail).data)

    @extend_schema(
        request=s.GuardrailDataInputSerializer,
        responses={200: s.DataWriteResultSerializer},
        description="One guardrail KPI's per-variant aggregates, in the shapes and with the rules of "
        "`data` (its metric type is the guardrail's).",
    )
    @action(detail=True, methods=["post"], url_path="guardrail-data", url_name="guardrail-data")
    def guardrail_data(self, request, pk=None):
        result = experiment_guardrails.experiment_guardrail_data_replace(
            actor=request.user, experiment=self.get_object(), **self.parse(s.GuardrailDataInputSerializer)
        )
        return Response(s.DataWriteResultSerializer(result).data)

    @extend_schema(
        request={
            "application/json": s.ObservationsInputSerializer,
            CSV_MEDIA_TYPE: OpenApiRequest(bytes),
            "multipart/form-data": {
                "type": "object",
                "properties": {CSV_FILE_FIELD: {"type": "string", "format": "binary"}},
            },
        },
        parameters=[s.ModeQuerySerializer],
        responses={200: s.DataWriteResultSerializer},
        description="Raw `{variant, value}` rows folded into per-variant totals: JSON `rows` (up to "
        f"{experiment_observations.MAX_JSON_OBSERVATIONS:,}), or a CSV with a `variant,value` header sent as "
        f"`{CSV_MEDIA_TYPE}` or as the multipart field `{CSV_FILE_FIELD}` (read in chunks, any size). A mean "
        "experiment's rows may carry `pre_value` (a CSV column of that name), the user's pre-period value "
        "for CUPED. "
        "`mode=replace` (default): the upload is the whole data set; `mode=add`: added to the totals.",
    )
    @action(detail=True, methods=["post"], parser_classes=[ApiJSONParser, CsvParser, MultiPartParser])
    def observations(self, request, pk=None):
        experiment = self.get_object()
        mode = s.ModeQuerySerializer(data=request.query_params)
        mode.is_valid(raise_exception=True)
        if isinstance(request.data, io.BufferedReader):
            source = {"csv": request.data, "mode": mode.validated_data["mode"]}
        elif CSV_FILE_FIELD in request.FILES:
            source = {"csv": request.FILES[CSV_FILE_FIELD], "mode": mode.validated_data["mode"]}
        else:
            source = self.parse(s.ObservationsInputSerializer)
        result = experiment_observations.experiment_observations_ingest(
            actor=request.user, experiment=experiment, **source
        )
        return Response(s.DataWriteResultSerializer(result).data)

    @extend_schema(
        responses=seg.RESULTS_RESPONSES,
        description="Per variant: users, rate or mean, sd; the SRM check; per treatment against the control: "
        "absolute and relative effects with confidence intervals, p-value raw and Holm-adjusted, chance "
        "to beat control with its credible interval, risk, power at the MDE and users needed per arm; "
        "Fisher's exact test for small cells; the omnibus test for three or more arms; every guardrail "
        "KPI analysed the same way; the `decision` (ship, roll_back, keep_running, inconclusive) with "
        "its `reasons` and `days_left`; for a sequential experiment the always-valid `sequential_ci` and "
        "`sequential_p_value` too, and with pre-period data the CUPED effect (`cuped`) with its "
        "`variance_reduction`; for a cluster-randomised experiment `clusters` (delta-method read-out "
        "over clusters) and with site values `before_after` (difference in differences); "
        "`by_segment`: the primary KPI per segment, Holm-corrected across segments × "
        "treatments. Numbers that cannot be computed are null, with a warning that says why. "
        "`results.csv` (or `Accept: text/csv`): the same numbers, one row per (metric, variant); "
        "`results.xlsx` (or `Accept: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet`) "
        "the same rows and columns with typed cells. "
        "Formulas: /help/statistics/.",
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[
            *api_settings.DEFAULT_RENDERER_CLASSES,
            seg.ResultsCsvRenderer,
            ResultsXlsxRenderer,
        ],
    )
    def results(self, request, pk=None, **kwargs):
        experiment = self.get_object()
        self.kpi_code = experiment.primary_kpi.code
        return Response(seg.ResultsSerializer(selectors.experiment_results(experiment=experiment)).data)

    @extend_schema(
        request=seg.SegmentDataInputSerializer,
        responses={200: seg.SegmentWriteResultSerializer},
        description="The primary KPI's totals per segment and variant, all or nothing: `{segment, variant, "
        "users, conversions}` for a proportion, `{segment, variant, users, sum, sum_squares}` or `{segment, "
        "variant, users, mean, sd}` for a mean. Each segment named is replaced whole; others keep their "
        "data. Results by segment: `by_segment` of `results`.",
    )
    @action(detail=True, methods=["post"], url_path="segment-data", url_name="segment-data")
    def segment_data(self, request, pk=None):
        result = experiment_segments.experiment_segment_data_replace(
            actor=request.user, experiment=self.get_object(), **self.parse(seg.SegmentDataInputSerializer)
        )
        return Response(seg.SegmentWriteResultSerializer(result).data)

    @extend_schema(
        request={
            "application/json": seg.SegmentObservationsInputSerializer,
            CSV_MEDIA_TYPE: OpenApiRequest(bytes),
            "multipart/form-data": {
                "type": "object",
                "properties": {CSV_FILE_FIELD: {"type": "string", "format": "binary"}},
            },
        },
        responses={200: seg.SegmentWriteResultSerializer},
        description="Raw `{segment, variant, value}` rows folded into per (segment, variant) totals: JSON "
        "`rows`, or a CSV with a `segment,variant,value` header (as `text/csv` or the multipart field "
        f"`{CSV_FILE_FIELD}`). Each segment in the upload is replaced whole; the overall totals are not "
        "touched (send them to `observations`).",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="segment-observations",
        url_name="segment-observations",
        parser_classes=[ApiJSONParser, CsvParser, MultiPartParser],
    )
    def segment_observations(self, request, pk=None):
        experiment = self.get_object()
        if isinstance(request.data, io.BufferedReader):
            source = {"csv": request.data}
        elif CSV_FILE_FIELD in request.FILES:
            source = {"csv": request.FILES[CSV_FILE_FIELD]}
        else:
            source = self.parse(seg.SegmentObservationsInputSerializer)
        result = experiment_segment_observations.experiment_segment_observations_ingest(
            actor=request.user, experiment=experiment, **source
        )
        return Response(seg.SegmentWriteResultSerializer(result).data)

    @extend_schema(
        request=s.SampleSizeInputSerializer,
        responses={200: s.SampleSizePlanSerializer},
        description="Plan an experiment: users per arm (control first) and days needed to detect the MDE.",
    )
    @action(detail=False, methods=["post"], url_path="sample-size", url_name="sample-size")
    def sample_size(self, request):
        plan = selectors.experiment_plan(**self.parse(s.SampleSizeInputSerializer))
        return Response(s.SampleSizePlanSerializer(plan).data)
