"""The portfolio dashboard (executives' home) and its CSV export."""

import csv
from collections import Counter

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from accounts.selectors import team_list
from common.paging import CountedRows
from common.web import site_view
from improvement import charts, progress
from improvement.forms import DashboardFilterForm, MoneySort, Period
from improvement.models import STAGE_ORDER, Health, Initiative, Status
from improvement.progress import kpi_state
from improvement.selectors.initiatives import (
    AT_RISK_DEFINITION,
    initiative_at_risk_first,
    initiative_list_at_risk,
    initiative_portfolio,
)
from improvement.selectors.money import DEFAULT_MONEY_SORT, MONEY_SORTS
from improvement.selectors.money_ranking import portfolio_ranking_kept, ranked_initiatives
from improvement.selectors.portfolio_export import ExportRow, portfolio_export
from improvement.selectors.portfolio_rollup import portfolio_summary
from improvement.selectors.targets import (
    target_ids_worst_first,
    target_list,
    target_progress,
    target_progress_list,
)
from improvement.views.money_table import money_rows, sort_headers

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
    # Added later, after the original columns so that readers by position keep working.
    "Net benefit",
    "Benefit validated",
    "Benefit not validated",
    "Hard benefit",
    "Soft benefit",
    "Benefit from KPIs",
    "At risk",
    "Currency",
]
MONEY_DECIMALS = 2
MONEY_ROWS_PER_PAGE = 25
# The money table's columns a reader can sort by, in the order shown.
MONEY_COLUMNS = [
    ("investment", gettext_lazy("Investment")),
    ("net", gettext_lazy("Net benefit")),
    ("roi", gettext_lazy("ROI %")),
    ("payback", gettext_lazy("Payback")),
    ("npv", gettext_lazy("NPV")),
]
RANKING_ANCHOR = "#ranking-heading"
# The at-risk and KPI tables show this many rows, the worst first, with a link to all of them.
TOP_ROWS = 10
TARGETS_PER_PAGE = 50
# The dashboard's filters that narrow the portfolio below what the roll-up adds up (team, category).
NARROWING_FILTERS = ("started_from", "q", "stage", "status", "at_risk")


class KpiState:
    MET, IMPROVING, OFF, NO_DATA = (
        progress.KPI_MET,
        progress.KPI_IMPROVING,
        progress.KPI_OFF,
        progress.KPI_NO_DATA,
    )
    LABELS = {
        MET: gettext_lazy("On target"),
        IMPROVING: gettext_lazy("Improving"),
        OFF: gettext_lazy("Off target"),
        NO_DATA: gettext_lazy("No data yet"),
    }


def neutralise(cell):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def _filters(request) -> tuple[DashboardFilterForm, dict, tuple[str, bool | None]]:
    """The form, the portfolio's filters and the money table's order (figure, descending)."""
    form = DashboardFilterForm(request.GET or None, teams=team_list(user=request.user))
    filters = form.cleaned_data if form.is_valid() else {}
    order = MoneySort.parse(filters.get("sort", "")) or (DEFAULT_MONEY_SORT, None)
    return (
        form,
        {
            "user": request.user,
            "team": filters.get("team"),
            "category": filters.get("category", ""),
            "started_from": Period.start(filters.get("period", ""), today=timezone.localdate()),
            "q": filters.get("q", ""),
            "stage": filters.get("stage", ""),
            "status": filters.get("status", ""),
            "at_risk": filters.get("at_risk", False),
        },
        order,
    )


def _counts(initiatives: QuerySet[Initiative], field: str) -> Counter:
    return Counter(dict(initiatives.order_by().values_list(field).annotate(n=Count("pk"))))


@site_view
def dashboard(request):
    """The whole portfolio in figures; the at-risk and KPI tables show the worst rows first.

    Counts and money cover every initiative, computed in SQL and on plain rows; the two tables show
    the ``TOP_ROWS`` most relevant rows with a link to all of them (a paginated list), so the page
    does not grow with the organisation.
    """
    form, filters, (sort, descending) = _filters(request)
    portfolio = initiative_portfolio(**filters)
    active = portfolio.filter(status=Status.ACTIVE)
    ranked, money, summary = _ranking(filters, portfolio, sort=sort, descending=descending)
    descending = MONEY_SORTS[sort][1] if descending is None else descending
    ranked_page = Paginator(ranked, MONEY_ROWS_PER_PAGE).get_page(request.GET.get("page"))
    if summary is None:
        stage_counts, health_counts = _counts(active, "stage"), _counts(active, "health")
        initiative_count = len(ranked)
    else:  # the roll-up counted them with the money (kept on write): no query over the portfolio
        stage_counts, health_counts = Counter(summary.by_stage), Counter(summary.by_health)
        initiative_count = summary.initiatives
    funnel = [(str(stage.label), stage_counts.get(stage, 0)) for stage in STAGE_ORDER]
    health = [(value, str(label), health_counts.get(value, 0)) for value, label in Health.choices]
    if summary is not None and summary.kpi_states is not None:
        # The roll-up counted the targets by their kept progress; the worst come from its index.
        states = Counter(summary.kpi_states)
        targets = CountedRows(
            target_ids_worst_first(team=filters["team"], category=filters["category"]),
            count=sum(states.values()),
        )
    else:
        found = target_progress_list(initiatives=active)
        states = Counter(kpi_state(value) for _, value in found)
        targets = [pk for pk, _ in found]
    shown_targets = Paginator(targets, TARGETS_PER_PAGE if "targets_page" in request.GET else TOP_ROWS)
    targets_page = shown_targets.get_page(request.GET.get("targets_page"))
    at_risk = initiative_list_at_risk(initiatives=portfolio)
    query = request.GET.copy()
    query.pop("targets_page", None)
    ranking_query = request.GET.copy()
    ranking_query.pop("page", None)
    context = {
        "form": form,
        "query": query.urlencode(),
        "ranking_query": ranking_query.urlencode(),
        "ranked_page": ranked_page,
        "money_rows": money_rows(
            portfolio,
            list(ranked_page.object_list),
            first_rank=ranked_page.start_index(),
            with_ranges=True,
        ),
        "sort_headers": sort_headers(
            request.GET, MONEY_COLUMNS, key=sort, descending=descending, anchor=RANKING_ANCHOR
        ),
        "at_risk_definition": gettext(AT_RISK_DEFINITION),
        "initiative_count": initiative_count,
        "active_count": sum(stage_counts.values()),
        "money": money,
        "funnel": funnel,
        "health": health,
        "kpi_states": [(key, label, states.get(key, 0)) for key, label in KpiState.LABELS.items()],
        "kpi_rows": _progress_rows(list(targets_page.object_list)),
        "kpi_page": targets_page,
        "kpi_total": len(targets),
        "at_risk": initiative_at_risk_first(
            initiatives=portfolio, limit=TOP_ROWS, cache_key=_same_for_every_reader(request.user, filters)
        ),
        "at_risk_total": at_risk.count() if summary is None or summary.at_risk is None else summary.at_risk,
        "at_risk_query": _at_risk_query(filters),
        "money_chart": charts.money_chart(money=money),
        "funnel_chart": charts.stage_funnel(funnel),
        "health_chart": charts.health_chart(health),
    }
    return render(request, "improvement/dashboard.html", context)


def _same_for_every_reader(user, filters: dict) -> str | None:
    """A key for a portfolio that is the same for every reader of it (a reader of everything, narrowed
    by team and category only), ``None`` for any other."""
    if not user.reads_everything or any(filters[name] for name in NARROWING_FILTERS):
        return None
    return f"{'' if filters['team'] is None else filters['team'].pk}:{filters['category']}"


def _ranking(filters: dict, portfolio: QuerySet[Initiative], *, sort: str, descending: bool | None):
    """The money table's rows, the portfolio's money and, when only a team or category narrows the
    portfolio, the roll-up's summary (cached, a few rows; its counts are the portfolio's). Else
    the money is the sums of the listed initiatives' summaries, read with the ranking, and no
    summary is returned."""
    if any(filters[name] for name in NARROWING_FILTERS):
        ranking = portfolio_ranking_kept(initiatives=portfolio, sort=sort, descending=descending)
        return ranking.rows, ranking.money, None
    team = filters["team"]
    summary = portfolio_summary(
        user=filters["user"], team_id=None if team is None else team.pk, category=filters["category"]
    )
    # The summary counted the portfolio and made its summaries current.
    ranked = ranked_initiatives(
        initiatives=portfolio, sort=sort, descending=descending, count=summary.initiatives, healed=True
    )
    return ranked, summary.money, summary


def _progress_rows(target_ids: list[int]):
    """The progress of these targets, in the order given (the worst first)."""
    by_id = {t.pk: t for t in target_list(target_ids=target_ids)}
    return [target_progress(target=by_id[pk]) for pk in target_ids if pk in by_id]


def _at_risk_query(filters: dict) -> str:
    """The initiative list's filter for the whole at-risk list (the filters the list page knows)."""
    query = QueryDict(mutable=True)
    query["at_risk"] = "on"
    if filters["team"] is not None:
        query["team"] = filters["team"].pk
    if filters["category"]:
        query["category"] = filters["category"]
    return query.urlencode()


def _round(value: float | None):
    return "" if value is None else round(value, MONEY_DECIMALS)


class _Lines:
    """A file-like object whose ``write`` hands the line back: ``csv.writer`` formats, we stream."""

    def write(self, line: str) -> str:
        return line


@site_view
def dashboard_csv(request):
    """The portfolio's money table as on the page: the same filters, every row in the same order.

    Streamed: the ranking is computed first, then the rows are read and written a chunk at a time.
    """
    _, filters, (sort, descending) = _filters(request)
    chunks = portfolio_export(initiatives=initiative_portfolio(**filters), sort=sort, descending=descending)
    response = StreamingHttpResponse(_csv_lines(chunks), content_type="text/csv; charset=utf-8")
    filename = CSV_FILENAME.format(date=timezone.localdate().isoformat())
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_lines(chunks):
    writer = csv.writer(_Lines())
    yield writer.writerow(CSV_HEADER)
    for chunk in chunks:
        yield "".join(writer.writerow(_csv_row(row)) for row in chunk)


def _csv_row(row: ExportRow) -> list:
    """The cells of one row; the text cells neutralised (the others are numbers, dates, yes/no)."""
    m = row.money
    return [
        neutralise(row.code),
        neutralise(row.title),
        neutralise(row.team),
        neutralise(row.lead),
        neutralise(row.category),
        neutralise(row.stage),
        neutralise(row.status),
        neutralise(row.health),
        row.start_date.isoformat(),
        row.target_end_date.isoformat() if row.target_end_date else "",
        row.milestones_done,
        row.milestones_total,
        row.milestones_overdue,
        _round(m.total_cost),
        _round(m.benefit_to_date),
        _round(m.projected_12m_benefit),
        _round(m.roi_percent),
        _round(m.payback_months),
        _round(m.npv),
        _round(m.net_benefit),
        _round(m.validated),
        _round(m.claimed),
        _round(m.hard),
        _round(m.soft),
        _round(m.derived),
        "yes" if row.at_risk else "no",
        neutralise(settings.PDCA_CURRENCY),
    ]
