"""The experiment page's guardrail settings: one form per guardrail KPI (metric type, tolerance)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import attempt, rows_onto_forms, site_view, submit
from improvement import selectors
from improvement.forms.guardrails import GuardrailForm
from improvement.services import experiment_guardrails
from improvement.views import experiment_readout as readout
from improvement.views.experiments import _check_can_push, _detail_context, experiment_or_404
from kpis.catalogue import display_name

MSG_GUARDRAIL_SAVED = gettext_noop("Saved the data of guardrail {kpi}.")


@require_POST
@site_view
def experiment_guardrail_view(request, pk: int):
    experiment = experiment_or_404(request, pk)
    form = GuardrailForm(request.POST)
    if form.is_valid():
        kpi = experiment.guardrail_kpis.filter(code=form.cleaned_data["kpi"]).first()
        if kpi is not None:
            ok, _ = submit(
                form,
                experiment_guardrails.experiment_guardrail_set,
                actor=request.user,
                experiment=experiment,
                kpi=kpi,
                metric_type=form.cleaned_data["metric_type"],
                tolerance=form.cleaned_data["tolerance"],
            )
            if ok:
                return redirect(reverse("improvement:experiment_detail", args=[pk]) + "#decision")
        else:
            form.add_error(
                None, gettext(experiment_guardrails.MSG_NOT_A_GUARDRAIL).format(kpi=form.cleaned_data["kpi"])
            )
    context = _detail_context(request, experiment, guardrail_form=form)
    return render(request, "improvement/experiment_detail.html", context, status=400)


@require_POST
@site_view
def experiment_guardrail_data_view(request, pk: int):
    """One guardrail's per-variant data typed in on the page; refusals land on the fields."""
    experiment = experiment_or_404(request, pk)
    _check_can_push(request, experiment)
    code = request.POST.get("kpi", "")
    kpi = experiment.guardrail_kpis.filter(code=code).first()
    if kpi is None:
        messages.error(request, gettext(experiment_guardrails.MSG_NOT_A_GUARDRAIL).format(kpi=code))
        return redirect(reverse("improvement:experiment_detail", args=[pk]) + "#decision")
    results = selectors.experiment_results(experiment=experiment)
    sections = readout.guardrail_data_forms(experiment, results, request.POST, kpi=code)
    section = next(s for s in sections if s["guardrail"]["kpi"] == code)
    forms = [form for _, form in section["forms"]]
    # Every form validated (not all() short-circuiting), so each shows its own errors.
    valid = [form.is_valid() for form in forms]
    if all(valid):
        rows = [{"variant": variant.key, **form.cleaned_data} for variant, form in section["forms"]]
        outcome = attempt(
            experiment_guardrails.experiment_guardrail_data_replace,
            actor=request.user,
            experiment=experiment,
            kpi=kpi,
            rows=rows,
        )
        if outcome.refused is not None:
            messages.error(request, outcome.refused.message)
            return redirect("improvement:experiment_detail", pk=pk)
        if outcome.ok:
            messages.success(request, gettext(MSG_GUARDRAIL_SAVED).format(kpi=display_name(kpi.name)))
            return redirect(reverse("improvement:experiment_detail", args=[pk]) + "#decision")
        rest, section["errors"] = rows_onto_forms(outcome.invalid, "rows", forms)
        section["errors"] += [m for error_list in rest.values() for e in error_list for m in e.messages]
    context = _detail_context(request, experiment, guardrail_data=sections)
    return render(request, "improvement/experiment_detail.html", context, status=400)
