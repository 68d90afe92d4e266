"""Prioritisation on the site: the value–difficulty matrix and ranked list, the break-point
analysis, and the admins' settings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.selectors import team_list
from common.errors import PermissionDenied
from common.web import site_view, submit
from improvement import priority_charts
from improvement.forms.priorities import PriorityFilterForm, PrioritySettingsForm
from improvement.models import BreakpointType, Quadrant
from improvement.models.initiatives import quadrant_for
from improvement.selectors.breakpoints import NO_KPI, breakpoint_report
from improvement.selectors.priorities import (
    KIND_IDEA,
    priority_ranking,
    priority_settings_get,
    ranked_rows_named,
)
from improvement.services.priorities import MSG_ADMIN_ONLY, priority_settings_update
from kpis.selectors import kpi_list

ROWS_PER_PAGE = 25
# The quadrants in the order of the 2×2 grid: high value on top, low difficulty on the left.
QUADRANT_GRID = [
    (Quadrant.QUICK_WIN, Quadrant.MAJOR_PROJECT),
    (Quadrant.FILL_IN, Quadrant.THANKLESS),
]


def _filter_form(request) -> PriorityFilterForm:
    return PriorityFilterForm(
        request.GET or None, teams=team_list(user=request.user), kpis=kpi_list().order_by("name")
    )


def _query_without(request, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def ranked_row(row: dict) -> dict:
    """A ranked row as the page (and the API) shows it: its reference and quadrant."""
    is_idea = row["kind"] == KIND_IDEA
    quadrant = Quadrant(quadrant_for(row["v"], row["d"]))
    return {
        **row,
        "is_idea": is_idea,
        "reference": f"IDEA-{row['item_id']:04d}" if is_idea else row["ref"],
        "quadrant": quadrant.value,
        "quadrant_label": quadrant.label,
        "breakpoint_label": BreakpointType(row["bp"]).label,
    }


@site_view
def priorities(request):
    """The 2×2 matrix (every item counted in its cell) and the ranked list, a page at a time."""
    form = _filter_form(request)
    filters = form.filters()
    settings = priority_settings_get()
    ranking = priority_ranking(user=request.user, filters=filters, settings=settings)
    page = Paginator(ranking.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    cells = ranking.cells
    labels = {value: str(label) for value, label in Quadrant.choices}
    totals = dict.fromkeys(labels, 0)
    for cell in cells:
        totals[cell.quadrant] += cell.count
    grid = [[(q, labels[q], totals[q]) for q in row] for row in QUADRANT_GRID]
    context = {
        "form": form,
        "settings": settings,
        "page": page,
        "rows": [ranked_row(row) for row in ranked_rows_named(page.object_list)],
        "query": _query_without(request, "page"),
        "quadrants": grid,
        "cells": [cells[i : i + 5] for i in range(0, len(cells), 5)],
        "matrix_chart": priority_charts.matrix_chart(cells, labels),
        "item_count": ranking.total,
    }
    return render(request, "improvement/priorities.html", context)


@site_view
def priority_settings_view(request):
    if not request.user.is_admin:
        raise PermissionDenied(_(MSG_ADMIN_ONLY))
    settings = priority_settings_get()
    initial = {name: getattr(settings, name) for name in PrioritySettingsForm.base_fields if name != "seen"}
    initial["seen"] = settings.updated_at.isoformat()
    form = PrioritySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved, _result = submit(
            form,
            priority_settings_update,
            actor=request.user,
            expected_updated_at=form.cleaned_data["seen"],
            **form.values(),
        )
        if saved:
            messages.success(request, _("Prioritisation settings saved."))
            return redirect("improvement:priorities")
    return render(request, "improvement/priority_settings.html", {"form": form, "settings": settings})


def _kpi_label(key: str, names: dict[str, str]) -> str:
    kpi = key.split(":", 1)[1]
    return _("No KPI") if kpi == NO_KPI else names.get(kpi, kpi)


@site_view
def breakpoints(request):
    """The Pareto of break-point types next to the reference mix, and of KPIs within each type."""
    form = _filter_form(request)
    filters = form.filters()
    report = breakpoint_report(user=request.user, filters=filters, settings=priority_settings_get())
    type_labels = [str(BreakpointType(row.totals.key).label) for row in report.by_type]
    within = [
        (row, label, [(kpi_row, _kpi_label(kpi_row.totals.key, report.kpi_names)) for kpi_row in kpi_rows])
        for (row, kpi_rows), label in zip(report.by_kpi, type_labels, strict=True)
    ]
    context = {
        "form": form,
        "types": list(zip(report.by_type, type_labels, strict=True)),
        "within": within,
        "reference": [(str(BreakpointType(key).label), share) for key, share in report.reference.items()],
        "pareto_chart": priority_charts.pareto_chart(report.by_type, type_labels),
    }
    return render(request, "improvement/breakpoints.html", context)
