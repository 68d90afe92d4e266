"""KPI targets, measurements and the Check evaluation of a target."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import act, site_view, submit
from improvement import policies
from improvement.forms import KpiTargetForm, MeasurementForm
from improvement.models import KpiTarget
from improvement.selectors.targets import target_list
from improvement.services.targets import MSG_CANNOT_EDIT, kpi_target_create, kpi_target_evaluate
from improvement.views.common import initiative_or_404
from kpis.catalogue import display_name
from kpis.services import MSG_CANNOT_WRITE, measurement_can_write, measurement_record

MSG_TARGET_ADDED = gettext_noop("Target for {kpi} added.")
MSG_MEASUREMENT_SAVED = gettext_noop("Measurement saved ({outcome}).")
MSG_EVALUATED = gettext_noop("{kpi}: {evaluation}.")
MSG_NO_TARGETS = gettext_noop(
    "Add a KPI target first: measurements are recorded for the initiative's target KPIs."
)


def _detail(pk: int, anchor: str = "kpis") -> str:
    return reverse("improvement:initiative_detail", args=[pk]) + f"#{anchor}"


@site_view
def target_create(request, pk: int):
    initiative = initiative_or_404(request, pk)
    if not policies.can_edit(request.user, initiative):
        raise PermissionDenied(gettext(MSG_CANNOT_EDIT))
    form = KpiTargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        fields["segment"] = fields["segment"].strip()
        ok, target = submit(
            form,
            kpi_target_create,
            actor=request.user,
            initiative=initiative,
            kpi=fields.pop("kpi"),
            baseline_value=fields.pop("baseline_value"),
            target_value=fields.pop("target_value"),
            **fields,
        )
        if ok:
            messages.success(request, gettext(MSG_TARGET_ADDED).format(kpi=display_name(target.kpi.name)))
            return redirect(_detail(pk))
    return render(request, "improvement/target_form.html", {"form": form, "initiative": initiative})


@site_view
def measurement_create(request, pk: int):
    initiative = initiative_or_404(request, pk)
    if not measurement_can_write(actor=request.user):
        raise PermissionDenied(gettext(MSG_CANNOT_WRITE))
    targets = list(target_list(initiative_ids=[initiative.pk]))
    if not targets:
        messages.info(request, gettext(MSG_NO_TARGETS))
        return redirect(_detail(pk))
    form = MeasurementForm(
        request.POST or None,
        targets=targets,
        cycle_started_on=initiative.cycle_started_on,
        initial={"target": request.GET.get("target")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = data["target"]
        ok, result = submit(
            form,
            measurement_record,
            actor=request.user,
            kpi=target.kpi,
            segment=target.segment,
            period=data["period"],
            value=data["value"],
            sample_size=data["sample_size"],
            numerator=data["numerator"],
            note=data["note"],
            assignable_cause=data["assignable_cause"],
        )
        if ok:
            outcome = ", ".join(f"{count} {name}" for name, count in result.as_dict().items() if count)
            messages.success(request, gettext(MSG_MEASUREMENT_SAVED).format(outcome=outcome))
            return redirect(_detail(pk))
    return render(request, "improvement/measurement_form.html", {"form": form, "initiative": initiative})


@require_POST
@site_view
def target_evaluate(request, pk: int, target_pk: int):
    initiative = initiative_or_404(request, pk)
    target = get_object_or_404(
        KpiTarget.objects.active().select_related("kpi"), pk=target_pk, initiative=initiative
    )
    target.initiative = initiative
    ok, evaluated = act(request, kpi_target_evaluate, actor=request.user, target=target)
    if ok:
        messages.success(
            request,
            gettext(MSG_EVALUATED).format(
                kpi=display_name(evaluated.kpi.name), evaluation=evaluated.get_evaluation_display()
            ),
        )
    return redirect(_detail(pk))
