"""The design form of an experiment: new from the initiative page, and edits while it is a draft."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop

from common.web import site_view, submit
from improvement import policies
from improvement.forms import (
    MSG_CONTROL_ROW_EMPTY,
    ExperimentEditForm,
    ExperimentForm,
    VariantForm,
    variant_forms,
)
from improvement.models import Experiment, ExperimentStatus, Initiative, MetricType
from improvement.selectors.targets import target_primary_kpi
from improvement.services import experiments
from improvement.views.common import initiative_or_404
from improvement.views.experiments import experiment_or_404
from kpis.models import Unit

MSG_CREATED = gettext_noop("Experiment “{name}” created as a draft: check the design, then start it.")
MSG_DESIGN_SAVED = gettext_noop("Design saved.")
NEW_VARIANTS = [
    {"key": "control", "name": "Control", "weight": 1},
    {"key": "treatment", "name": "Treatment", "weight": 1},
]


def _design_form_rows(request, form_class, *, initial: dict, variants: list[dict]):
    form = form_class(request.POST or None, initial=initial)
    rows = variant_forms(request.POST or None, initial=variants)
    form.row_errors = []
    return form, rows


def _design_arguments(form: ExperimentForm, rows: list[VariantForm]) -> tuple[dict, list[VariantForm]] | None:
    """The service's keyword arguments from a valid form and its variant rows; blank rows skipped."""
    # Every row is validated (no short-circuit) so all their errors show at once.
    valid = [form.is_valid(), *(row.is_valid() for row in rows)]
    if not all(valid):
        return None
    control = form.cleaned_data["control"]
    used = [(index, row) for index, row in enumerate(rows) if not row.is_blank()]
    if control not in {index for index, _ in used}:
        form.add_error("control", gettext(MSG_CONTROL_ROW_EMPTY))
        return None
    fields = {name: value for name, value in form.cleaned_data.items() if name not in ("control", "version")}
    fields["variants"] = [
        {
            "key": row.cleaned_data["key"],
            "name": row.cleaned_data["name"],
            "weight": 1.0 if row.cleaned_data["weight"] is None else row.cleaned_data["weight"],
            "is_control": index == control,
        }
        for index, row in used
    ]
    return fields, [row for _, row in used]


def _save_design(form: ExperimentForm, used: list[VariantForm], service, **kwargs):
    """Call the design service; its errors land on the fields, the variant rows or the form."""
    _, experiment = submit(form, service, row_forms=("variants", used), **kwargs)
    return experiment


def _render_design(request, *, form, rows, initiative: Initiative, experiment: Experiment | None):
    context = {
        "form": form,
        "variant_rows": list(zip(rows, form["control"], strict=True)),
        "initiative": initiative,
        "experiment": experiment,
        "title": gettext("Edit design: {name}").format(name=experiment.name)
        if experiment
        else gettext("New experiment"),
    }
    return render(request, "improvement/experiment_form.html", context)


@site_view
def experiment_create_view(request, pk: int):
    initiative = initiative_or_404(request, pk)
    if not policies.can_edit(request.user, initiative):
        raise PermissionDenied(gettext(experiments.MSG_CANNOT_EDIT))
    kpi = target_primary_kpi(initiative=initiative)
    # A rate KPI (percent) is usually tested as a conversion; scores and times as means.
    metric = MetricType.PROPORTION if kpi is None or kpi.unit == Unit.PERCENT else MetricType.MEAN
    form, rows = _design_form_rows(
        request, ExperimentForm, initial={"primary_kpi": kpi, "metric_type": metric}, variants=NEW_VARIANTS
    )
    if request.method == "POST" and (arguments := _design_arguments(form, rows)):
        fields, used = arguments
        experiment = _save_design(
            form,
            used,
            experiments.experiment_create,
            actor=request.user,
            initiative=initiative,
            name=fields.pop("name"),
            primary_kpi=fields.pop("primary_kpi"),
            variants=fields.pop("variants"),
            **fields,
        )
        if experiment:
            messages.success(request, gettext(MSG_CREATED).format(name=experiment.name))
            return redirect("improvement:experiment_detail", pk=experiment.pk)
    return _render_design(request, form=form, rows=rows, initiative=initiative, experiment=None)


@site_view
def experiment_edit(request, pk: int):
    experiment = experiment_or_404(request, pk)
    if not policies.can_edit(request.user, experiment.initiative):
        raise PermissionDenied(gettext(experiments.MSG_CANNOT_EDIT))
    if request.method == "GET" and experiment.status != ExperimentStatus.DRAFT:
        messages.error(
            request,
            gettext(experiments.MSG_DESIGN_FROZEN).format(status=experiment.get_status_display().lower()),
        )
        return redirect("improvement:experiment_detail", pk=pk)
    variants = list(experiment.variants.all())
    form, rows = _design_form_rows(
        request,
        ExperimentEditForm,
        initial={
            **{
                name: getattr(experiment, name) for name in (*experiments.DESIGN_FIELDS, "name", "hypothesis")
            },
            "guardrail_kpis": list(experiment.guardrail_kpis.all()),
            "control": next((i for i, v in enumerate(variants) if v.is_control), 0),
            "version": experiment.version,
        },
        variants=[{"key": v.key, "name": v.name, "weight": f"{v.weight:g}"} for v in variants],
    )
    if request.method == "POST" and (arguments := _design_arguments(form, rows)):
        fields, used = arguments
        saved = _save_design(
            form,
            used,
            experiments.experiment_update,
            actor=request.user,
            experiment=experiment,
            expected_version=form.cleaned_data["version"],
            **fields,
        )
        if saved:
            messages.success(request, gettext(MSG_DESIGN_SAVED))
            return redirect("improvement:experiment_detail", pk=pk)
    return _render_design(
        request, form=form, rows=rows, initiative=experiment.initiative, experiment=experiment
    )
