"""The experiment page's uploads for cluster-randomised pilots and the controlled before/after."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.errors import Conflict
from common.errors import PermissionDenied as ServicePermissionDenied
from common.web import site_view
from improvement import policies
from improvement.forms.experiment_clusters import ClusterUploadForm, RandomisationForm, SiteValuesUploadForm
from improvement.services import experiment_clusters as ec
from improvement.views.experiments import experiment_or_404
from kpis.stats_text import stats_message

MSG_CLUSTERS_SAVED = gettext_noop("{rows} clusters saved for {variants}.")
MSG_UNIT_SAVED = gettext_noop("Randomised by {unit}.")
MSG_SITES_SAVED = gettext_noop("{rows} site values saved; change date {day}.")
MAX_SHOWN = 10
ROW_KEY = re.compile(r"rows\[(\d+)\]\.?(.*)")


def _line(key: str) -> str:
    """``rows[3].users`` → "Line 5, users" (the header is line 1)."""
    match = ROW_KEY.fullmatch(key)
    if not match:
        return key
    if match[2]:
        return gettext("Line {line}, {column}").format(line=int(match[1]) + 2, column=match[2])
    return gettext("Line {line}").format(line=int(match[1]) + 2)


def _report(request, exc: ValidationError) -> None:
    problems = [f"{_line(key)}: {m}" for key, errors in exc.message_dict.items() for m in errors]
    for problem in problems[:MAX_SHOWN]:
        messages.error(request, problem)
    if len(problems) > MAX_SHOWN:
        more = len(problems) - MAX_SHOWN
        messages.error(request, gettext("… and {count} more problems. Nothing was saved.").format(count=more))


def _back(pk: int, anchor: str):
    return redirect(reverse("improvement:experiment_detail", args=[pk]) + anchor)


def _form_problems(request, form) -> None:
    for field, errors in form.errors.items():
        for message in errors:
            messages.error(
                request, f"{form.fields[field].label if field in form.fields else field}: {message}"
            )


@require_POST
@site_view
def experiment_cluster_upload(request, pk: int):
    """A CSV of per-cluster totals; every problem is listed by line and column, nothing saved."""
    experiment = experiment_or_404(request, pk)
    if not policies.can_push_experiment_data(request.user, experiment.initiative):
        raise PermissionDenied
    form = ClusterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_problems(request, form)
        return _back(pk, "#cluster-data")
    try:
        rows = ec.csv_cluster_rows(form.cleaned_data["clusters"])
        result = ec.experiment_cluster_data_replace(actor=request.user, experiment=experiment, rows=rows)
    except ValidationError as exc:
        _report(request, exc)
    except (Conflict, ServicePermissionDenied) as exc:
        messages.error(request, stats_message(exc))
    else:
        messages.success(
            request,
            gettext(MSG_CLUSTERS_SAVED).format(rows=result.rows_written, variants=", ".join(result.variants)),
        )
        return _back(pk, "#cluster-results")
    return _back(pk, "#cluster-data")


@require_POST
@site_view
def experiment_site_values_upload(request, pk: int):
    """A CSV of per-site period values with the change date, saved together or not at all."""
    experiment = experiment_or_404(request, pk)
    if not policies.can_push_experiment_data(request.user, experiment.initiative):
        raise PermissionDenied
    form = SiteValuesUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        _form_problems(request, form)
        return _back(pk, "#cluster-data")
    day = form.cleaned_data["change_date"]
    try:
        rows = ec.csv_site_rows(form.cleaned_data["sites"])
        with transaction.atomic():
            result = ec.experiment_site_values_replace(actor=request.user, experiment=experiment, rows=rows)
            ec.experiment_cluster_design_set(actor=request.user, experiment=experiment, change_date=day)
    except ValidationError as exc:
        _report(request, exc)
    except (Conflict, ServicePermissionDenied) as exc:
        messages.error(request, stats_message(exc))
    else:
        messages.success(
            request, gettext(MSG_SITES_SAVED).format(rows=result.rows_written, day=day.isoformat())
        )
        return _back(pk, "#before-after")
    return _back(pk, "#cluster-data")


@require_POST
@site_view
def experiment_randomisation(request, pk: int):
    """Randomised by user or by cluster: a design choice, made in draft."""
    experiment = experiment_or_404(request, pk)
    form = RandomisationForm(request.POST)
    if not form.is_valid():
        _form_problems(request, form)
        return _back(pk, "#randomisation")
    try:
        ec.experiment_cluster_design_set(
            actor=request.user,
            experiment=experiment,
            randomisation_unit=form.cleaned_data["randomisation_unit"],
        )
    except (Conflict, ServicePermissionDenied) as exc:
        messages.error(request, stats_message(exc))
    else:
        messages.success(
            request, gettext(MSG_UNIT_SAVED).format(unit=experiment.get_randomisation_unit_display().lower())
        )
    return _back(pk, "#randomisation")
