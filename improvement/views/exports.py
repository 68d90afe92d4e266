"""XLSX downloads: the portfolio (as its CSV), an initiative's money lines and its measurements.

Each is read with the same permission as the page or CSV it mirrors; the columns and cell types are
listed in docs/exports.md.
"""

from django.conf import settings
from django.utils import timezone

from common.web import site_view
from common.xlsx import DATETIME_FORMAT, Sheet, money_format, xlsx_response
from improvement.selectors.exports import (
    BENEFIT_HEADER,
    COST_HEADER,
    MEASUREMENT_HEADER,
    benefit_rows,
    cost_rows,
    measurement_rows,
)
from improvement.selectors.initiatives import initiative_portfolio
from improvement.selectors.portfolio_export import ExportRow, portfolio_export
from improvement.views.common import initiative_or_404
from improvement.views.dashboard import CSV_HEADER, MONEY_DECIMALS, _filters

PORTFOLIO_FILENAME = "portfolio-{date}.xlsx"
MONEY_LINES_FILENAME = "{code}-money-lines.xlsx"
MEASUREMENTS_FILENAME = "{code}-measurements.xlsx"
PORTFOLIO_MONEY_COLUMNS = [
    "Total cost",
    "Benefit to date",
    "Projected 12-month benefit",
    "NPV",
    "Net benefit",
    "Benefit validated",
    "Benefit not validated",
    "Hard benefit",
    "Soft benefit",
    "Benefit from KPIs",
]


def portfolio_formats(currency: str) -> dict[str, str]:
    money = money_format(currency)
    return {
        **dict.fromkeys(PORTFOLIO_MONEY_COLUMNS, money),
        "ROI %": "0.00",
        "Payback months": "0.00",
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, MONEY_DECIMALS)


def portfolio_xlsx_row(row: ExportRow, currency: str) -> list:
    """The CSV's row with typed cells: the same values, text not neutralised (it stays text)."""
    m = row.money
    return [
        row.code,
        row.title,
        row.team,
        row.lead,
        row.category,
        row.stage,
        row.status,
        row.health,
        row.start_date,
        row.target_end_date,
        row.milestones_done,
        row.milestones_total,
        row.milestones_overdue,
        *(
            _round(value)
            for value in (
                m.total_cost,
                m.benefit_to_date,
                m.projected_12m_benefit,
                m.roi_percent,
                m.payback_months,
                m.npv,
                m.net_benefit,
                m.validated,
                m.claimed,
                m.hard,
                m.soft,
                m.derived,
            )
        ),
        row.at_risk,
        currency,
    ]


def portfolio_sheet(chunks, *, currency: str) -> Sheet:
    rows = (portfolio_xlsx_row(row, currency) for chunk in chunks for row in chunk)
    return Sheet("Portfolio", CSV_HEADER, rows, portfolio_formats(currency))


@site_view
def dashboard_xlsx(request):
    """The portfolio CSV as a workbook: the same filters, rows, order and columns."""
    _, filters, (sort, descending) = _filters(request)
    chunks = portfolio_export(initiatives=initiative_portfolio(**filters), sort=sort, descending=descending)
    filename = PORTFOLIO_FILENAME.format(date=timezone.localdate().isoformat())
    return xlsx_response([portfolio_sheet(chunks, currency=settings.PDCA_CURRENCY)], filename=filename)


@site_view
def initiative_money_xlsx(request, pk: int):
    """The initiative's costs and benefit lines, one sheet each (anyone who may read the initiative)."""
    initiative = initiative_or_404(request, pk)
    currency = settings.PDCA_CURRENCY
    money = money_format(currency)
    sheets = [
        Sheet("Costs", COST_HEADER, cost_rows(initiative=initiative, currency=currency), {"Amount": money}),
        Sheet(
            "Benefits",
            BENEFIT_HEADER,
            benefit_rows(initiative=initiative, currency=currency),
            {"Monthly amount": money, "Validated at": DATETIME_FORMAT},
        ),
    ]
    return xlsx_response(sheets, filename=MONEY_LINES_FILENAME.format(code=_safe(initiative.code)))


@site_view
def initiative_measurements_xlsx(request, pk: int):
    """Every measurement of the KPI series the initiative's targets follow."""
    initiative = initiative_or_404(request, pk)
    sheet = Sheet("Measurements", MEASUREMENT_HEADER, measurement_rows(initiative=initiative))
    return xlsx_response([sheet], filename=MEASUREMENTS_FILENAME.format(code=_safe(initiative.code)))


def _safe(code: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in code) or "initiative"
