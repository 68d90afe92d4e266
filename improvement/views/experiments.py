"""The experiment page (results, interval chart, SRM, planner, data entry) and its buttons."""

import math

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import act, add_service_errors, attempt, object_or_404, rows_onto_forms, site_view, submit
from improvement import experiment_chart, policies, selectors, verdicts
from improvement.forms import (
    ExperimentConcludeForm,
    ObservationsUploadForm,
    SampleSizeForm,
    VariantDataForm,
)
from improvement.forms.experiments import ENTRIES, ENTRY_MEAN_SD, ENTRY_SUMS
from improvement.models import Experiment, ExperimentStatus, MetricType, Variant
from improvement.selectors import experiment_get
from improvement.services import experiment_data, experiment_observations, experiments
from improvement.views import experiment_readout as readout
from improvement.views.share_panel import share_panel
from kpis.stats.aggregates import MeanAggregate
from kpis.stats.effects import sample_variance

MSG_NOT_FOUND = gettext_noop("No such experiment, or you cannot see it.")
MSG_STARTED = gettext_noop("The experiment is running.")
MSG_STOPPED = gettext_noop("The experiment is stopped.")
MSG_CONCLUDED = gettext_noop("The experiment is concluded: {decision}.")
MSG_DATA_SAVED = gettext_noop("Totals saved for {variants}.")
MSG_UPLOADED = gettext_noop("{observations} observations folded into the totals of {variants}.")
MSG_CONCLUDE_EARLY = gettext_noop(
    "Not enough data yet for {variants}: a decision now rests on too few users to detect the minimum "
    "detectable effect. Keep the experiment running, or conclude with Iterate."
)
PLANNER_FIELDS = ("metric_type", "baseline", "sd", "mde", "mde_type", "alpha", "power", "daily_users")


def experiment_or_404(request, pk: int) -> Experiment:
    return object_or_404(experiment_get, message=gettext(MSG_NOT_FOUND), user=request.user, pk=pk)


def _rounded(value: float | None) -> float | None:
    """Four significant digits: a planner input, not a float's full repr."""
    return None if value is None else float(f"{value:.4g}")


def _planner(request, experiment: Experiment, results: dict | None) -> tuple[SampleSizeForm, dict | None]:
    """The planner's form, pre-filled from the design and the control's data, and its plan if asked."""
    if "baseline" in request.GET:
        form = SampleSizeForm(request.GET)
        if form.is_valid():
            weights = [v.weight for v in experiment.variants.all()]
            ok, plan = submit(form, selectors.experiment_plan, weights=weights, **form.cleaned_data)
            return form, plan if ok else None
        return form, None
    control = results["variants"][0] if results else {}
    initial = {
        "metric_type": experiment.metric_type,
        "mde": experiment.mde,
        "mde_type": experiment.mde_type,
        "alpha": experiment.alpha,
        "power": experiment.power,
        "baseline": _rounded(control.get("mean")),
        "sd": _rounded(control.get("sd")) if experiment.metric_type == "mean" else None,
    }
    return SampleSizeForm(initial=initial), None


def _chart(experiment: Experiment, results: dict | None) -> dict | None:
    if not results:
        return None
    names = {v["key"]: v["name"] for v in results["variants"]}
    named = [{**c, "variant": names[c["variant"]]} for c in results["comparisons"]]
    return experiment_chart.experiment_interval_chart(comparisons=named, alpha=experiment.alpha)


def _may_push(user, experiment: Experiment) -> bool:
    return (
        experiment.archived_at is None
        and experiment.status in experiments.DATA_STATUSES
        and policies.can_push_experiment_data(user, experiment.initiative)
    )


def _readable(value: float) -> float:
    """A stored number without float noise in an input (6042.6, not 6042.599999999999)."""
    return float(f"{value:.12g}")


def _initial(totals: dict | None, *, metric: str, entry: str) -> dict | None:
    """What a variant's form shows now: its totals, or the mean and sd they give."""
    if totals is None:
        return None
    if metric == MetricType.MEAN and entry == ENTRY_MEAN_SD:
        users = totals["users"]
        if users < 2:
            return {"users": users}
        try:
            data = MeanAggregate(users, totals["sum"], totals["sum_squares"])
        except ValueError:
            # Totals stored before the bounds were enforced: the read-out warns about them.
            return {"users": users}
        sd = math.sqrt(sample_variance(data))
        return {"users": users, "mean": _readable(data.sum / users), "sd": _readable(sd)}
    return {name: _readable(value) if isinstance(value, float) else value for name, value in totals.items()}


def _data_forms(
    experiment: Experiment, data=None, *, entry: str = ENTRY_MEAN_SD
) -> list[tuple[Variant, VariantDataForm]]:
    """One data form per variant, pre-filled with what the variant holds now."""
    variants = list(experiment.variants.all())
    totals = {} if data is not None else selectors.variant_totals(variants=variants)
    metric = experiment.metric_type
    return [
        (
            variant,
            VariantDataForm(
                data,
                metric=metric,
                entry=entry,
                prefix=f"{'sums' if entry == ENTRY_SUMS else 'data'}-{index}",
                initial=_initial(totals.get(variant.pk), metric=metric, entry=entry),
            ),
        )
        for index, variant in enumerate(variants)
    ]


def _detail_context(
    request,
    experiment: Experiment,
    *,
    data_forms: list | None = None,
    sum_forms: list | None = None,
    data_errors: list[str] | None = None,
    upload_form: ObservationsUploadForm | None = None,
    guardrail_form=None,
    guardrail_data: list | None = None,
) -> dict:
    results = selectors.experiment_results(experiment=experiment)
    planner, plan = _planner(request, experiment, results)
    can_edit = policies.can_edit(request.user, experiment.initiative)
    live = experiment.archived_at is None
    can_push = _may_push(request.user, experiment)
    found = readout.verdict_items(experiment, results)
    early = [item["verdict"].name for item in found if item["verdict"].kind == verdicts.MORE_DATA]
    return {
        "experiment": experiment,
        "initiative": experiment.initiative,
        "results": results,
        "rows": readout.result_rows(results, unit=experiment.primary_kpi.unit),
        "verdicts": found,
        "not_enough_data": gettext(MSG_CONCLUDE_EARLY).format(variants=", ".join(early)) if early else "",
        "chart": _chart(experiment, results),
        "confidence": f"{100 * (1 - experiment.alpha):g}",
        "planner": planner,
        "plan": plan,
        "can_start": can_edit and live and experiment.status == ExperimentStatus.DRAFT,
        "can_stop": can_edit and live and experiment.status == ExperimentStatus.RUNNING,
        "can_edit_design": can_edit and live and experiment.status == ExperimentStatus.DRAFT,
        "conclude_form": ExperimentConcludeForm(initial={"version": experiment.version})
        if can_edit and live and experiment.status in experiments.DATA_STATUSES
        else None,
        "data_forms": (data_forms or _data_forms(experiment)) if can_push else None,
        # A mean can also be entered as sums, by those who have them.
        "sum_forms": (sum_forms or _data_forms(experiment, entry=ENTRY_SUMS))
        if can_push and experiment.metric_type == MetricType.MEAN
        else None,
        "sums_open": sum_forms is not None,
        "data_errors": data_errors or [],
        "upload_form": (upload_form or ObservationsUploadForm()) if can_push else None,
        "decision": readout.decision_item(results),
        "guardrail_rows": readout.guardrail_rows(results),
        "guardrail_data": (guardrail_data or readout.guardrail_data_forms(experiment, results))
        if can_push and experiment.status in experiments.DATA_STATUSES
        else [],
        "guardrail_forms": readout.guardrail_forms(experiment, results, guardrail_form)
        if can_edit and live and experiment.status != ExperimentStatus.CONCLUDED
        else [],
        **share_panel(request.user, experiment=experiment),
    }


@site_view
def experiment_detail(request, pk: int):
    experiment = experiment_or_404(request, pk)
    return render(request, "improvement/experiment_detail.html", _detail_context(request, experiment))


def _check_can_push(request, experiment: Experiment) -> None:
    if not policies.can_push_experiment_data(request.user, experiment.initiative):
        raise PermissionDenied(gettext(experiment_data.MSG_CANNOT_PUSH))


def _results_url(pk: int) -> str:
    return reverse("improvement:experiment_detail", args=[pk]) + "#results"


@require_POST
@site_view
def experiment_data_view(request, pk: int):
    """Per-variant data typed in on the page (totals, or users, mean and sd) replace what each holds."""
    experiment = experiment_or_404(request, pk)
    _check_can_push(request, experiment)
    entry = request.POST.get("entry")
    entry = entry if entry in ENTRIES else ENTRY_MEAN_SD
    pairs = _data_forms(experiment, request.POST, entry=entry)
    forms = [form for _, form in pairs]
    problems: list[str] = []
    valid = [form.is_valid() for form in forms]
    if all(valid):
        rows = [{"variant": variant.key, **form.cleaned_data} for variant, form in pairs]
        outcome = attempt(
            experiment_data.experiment_data_replace, actor=request.user, experiment=experiment, rows=rows
        )
        if outcome.refused is not None:
            # The experiment is no longer taking data (concluded meanwhile): the form is gone too.
            messages.error(request, outcome.refused.message)
            return redirect("improvement:experiment_detail", pk=pk)
        if outcome.ok:
            messages.success(
                request, gettext(MSG_DATA_SAVED).format(variants=", ".join(outcome.result.variants))
            )
            return redirect(_results_url(pk))
        rest, problems = rows_onto_forms(outcome.invalid, "rows", forms)
        problems += [message for error_list in rest.values() for e in error_list for message in e.messages]
    bound = {"sum_forms": pairs} if entry == ENTRY_SUMS else {"data_forms": pairs}
    context = _detail_context(request, experiment, data_errors=problems, **bound)
    return render(request, "improvement/experiment_detail.html", context)


@require_POST
@site_view
def experiment_upload_view(request, pk: int):
    """A CSV of raw ``variant,value`` observations, folded into per-variant totals."""
    experiment = experiment_or_404(request, pk)
    _check_can_push(request, experiment)
    form = ObservationsUploadForm(request.POST, request.FILES)
    if form.is_valid():
        outcome = attempt(
            experiment_observations.experiment_observations_ingest,
            actor=request.user,
            experiment=experiment,
            csv=form.cleaned_data["observations"],
            mode=form.cleaned_data["mode"],
        )
        if outcome.refused is not None:
            messages.error(request, outcome.refused.message)
            return redirect("improvement:experiment_detail", pk=pk)
        if outcome.ok:
            result = outcome.result
            messages.success(
                request,
                gettext(MSG_UPLOADED).format(
                    observations=result.observations, variants=", ".join(result.variants)
                ),
            )
            return redirect(_results_url(pk))
        add_service_errors(form, outcome.invalid)
    context = _detail_context(request, experiment, upload_form=form)
    return render(request, "improvement/experiment_detail.html", context)


def _version(request) -> int | None:
    version = request.POST.get("version", "")
    return int(version) if version.isdigit() else None


@require_POST
@site_view
def experiment_start_view(request, pk: int):
    experiment = experiment_or_404(request, pk)
    act(
        request,
        experiments.experiment_start,
        success=gettext(MSG_STARTED),
        actor=request.user,
        experiment=experiment,
        expected_version=_version(request),
    )
    return redirect("improvement:experiment_detail", pk=pk)


@require_POST
@site_view
def experiment_stop_view(request, pk: int):
    experiment = experiment_or_404(request, pk)
    act(
        request,
        experiments.experiment_stop,
        success=gettext(MSG_STOPPED),
        actor=request.user,
        experiment=experiment,
        expected_version=_version(request),
    )
    return redirect("improvement:experiment_detail", pk=pk)


@require_POST
@site_view
def experiment_conclude_view(request, pk: int):
    experiment = experiment_or_404(request, pk)
    form = ExperimentConcludeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        decision = dict(form.fields["decision"].choices)[data["decision"]]
        act(
            request,
            experiments.experiment_conclude,
            success=gettext(MSG_CONCLUDED).format(decision=decision.lower()),
            actor=request.user,
            experiment=experiment,
            decision=data["decision"],
            note=data["note"],
            expected_version=data["version"],
        )
    else:
        messages.error(request, gettext(experiments.MSG_DECISION_REQUIRED))
    return redirect(reverse("improvement:experiment_detail", args=[pk]))
