"""The portfolio dashboard (executives' home) and its CSV export."""

import csv
from collections import Counter

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.selectors import team_list
from improvement import charts
from improvement.forms import DashboardFilterForm, Period
from improvement.models import STAGE_ORDER, Health, Initiative, Status
from improvement.selectors import initiatives_money, portfolio_money, target_progress
from improvement.views.common import site_view
from improvement.views.queries import portfolio_initiatives, targets_of

# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_FILENAME = "portfolio-{date}.csv"
CSV_HEADER = [
    "Code",
    "Title",
    "Team",
    "Lead",
    "Category",
    "Stage",
    "Status",
    "Health",
    "Start date",
    "Target end date",
    "Milestones done",
    "Milestones total",
    "Milestones overdue",
    "Total cost",
    "Benefit to date",
    "Projected 12-month benefit",
    "ROI %",
    "Payback months",
    "NPV",
]
MONEY_DECIMALS = 2


class KpiState:
    MET = "met"
    IMPROVING = "improving"
    OFF = "off"
    NO_DATA = "no_data"
    LABELS = {MET: "On target", IMPROVING: "Improving", OFF: "Off target", NO_DATA: "No data yet"}


def kpi_state(progress: float | None) -> str:
    if progress is None:
        return KpiState.NO_DATA
    if progress >= 1:
        return KpiState.MET
    return KpiState.IMPROVING if progress > 0 else KpiState.OFF


def neutralise(cell):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def _filtered(request) -> tuple[DashboardFilterForm, list[Initiative]]:
    form = DashboardFilterForm(request.GET or None, teams=team_list(user=request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    initiatives = portfolio_initiatives(
        user=request.user,
        team=filters.get("team"),
        category=filters.get("category", ""),
        started_from=Period.start(filters.get("period", ""), today=timezone.localdate()),
    )
    return form, initiatives


def _at_risk(initiatives: list[Initiative]) -> list[Initiative]:
    severity = {Health.OFF_TRACK: 0, Health.AT_RISK: 1, Health.ON_TRACK: 2}
    flagged = [
        i
        for i in initiatives
        if i.status == Status.ACTIVE and (i.health != Health.ON_TRACK or i.milestones_overdue)
    ]
    return sorted(flagged, key=lambda i: (severity[i.health], -i.milestones_overdue, i.code))


@site_view
def dashboard(request):
    form, initiatives = _filtered(request)
    active = [i for i in initiatives if i.status == Status.ACTIVE]
    money = portfolio_money(initiatives=initiatives)
    stage_counts = Counter(i.stage for i in active)
    health_counts = Counter(i.health for i in active)
    funnel = [(stage.label, stage_counts.get(stage, 0)) for stage in STAGE_ORDER]
    health = [(value, label, health_counts.get(value, 0)) for value, label in Health.choices]
    progress_rows = [target_progress(t) for t in targets_of(initiative_ids=[i.pk for i in active])]
    states = Counter(kpi_state(row.progress) for row in progress_rows)
    context = {
        "form": form,
        "query": request.GET.urlencode(),
        "initiative_count": len(initiatives),
        "active_count": len(active),
        "money": money,
        "funnel": funnel,
        "health": health,
        "kpi_states": [(key, label, states.get(key, 0)) for key, label in KpiState.LABELS.items()],
        "kpi_rows": sorted(progress_rows, key=lambda r: (r.target.initiative.code, r.target.kpi.name)),
        "at_risk": _at_risk(initiatives),
        "money_chart": charts.money_chart(money=money),
        "funnel_chart": charts.stage_funnel(funnel),
        "health_chart": charts.health_chart(health),
    }
    return render(request, "improvement/dashboard.html", context)


def _round(value: float | None):
    return "" if value is None else round(value, MONEY_DECIMALS)


@site_view
def dashboard_csv(request):
    _, initiatives = _filtered(request)
    money = initiatives_money(initiatives=initiatives)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = CSV_FILENAME.format(date=timezone.localdate().isoformat())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for initiative in initiatives:
        m = money[initiative.pk]
        row = [
            initiative.code,
            initiative.title,
            initiative.team.name,
            initiative.lead.get_full_name(),
            initiative.get_category_display(),
            initiative.get_stage_display(),
            initiative.get_status_display(),
            initiative.get_health_display(),
            initiative.start_date.isoformat(),
            initiative.target_end_date.isoformat() if initiative.target_end_date else "",
            initiative.milestones_done,
            initiative.milestones_total,
            initiative.milestones_overdue,
            _round(m.total_cost),
            _round(m.benefit_to_date),
            _round(m.projected_12m_benefit),
            _round(m.roi_percent),
            _round(m.payback_months),
            _round(m.npv),
        ]
        writer.writerow([neutralise(cell) for cell in row])
    return response
