"""Import pages: upload a file, see its dry run (errors by row and column, rows to create, update
or leave), import it, follow the progress bar; and the empty templates to fill in."""

import csv

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import act, object_or_404, site_view, submit
from common.xlsx import Sheet, xlsx_response
from improvement.forms.imports import ImportForm
from improvement.import_columns import COLUMNS, headers
from improvement.models import ImportKind
from improvement.selectors.imports import import_job_list
from improvement.services import imports

RECENT_JOBS = 10
MSG_NOT_FOUND = gettext_noop("No such import, or it is not yours.")


def _job_or_404(request, pk: int):
    return object_or_404(import_job_list(user=request.user).get, message=gettext(MSG_NOT_FOUND), pk=pk)


@site_view
def import_start(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > imports.MAX_FILE_BYTES:
            form.add_error("file", gettext(imports.MSG_TOO_LARGE))
        else:
            ok, job = submit(
                form,
                imports.import_job_create,
                actor=request.user,
                kind=form.cleaned_data["kind"],
                filename=upload.name,
                content=upload.read(),
            )
            if ok:
                return redirect("improvement:import_detail", pk=job.pk)
    context = {
        "form": form,
        "jobs": import_job_list(user=request.user)[:RECENT_JOBS],
        "kinds": [(kind, str(ImportKind(kind).label), COLUMNS[kind]) for kind in ImportKind.values],
        "current": "import",
    }
    return render(request, "improvement/import_form.html", context)


@site_view
def import_detail(request, pk: int):
    job = _job_or_404(request, pk)
    context = {"job": job, "progress": imports.import_progress(job=job), "current": "import"}
    return render(request, "improvement/import_job.html", context)


@site_view
@require_POST
def import_run(request, pk: int):
    act(request, imports.import_job_start, actor=request.user, job=_job_or_404(request, pk))
    return redirect("improvement:import_detail", pk=pk)


@site_view
def import_status(request, pk: int):
    """What the progress bar polls."""
    job = _job_or_404(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": imports.import_progress(job=job),
            "rows_total": job.rows_total,
            "finished": job.is_finished,
        }
    )


@site_view
def import_template(request, kind: str, extension: str):
    """An empty file with the header row of ``kind``."""
    if kind not in ImportKind.values or extension not in ("csv", "xlsx"):
        return HttpResponse(status=404)
    filename = f"{kind}-import.{extension}"
    if extension == "xlsx":
        return xlsx_response([Sheet(str(ImportKind(kind).label), headers(kind), [])], filename=filename)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerow(headers(kind))
    return response
