"""Survey answers per KPI and period (kept as counts per score), the scores they give with their
confidence intervals, and two periods compared. Writes and reads of one area, as the rest of
``kpis`` splits them: ``survey_answers_record`` is the service, the others are selectors."""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import User
from common.errors import NotFound, PermissionDenied
from kpis import survey
from kpis.models import Kpi, SurveyAnswers
from kpis.services import MSG_CANNOT_WRITE, measurement_can_write, measurement_upsert_many

# The survey KPIs of the catalogue, by code, and the score each is computed as.
SURVEY_KPIS = {"nps": survey.NPS, "csat": survey.CSAT, "ces": survey.CES}
SURVEY_SOURCE = "survey"
MSG_NOT_SURVEY_KPI = gettext_noop("Survey answers are taken for NPS, CSAT and CES only ({codes}).")
MSG_NO_ANSWERS = gettext_noop("No survey answers for {kpi} in {period}.")
MSG_ONE_OF = gettext_noop("Send either scores (one per answer) or counts per score, not both.")
CSV_FILE_FIELD = "file"
CSV_SCORE_COLUMN = "score"
MAX_CSV_BYTES = 10 * 1024 * 1024
MSG_CSV_COLUMN_TEMPLATE = gettext_noop("The CSV needs a `{column}` column, one answer per row.")
MSG_CSV_COLUMN = MSG_CSV_COLUMN_TEMPLATE.format(column=CSV_SCORE_COLUMN)
MSG_CSV_SCORE = gettext_noop("Row {row}: the score {value!r} is not a whole number.")
MSG_CSV_SIZE_TEMPLATE = gettext_noop("The CSV may hold at most {limit} MB.")
MSG_CSV_SIZE = MSG_CSV_SIZE_TEMPLATE.format(limit=MAX_CSV_BYTES // (1024 * 1024))
MSG_CSV_ENCODING = gettext_noop("The CSV must be UTF-8 text.")
# kpis.survey is pure (no Django): its messages are marked for the catalogue here, where the
# answers are checked, and translated from the error's template and values.
SURVEY_MESSAGES = (
    gettext_noop("No survey answers: the score is undefined, not zero."),
    gettext_noop("Score {score} is outside the {name} scale {low}–{high}."),
    gettext_noop("Count for score {score} must be a non-negative whole number."),
)


def _survey_message(error: ValueError) -> str:
    if isinstance(error, survey.SurveyInputError):
        return _(error.template).format(**error.params)
    return str(error)


def survey_csv_scores(upload) -> list[int]:
    """The scores of an uploaded CSV's ``score`` column (a ValidationError on ``file`` if unreadable)."""
    if upload.size > MAX_CSV_BYTES:
        raise ValidationError(
            {CSV_FILE_FIELD: _(MSG_CSV_SIZE_TEMPLATE).format(limit=MAX_CSV_BYTES // (1024 * 1024))}
        )
    try:
        text = io.StringIO(upload.read().decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ValidationError({CSV_FILE_FIELD: _(MSG_CSV_ENCODING)}) from error
    reader = csv.DictReader(text)
    if CSV_SCORE_COLUMN not in (reader.fieldnames or []):
        raise ValidationError({CSV_FILE_FIELD: _(MSG_CSV_COLUMN_TEMPLATE).format(column=CSV_SCORE_COLUMN)})
    scores = []
    for number, row in enumerate(reader, start=2):
        value = (row.get(CSV_SCORE_COLUMN) or "").strip()
        if not value.lstrip("-").isdigit():
            raise ValidationError({CSV_FILE_FIELD: _(MSG_CSV_SCORE).format(row=number, value=value)})
        scores.append(int(value))
    return scores


def survey_kind(kpi: Kpi) -> str:
    kind = SURVEY_KPIS.get(kpi.code)
    if kind is None:
        raise ValidationError({"kpi": _(MSG_NOT_SURVEY_KPI).format(codes=", ".join(SURVEY_KPIS))})
    return kind


@transaction.atomic
def survey_answers_record(
    *,
    actor: User,
    kpi: Kpi,
    period: dt.date,
    segment: str = "",
    scores: Iterable[int] | None = None,
    counts: Mapping[int, int] | None = None,
) -> tuple[SurveyAnswers, survey.SurveyScore]:
    """Store a period's answers (replacing any sent before) and its score as the KPI's measurement
    for the period (source ``survey``, sample size = answers; for CSAT the satisfied as numerator),
    together or not at all."""
    if not measurement_can_write(actor=actor):
        raise PermissionDenied(_(MSG_CANNOT_WRITE))
    kind = survey_kind(kpi)
    if (scores is None) == (counts is None):
        raise ValidationError({"scores": _(MSG_ONE_OF)})
    try:
        checked = survey.counts_of(kind, list(scores) if scores is not None else counts)
    except ValueError as error:
        message = _survey_message(error)
        raise ValidationError({"scores" if scores is not None else "counts": message}) from error
    score = survey.survey_score(kind, checked)
    satisfied = sum(c for s, c in checked.items() if s >= survey.CSAT_SATISFIED_MIN)
    measurement_upsert_many(
        actor=actor,
        rows=[
            {
                "kpi": kpi,
                "period": period,
                "segment": segment,
                "value": score.score,
                "sample_size": score.n,
                "numerator": satisfied if kind == survey.CSAT else None,
                "source": SURVEY_SOURCE,
            }
        ],
    )
    answers, _created = SurveyAnswers.objects.update_or_create(
        kpi=kpi,
        segment=segment,
        period=period,
        defaults={"counts": {str(s): c for s, c in checked.items()}, "recorded_by": actor},
    )
    return answers, score


def _counts(answers: SurveyAnswers) -> dict[int, int]:
    return {int(score): count for score, count in answers.counts.items()}


def survey_scores(
    *, kpi: Kpi, segment: str = "", start: dt.date | None = None, end: dt.date | None = None
) -> list[tuple[SurveyAnswers, survey.SurveyScore]]:
    """Each period's answers and score with its interval, oldest first."""
    kind = survey_kind(kpi)
    qs = SurveyAnswers.objects.filter(kpi=kpi, segment=segment).order_by("period")
    if start is not None:
        qs = qs.filter(period__gte=start)
    if end is not None:
        qs = qs.filter(period__lte=end)
    return [(answers, survey.survey_score(kind, _counts(answers))) for answers in qs]


def survey_periods_compare(*, kpi: Kpi, a: dt.date, b: dt.date, segment: str = "") -> survey.SurveyComparison:
    """Period ``b`` against period ``a`` (b − a), both with stored answers (else NotFound)."""
    kind = survey_kind(kpi)
    found = {
        answers.period: _counts(answers)
        for answers in SurveyAnswers.objects.filter(kpi=kpi, segment=segment, period__in=[a, b])
    }
    for period in (a, b):
        if period not in found:
            raise NotFound(_(MSG_NO_ANSWERS).format(kpi=kpi.code, period=period.isoformat()))
    return survey.survey_compare(kind, found[a], found[b])
