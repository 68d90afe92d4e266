"""The XLSX workbooks the site and the API serve: the portfolio (the CSV's rows and columns), an
initiative's money lines, and its measurements. Columns and cell types: docs/exports.md.

Built once here so the site's download and the API's answer are the same file.
"""

from django.conf import settings
from django.http import FileResponse
from django.utils import timezone

from accounts.models import Team, User
from common.xlsx import DATETIME_FORMAT, Sheet, money_format, xlsx_response
from improvement.models import Initiative
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
from improvement.views.dashboard import CSV_HEADER, MONEY_DECIMALS

PORTFOLIO_HEADER = CSV_HEADER
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
    return {
        **dict.fromkeys(PORTFOLIO_MONEY_COLUMNS, money_format(currency)),
        "ROI %": "0.00",
        "Payback months": "0.00",
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, MONEY_DECIMALS)


def portfolio_xlsx_row(row: ExportRow, currency: str) -> list:
    """The CSV's row with typed cells: the same values, text not neutralised (it stays text)."""
    m = row.money
    figures = (
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
        *(_round(value) for value in figures),
        row.at_risk,
        currency,
    ]


def portfolio_workbook(
    *, user: User, sort: str, descending: bool | None, team: Team | None = None, **filters
) -> FileResponse:
    """The portfolio as the dashboard's CSV has it (same filters, rows and order), as a workbook."""
    initiatives = initiative_portfolio(user=user, team=team, **filters)
    chunks = portfolio_export(initiatives=initiatives, sort=sort, descending=descending)
    currency = settings.PDCA_CURRENCY
    rows = (portfolio_xlsx_row(row, currency) for chunk in chunks for row in chunk)
    sheet = Sheet("Portfolio", PORTFOLIO_HEADER, rows, portfolio_formats(currency))
    return xlsx_response([sheet], filename=PORTFOLIO_FILENAME.format(date=timezone.localdate().isoformat()))


def money_lines_workbook(*, initiative: Initiative) -> FileResponse:
    """The initiative's costs and benefit lines, one sheet each (the caller checked the reader)."""
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


def measurements_workbook(*, initiative: Initiative) -> FileResponse:
    """Every measurement of the KPI series the initiative's targets follow (the caller checked)."""
    sheet = Sheet("Measurements", MEASUREMENT_HEADER, measurement_rows(initiative=initiative))
    return xlsx_response([sheet], filename=MEASUREMENTS_FILENAME.format(code=_safe(initiative.code)))


def _safe(code: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in code) or "initiative"
