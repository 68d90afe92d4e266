"""XLSX downloads: the portfolio (as its CSV), an initiative's money lines and its measurements.

Each is read with the same permission as the page or CSV it mirrors (improvement/exports.py builds
the files; /help/exports/ lists the columns).
"""

from common.web import site_view
from improvement.exports import measurements_workbook, money_lines_workbook, portfolio_workbook
from improvement.views.common import initiative_or_404
from improvement.views.dashboard import _filters


@site_view
def dashboard_xlsx(request):
    """The portfolio CSV as a workbook: the same filters, rows, order and columns."""
    _, filters, (sort, descending) = _filters(request)
    return portfolio_workbook(sort=sort, descending=descending, **filters)


@site_view
def initiative_money_xlsx(request, pk: int):
    """The initiative's costs and benefit lines (anyone who may read the initiative)."""
    return money_lines_workbook(initiative=initiative_or_404(request, pk))


@site_view
def initiative_measurements_xlsx(request, pk: int):
    """Every measurement of the KPI series the initiative's targets follow."""
    return measurements_workbook(initiative=initiative_or_404(request, pk))
