"""PDF reports in the site: an initiative's A3 and the portfolio review packs.

The A3 is drawn on request (under a second); a pack is built in the background and its page shows
the progress, then the download. A pack is read by whoever asked for it; the scheduled ones by
admins and executives (``pack_can_read``).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from common.web import site_view
from improvement.models import PackStatus, PortfolioPack
from improvement.reports.a3 import FILENAME as A3_FILENAME
from improvement.reports.a3 import a3_pdf
from improvement.reports.pack_pdf import FILENAME as PACK_FILENAME
from improvement.selectors import packs as pack_selectors
from improvement.services.packs import PDF_MEDIA_TYPE, pack_request
from improvement.views.common import initiative_or_404

PACKS_SHOWN = 20
# While a pack is being built its page reloads itself this often (no script needed).
REFRESH_SECONDS = 2
MSG_PACK_STARTED = gettext_noop("Pack requested: this page shows its progress, then the download.")
MSG_NO_PACK = gettext_noop("No such pack.")


def pdf_response(data: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=PDF_MEDIA_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@site_view
def initiative_a3(request, pk: int):
    """The initiative's one-page A3 report (anyone who may read the initiative)."""
    initiative = initiative_or_404(request, pk)
    return pdf_response(a3_pdf(initiative=initiative), filename=A3_FILENAME.format(code=initiative.code))


def _pack_or_404(request, pk: int) -> PortfolioPack:
    pack = PortfolioPack.objects.filter(pk=pk).first()
    if pack is None or not pack_selectors.pack_can_read(user=request.user, pack=pack):
        raise Http404(gettext(MSG_NO_PACK))
    return pack


@site_view
def pack_list(request):
    packs = list(pack_selectors.pack_list(user=request.user)[:PACKS_SHOWN])
    return render(request, "improvement/pack_list.html", {"packs": packs})


@require_POST
@site_view
def pack_start(request):
    """Ask for a pack of what the reader reads; the page of the pack follows its build."""
    pack = pack_request(actor=request.user)
    messages.success(request, gettext(MSG_PACK_STARTED))
    return redirect("improvement:pack_detail", pk=pack.pk)


@site_view
def pack_detail(request, pk: int):
    pack = _pack_or_404(request, pk)
    building = pack.status in (PackStatus.QUEUED, PackStatus.RUNNING)
    context = {"pack": pack, "building": building, "refresh": REFRESH_SECONDS if building else None}
    return render(request, "improvement/pack_detail.html", context)


@site_view
def pack_download(request, pk: int):
    pack = _pack_or_404(request, pk)
    if pack.status != PackStatus.DONE:
        raise Http404(gettext(MSG_NO_PACK))
    if not pack.file:
        raise PermissionDenied(gettext(MSG_NO_PACK))
    return FileResponse(
        pack.file.open("rb"),
        as_attachment=True,
        filename=PACK_FILENAME.format(date=pack.as_of.isoformat()),
        content_type=PDF_MEDIA_TYPE,
    )
