"""The experiment page (results, interval chart, SRM, planner) and its status buttons."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from improvement import charts, policies, selectors
from improvement.forms import ExperimentConcludeForm, SampleSizeForm
from improvement.models import Experiment, ExperimentStatus
from improvement.selectors import experiment_get
from improvement.services import experiments
from improvement.views.common import act, site_view, submit

MSG_NOT_FOUND = "No such experiment, or you cannot see it."
MSG_STARTED = "The experiment is running."
MSG_STOPPED = "The experiment is stopped."
MSG_CONCLUDED = "The experiment is concluded: {decision}."
PLANNER_FIELDS = ("metric_type", "baseline", "sd", "mde", "mde_type", "alpha", "power", "daily_users")


def _experiment_or_404(request, pk: int) -> Experiment:
    try:
        return experiment_get(user=request.user, pk=pk)
    except Experiment.DoesNotExist as exc:
        raise Http404(MSG_NOT_FOUND) from exc


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
        "baseline": control.get("mean"),
        "sd": control.get("sd") if experiment.metric_type == "mean" else None,
    }
    return SampleSizeForm(initial=initial), None


def _pct(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{100 * value:+.{digits}f} %"


def _interval(bounds: list[float] | None, *, percent: bool) -> str:
    if bounds is None:
        return "—"
    low, high = bounds
    return f"[{_pct(low)}, {_pct(high)}]" if percent else f"[{low:+.4g}, {high:+.4g}]"


def _rows(results: dict | None) -> list[dict]:
    """One row per variant for the results table, numbers formatted for reading."""
    if not results:
        return []
    proportion = results["metric"] == "proportion"
    treatments = {c["variant"]: c for c in results["comparisons"]}
    rows = []
    for summary in results["variants"]:
        comparison = treatments.get(summary["key"])
        mean = summary["mean"]
        row = {
            "summary": summary,
            "mean": "—" if mean is None else f"{100 * mean:.2f} %" if proportion else f"{mean:.4g}",
            "sd": "—" if summary["sd"] is None else f"{summary['sd']:.4g}",
            "comparison": comparison,
        }
        if comparison:
            absolute = comparison["absolute_effect"]
            risk = comparison["risk"]
            row.update(
                absolute="—" if absolute is None else _pct(absolute, 2) if proportion else f"{absolute:+.4g}",
                absolute_ci=_interval(comparison["absolute_ci"], percent=proportion),
                relative=_pct(comparison["relative_effect"]),
                relative_ci=_interval(comparison["relative_ci"], percent=True),
                chance=_pct(comparison["chance_to_beat_control"]).lstrip("+"),
                risk="—"
                if risk is None
                else f"{100 * risk['control']:.2f} % / {100 * risk['treatment']:.2f} %",
                power="—"
                if comparison["power_at_mde"] is None
                else f"{100 * comparison['power_at_mde']:.0f} %",
            )
        rows.append(row)
    return rows


def _chart(experiment: Experiment, results: dict | None) -> dict | None:
    if not results:
        return None
    names = {v["key"]: v["name"] for v in results["variants"]}
    named = [{**c, "variant": names[c["variant"]]} for c in results["comparisons"]]
    return charts.experiment_interval_chart(comparisons=named, alpha=experiment.alpha)


@site_view
def experiment_detail(request, pk: int):
    experiment = _experiment_or_404(request, pk)
    results = selectors.experiment_results(experiment=experiment)
    planner, plan = _planner(request, experiment, results)
    can_edit = policies.can_edit(request.user, experiment.initiative)
    live = experiment.archived_at is None
    context = {
        "experiment": experiment,
        "initiative": experiment.initiative,
        "results": results,
        "rows": _rows(results),
        "chart": _chart(experiment, results),
        "confidence": f"{100 * (1 - experiment.alpha):g}",
        "planner": planner,
        "plan": plan,
        "can_start": can_edit and live and experiment.status == ExperimentStatus.DRAFT,
        "can_stop": can_edit and live and experiment.status == ExperimentStatus.RUNNING,
        "conclude_form": ExperimentConcludeForm(initial={"version": experiment.version})
        if can_edit and live and experiment.status in experiments.DATA_STATUSES
        else None,
    }
    return render(request, "improvement/experiment_detail.html", context)


def _version(request) -> int | None:
    version = request.POST.get("version", "")
    return int(version) if version.isdigit() else None


@require_POST
@site_view
def experiment_start_view(request, pk: int):
    experiment = _experiment_or_404(request, pk)
    act(
        request,
        experiments.experiment_start,
        success=MSG_STARTED,
        actor=request.user,
        experiment=experiment,
        expected_version=_version(request),
    )
    return redirect("improvement:experiment_detail", pk=pk)


@require_POST
@site_view
def experiment_stop_view(request, pk: int):
    experiment = _experiment_or_404(request, pk)
    act(
        request,
        experiments.experiment_stop,
        success=MSG_STOPPED,
        actor=request.user,
        experiment=experiment,
        expected_version=_version(request),
    )
    return redirect("improvement:experiment_detail", pk=pk)


@require_POST
@site_view
def experiment_conclude_view(request, pk: int):
    experiment = _experiment_or_404(request, pk)
    form = ExperimentConcludeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        decision = dict(form.fields["decision"].choices)[data["decision"]]
        act(
            request,
            experiments.experiment_conclude,
            success=MSG_CONCLUDED.format(decision=decision.lower()),
            actor=request.user,
            experiment=experiment,
            decision=data["decision"],
            note=data["note"],
            expected_version=data["version"],
        )
    else:
        messages.error(request, experiments.MSG_DECISION_REQUIRED)
    return redirect(reverse("improvement:experiment_detail", args=[pk]))
