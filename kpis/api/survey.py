"""``/api/v1/kpis/{code}/survey-answers/`` (POST), ``survey-scores/`` and ``survey-compare/`` (GET):
NPS, CSAT and CES from raw survey answers, with confidence intervals (formulas: /help/statistics/)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from accounts.models import Scope
from common.api.parsers import ApiJSONParser
from common.api.viewsets import ApiViewSet
from kpis import selectors
from kpis.models import Kpi
from kpis.survey_answers import (
    CSV_FILE_FIELD,
    CSV_SCORE_COLUMN,
    survey_answers_record,
    survey_csv_scores,
    survey_periods_compare,
    survey_scores,
)

MAX_SCORES = 1_000_000


class SurveyAnswersInputSerializer(serializers.Serializer):
    period = serializers.DateField()
    segment = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    scores = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=MAX_SCORES,
        help_text="One score per answer (NPS 0–10, CSAT 1–5, CES 1–7).",
    )
    counts = serializers.DictField(
        child=serializers.IntegerField(min_value=0),
        required=False,
        help_text='How many gave each score, e.g. {"9": 40, "10": 25, "6": 7}.',
    )


class SurveyScoreValuesSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True, help_text="nps, csat or ces.")
    n = serializers.IntegerField(read_only=True, help_text="Answers.")
    score = serializers.FloatField(read_only=True)
    ci_low = serializers.FloatField(read_only=True, allow_null=True, help_text="95 % confidence interval.")
    ci_high = serializers.FloatField(read_only=True, allow_null=True)
    std_error = serializers.FloatField(read_only=True, allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


class SurveyScoreSerializer(SurveyScoreValuesSerializer):
    period = serializers.DateField(read_only=True)
    segment = serializers.CharField(read_only=True)
    counts = serializers.DictField(
        child=serializers.IntegerField(), read_only=True, help_text="Answers per score."
    )


class SurveyScoresQuerySerializer(serializers.Serializer):
    segment = serializers.CharField(required=False, allow_blank=True, default="")
    period_after = serializers.DateField(required=False)
    period_before = serializers.DateField(required=False)


class SurveyCompareQuerySerializer(serializers.Serializer):
    a = serializers.DateField(help_text="The earlier (reference) period.")
    b = serializers.DateField(help_text="The period compared with it (difference = b − a).")
    segment = serializers.CharField(required=False, allow_blank=True, default="")


class SurveyComparisonSerializer(serializers.Serializer):
    kind = serializers.CharField(read_only=True)
    a = SurveyScoreValuesSerializer(read_only=True)
    b = SurveyScoreValuesSerializer(read_only=True)
    difference = serializers.FloatField(read_only=True, help_text="b − a")
    ci_low = serializers.FloatField(read_only=True, allow_null=True)
    ci_high = serializers.FloatField(read_only=True, allow_null=True)
    p_value = serializers.FloatField(read_only=True, allow_null=True, help_text="Two-sided.")
    method = serializers.CharField(read_only=True, help_text="nps_z, two_proportion_z or welch_t.")
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)


def score_data(answers, score) -> dict:
    return {
        "period": answers.period.isoformat(),
        "segment": answers.segment,
        **score.as_dict(),
        "counts": answers.counts,
    }


class KpiSurveyViewSet(ApiViewSet):
    """Shares the ``kpis/`` prefix with the catalogue; addresses a KPI by its code."""

    model = Kpi
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    pagination_class = None
    filter_backends: list = []
    action_scopes = {"survey_answers": Scope.MEASUREMENTS_WRITE}

    def select(self, *, user, include_archived):
        return selectors.kpi_list(include_archived=True)

    @extend_schema(
        request=SurveyAnswersInputSerializer,
        responses={201: SurveyScoreSerializer},
        description="A period's survey answers for NPS, CSAT or CES: JSON `scores` (one per answer) or "
        f"`counts` per score, or a CSV upload (multipart field `{CSV_FILE_FIELD}`, a `{CSV_SCORE_COLUMN}` "
        "column, with `period` and `segment` as form fields). Replaces the period's answers sent before, "
        "and records the score as the KPI's measurement (source `survey`, sample size = answers).",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="survey-answers",
        url_name="survey-answers",
        parser_classes=[ApiJSONParser, MultiPartParser],
    )
    def survey_answers(self, request, code=None):
        kpi = self.get_object()
        data = self.parse(SurveyAnswersInputSerializer)
        if CSV_FILE_FIELD in request.FILES:
            data["scores"] = survey_csv_scores(request.FILES[CSV_FILE_FIELD])
        if "counts" in data:
            data["counts"] = {_score_key(key): count for key, count in data["counts"].items()}
        answers, score = survey_answers_record(actor=request.user, kpi=kpi, **data)
        return Response(score_data(answers, score), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[SurveyScoresQuerySerializer],
        responses={200: SurveyScoreSerializer(many=True)},
        description="Each period's score from its answers, with its 95 % confidence interval: NPS as a "
        "difference of two shares of one sample, CSAT as a share (Wilson), CES as a mean (t).",
    )
    @action(detail=True, methods=["get"], url_path="survey-scores", url_name="survey-scores")
    def survey_scores(self, request, code=None):
        kpi = self.get_object()
        query = SurveyScoresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        found = survey_scores(
            kpi=kpi,
            segment=params["segment"],
            start=params.get("period_after"),
            end=params.get("period_before"),
        )
        return Response([score_data(answers, score) for answers, score in found])

    @extend_schema(
        parameters=[SurveyCompareQuerySerializer],
        responses={200: SurveyComparisonSerializer},
        description="Period `b` against period `a`: the difference b − a, its 95 % confidence interval "
        "and the two-sided p-value (NPS: z-test of the difference; CSAT: two-proportion z-test; CES: "
        "Welch's t-test). 404 when either period has no answers.",
    )
    @action(detail=True, methods=["get"], url_path="survey-compare", url_name="survey-compare")
    def survey_compare(self, request, code=None):
        kpi = self.get_object()
        query = SurveyCompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        result = survey_periods_compare(kpi=kpi, **query.validated_data)
        return Response(result.as_dict())


def _score_key(key: str) -> int | str:
    """A counts key as the score it names; anything else is left for the scale check to refuse."""
    return int(key) if key.lstrip("-").isdigit() else key
