"""The experiment page's guardrail settings: one form per guardrail KPI (metric type, tolerance)."""

from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from common.web import site_view, submit
from improvement.forms.guardrails import GuardrailForm
from improvement.services import experiment_guardrails
from improvement.views.experiments import _detail_context, experiment_or_404


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
                None, experiment_guardrails.MSG_NOT_A_GUARDRAIL.format(kpi=form.cleaned_data["kpi"])
            )
    context = _detail_context(request, experiment, guardrail_form=form)
    return render(request, "improvement/experiment_detail.html", context, status=400)
