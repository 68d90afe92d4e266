"""The KPI page: its control chart (XmR, p, u or Laney P′, limits per phase), its phase breaks,
and for NPS, CSAT and CES the survey scores with their intervals and an upload of answers."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import site_view, submit
from improvement.forms.kpis import PhaseBreakForm, SurveyUploadForm
from improvement.kpi_charts import CHART_NAMES, control_chart_figure, phase_rows
from improvement.selectors.ideas import RECENT_ALERTS, idea_open_drafts_for_alerts, kpi_alert_list
from kpis.control_chart import kpi_control_chart
from kpis.models import ChartType, Kpi
from kpis.phases import phase_break_can_mark, phase_break_create, phase_break_list
from kpis.services import measurement_can_write
from kpis.stats_text import chart_reason_display
from kpis.survey_answers import (
    SURVEY_KPIS,
    survey_answers_record,
    survey_csv_scores,
    survey_periods_compare,
    survey_scores,
)

MSG_PHASE_ADDED = gettext_noop("Phase “{label}” starts on {day}.")
MSG_SURVEY_SAVED = gettext_noop("{n} answers for {day}: {score:.1f}.")
MSG_NO_CHART = gettext_noop("No chart yet: {reason}")


def _kpi(code: str) -> Kpi:
    return get_object_or_404(Kpi, code=code)


def _page(request, kpi: Kpi, *, phase_form=None, survey_form=None, status: int = 200):
    segment = request.GET.get("segment", "")
    chart_type = request.GET.get("chart")
    if chart_type not in ChartType.values:
        chart_type = None
    spec = result = None
    problem = ""
    try:
        result = kpi_control_chart(code=kpi.code, segment=segment, chart=chart_type)
        spec = control_chart_figure(result, unit_label=kpi.get_unit_display())
    except ValidationError as error:
        problem = gettext(MSG_NO_CHART).format(reason=" ".join(error.messages))
    is_survey = kpi.code in SURVEY_KPIS
    scores = survey_scores(kpi=kpi, segment=segment)[-24:] if is_survey else []
    comparison = _comparison(request, kpi, segment, scores) if len(scores) >= 2 else None
    context = {
        "kpi": kpi,
        "segment": segment,
        "result": result,
        "chart_name": CHART_NAMES.get(result.kind, "") if result else "",
        "chart_why": chart_reason_display(result.why) if result else "",
        "spec": spec,
        "problem": problem,
        "phases": phase_rows(result) if result else [],
        "chart_choices": ChartType.choices,
        "chart_type": chart_type or kpi.chart_type,
        "breaks": phase_break_list(kpi=kpi, segment=segment),
        "can_mark": phase_break_can_mark(actor=request.user),
        "phase_form": phase_form or PhaseBreakForm(initial={"segment": segment}),
        "is_survey": is_survey,
        "scores": scores,
        "comparison": comparison,
        "can_upload": is_survey and measurement_can_write(actor=request.user),
        "survey_form": survey_form or SurveyUploadForm(initial={"segment": segment}),
        **_alerts(request, kpi, segment),
    }
    return render(request, "improvement/kpi_detail.html", context, status=status)


def _alerts(request, kpi: Kpi, segment: str) -> dict:
    """The segment's recent alerts, each with "Start an improvement" (or the user's open draft)."""
    alerts = list(kpi_alert_list(kpi=kpi, segment=segment)[:RECENT_ALERTS])
    drafts = idea_open_drafts_for_alerts(user=request.user, alert_ids=[a.pk for a in alerts])
    return {"alerts": [(alert, drafts.get(alert.pk)) for alert in alerts]}


def _comparison(request, kpi: Kpi, segment: str, scores):
    """Two periods of the page's list compared: ``?a=&b=`` (default: the last two)."""
    periods = {answers.period.isoformat(): answers.period for answers, _ in scores}
    a = periods.get(request.GET.get("a", ""), scores[-2][0].period)
    b = periods.get(request.GET.get("b", ""), scores[-1][0].period)
    return {"a": a, "b": b, "result": survey_periods_compare(kpi=kpi, a=a, b=b, segment=segment)}


@site_view
def kpi_detail(request, code: str):
    return _page(request, _kpi(code))


@require_POST
@site_view
def kpi_phase_break_add(request, code: str):
    kpi = _kpi(code)
    form = PhaseBreakForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        data["segment"] = data["segment"].strip()
        ok, made = submit(form, phase_break_create, actor=request.user, kpi=kpi, **data)
        if ok:
            messages.success(
                request, gettext(MSG_PHASE_ADDED).format(label=made.label, day=made.starts.isoformat())
            )
            return redirect(reverse("improvement:kpi_detail", args=[kpi.code]) + "#phases")
    return _page(request, kpi, phase_form=form, status=400)


@require_POST
@site_view
def kpi_survey_upload(request, code: str):
    kpi = _kpi(code)
    form = SurveyUploadForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        ok, scores = submit(form, survey_csv_scores, upload=data["file"])
        if ok:
            ok, recorded = submit(
                form,
                survey_answers_record,
                actor=request.user,
                kpi=kpi,
                period=data["period"],
                segment=data["segment"].strip(),
                scores=scores,
            )
        if ok:
            score, day = recorded[1], data["period"].isoformat()
            messages.success(request, gettext(MSG_SURVEY_SAVED).format(n=score.n, day=day, score=score.score))
            return redirect(reverse("improvement:kpi_detail", args=[kpi.code]) + "#survey")
    return _page(request, kpi, survey_form=form, status=400)
