"""PDF reports in the API: ``/initiatives/{id}/a3.pdf`` and the portfolio packs.

``POST /portfolio-packs/`` asks for a pack of what the caller reads and answers 202 with the pack
(its ``status`` and ``progress``); ``GET /portfolio-packs/{id}/`` polls it; once ``status`` is
``done``, ``GET /portfolio-packs/{id}/download.pdf`` answers the file. Reading a report needs
``progress:read``, like the XLSX exports (a pack only shows what the caller may read). As there,
the file routes also answer without the suffix to ``Accept: application/pdf``, and an error keeps
its JSON body.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable, NotFound
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response

from accounts.api.serializers import UserRefSerializer
from accounts.models import Scope
from common.api.idempotency import idempotent
from common.api.renderers import ApiJSONRenderer, render_json
from common.api.viewsets import ApiViewSet
from improvement.api.common import ReadViewSet
from improvement.models import Initiative, PackStatus, PortfolioPack
from improvement.reports.a3 import FILENAME as A3_FILENAME
from improvement.reports.a3 import a3_pdf
from improvement.reports.pack_pdf import FILENAME as PACK_FILENAME
from improvement.selectors.initiatives import initiative_readable
from improvement.selectors.packs import pack_list
from improvement.services.packs import PDF_MEDIA_TYPE, pack_request
from improvement.views.reports import pdf_response

MSG_FILE_ONLY_TEMPLATE = gettext_noop("This route answers a PDF file only: accept {media_type} (or */*).")
MSG_FILE_ONLY = MSG_FILE_ONLY_TEMPLATE.format(media_type=PDF_MEDIA_TYPE)
MSG_NOT_READY = gettext_noop("The pack is not ready: poll it until its status is done.")


class PdfRenderer(BaseRenderer):
    """As ``XlsxRenderer``: lets ``.pdf`` and ``Accept: application/pdf`` reach the view, which
    answers the file itself; an error keeps its JSON body."""

    media_type = PDF_MEDIA_TYPE
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return render_json(data)


def _file_only(request) -> None:
    if request.accepted_renderer.format != PdfRenderer.format:
        raise NotAcceptable(_(MSG_FILE_ONLY_TEMPLATE).format(media_type=PDF_MEDIA_TYPE))


def _pdf(description: str) -> dict:
    return {(200, PDF_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=description)}


class InitiativeReportViewSet(ApiViewSet):
    model = Initiative
    pagination_class = None
    filter_backends: list = []
    renderer_classes = [PdfRenderer, ApiJSONRenderer]

    def select(self, *, user, include_archived):
        return initiative_readable(user=user)

    @extend_schema(
        responses=_pdf(
            "The initiative's one-page A3 report (A3 landscape): problem, goal, KPI charts with baseline, "
            "target and control limits, stage and gate history, experiment verdicts with their intervals, "
            "money, milestones and the latest status (/help/exports/)."
        )
    )
    @action(detail=True, methods=["get"])
    def a3(self, request, pk=None, **kwargs):
        _file_only(request)
        initiative = self.get_object()
        return pdf_response(a3_pdf(initiative=initiative), filename=A3_FILENAME.format(code=initiative.code))


class PortfolioPackSerializer(serializers.ModelSerializer):
    requested_by = UserRefSerializer(read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField(help_text="The PDF's address once `status` is done.")

    class Meta:
        model = PortfolioPack
        fields = [
            "id",
            "status",
            "progress",
            "as_of",
            "initiatives",
            "requested_by",
            "previous",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, pack) -> str | None:
        if pack.status != PackStatus.DONE:
            return None
        return reverse("v1:portfolio-pack-download", kwargs={"pk": pack.pk, "format": "pdf"})


class PortfolioPackViewSet(ReadViewSet):
    """Portfolio review packs the caller asked for (admins and executives: also the monthly ones),
    newest first."""

    model = PortfolioPack
    serializer_class = PortfolioPackSerializer
    filterset_fields: list = []
    search_fields: list = []
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]
    # A pack only reads: asking for one needs the same scope as reading what it shows.
    action_scopes = {"create": Scope.PROGRESS_READ}

    def select(self, *, user, include_archived):
        return pack_list(user=user)

    def get_renderers(self):
        if getattr(self, "action", None) == "download" or self.kwargs.get("format") == "pdf":
            return [PdfRenderer(), ApiJSONRenderer()]
        return super().get_renderers()

    @extend_schema(
        request=None,
        responses={202: PortfolioPackSerializer},
        description="Ask for a pack of the initiatives the caller reads; it is built in the background. "
        "Poll the pack until `status` is `done`, then download it. One pack at a time per caller (400).",
    )
    @idempotent
    def create(self, request):
        pack = pack_request(actor=request.user)
        data = PortfolioPackSerializer(self.reread(pack)).data
        location = reverse("v1:portfolio-pack-detail", kwargs={"pk": pack.pk})
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})

    @extend_schema(responses=_pdf("The pack's PDF (/help/exports/)."))
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None, **kwargs):
        _file_only(request)
        pack = self.get_object()
        if pack.status != PackStatus.DONE or not pack.file:
            raise NotFound(_(MSG_NOT_READY))
        data = pack.file.open("rb").read()
        pack.file.close()
        return pdf_response(data, filename=PACK_FILENAME.format(date=pack.as_of.isoformat()))
