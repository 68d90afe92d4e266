"""``results.xlsx``: the results CSV as a workbook with typed cells (/help/exports/)."""

from rest_framework.renderers import BaseRenderer

from common.api.renderers import render_json
from common.xlsx import XLSX_MEDIA_TYPE, Sheet, write_sheets
from improvement.selectors.experiment_export import HEADER, results_table

XLSX_FILENAME = "experiment-{pk}-results.xlsx"


def results_sheet(results: dict | None, *, kpi: str) -> Sheet:
    """The CSV's rows and columns with the JSON's values: numbers, booleans and text, nulls empty."""
    rows = ([row.get(column) for column in HEADER] for row in results_table(results, kpi=kpi))
    return Sheet("Results", HEADER, rows)


class ResultsXlsxRenderer(BaseRenderer):
    """The results read-out as one row per (metric, variant), the columns of ``results.csv``."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        context = renderer_context or {}
        response = context.get("response")
        if response is not None and response.status_code >= 400:
            # An error keeps its JSON body (and says so), whatever format was asked for.
            response["Content-Type"] = "application/json"
            return render_json(data)
        view = context.get("view")
        if response is not None and view is not None:
            pk = view.kwargs.get("pk")
            response["Content-Disposition"] = f'attachment; filename="{XLSX_FILENAME.format(pk=pk)}"'
        with write_sheets([results_sheet(data, kpi=getattr(view, "kpi_code", ""))]) as out:
            return out.read()
