"""XLSX files in the API: ``/portfolio/export.xlsx``, ``/initiatives/{id}/money-lines.xlsx`` and
``/initiatives/{id}/measurements.xlsx`` (or the same paths without the suffix and ``Accept:`` the
XLSX media type). Each reads only what the caller may read: the same scoping as the JSON routes."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable
from rest_framework.renderers import BaseRenderer

from common.api.renderers import ApiJSONRenderer, render_json
from common.api.viewsets import ApiViewSet
from common.xlsx import XLSX_MEDIA_TYPE
from improvement import selectors
from improvement.api.common import VisibleTeamField
from improvement.exports import (
    PORTFOLIO_HEADER,
    measurements_workbook,
    money_lines_workbook,
    portfolio_workbook,
)
from improvement.forms import MoneySort
from improvement.models import Category, Initiative
from improvement.selectors.exports import BENEFIT_HEADER, COST_HEADER, MEASUREMENT_HEADER
from improvement.selectors.initiatives import initiative_readable
from improvement.selectors.money import DEFAULT_MONEY_SORT

MSG_FILE_ONLY_TEMPLATE = gettext_noop("This route answers an XLSX file only: accept {media_type} (or */*).")
MSG_FILE_ONLY = MSG_FILE_ONLY_TEMPLATE.format(media_type=XLSX_MEDIA_TYPE)


class XlsxRenderer(BaseRenderer):
    """Lets ``.xlsx`` and ``Accept:`` the XLSX type reach the view, which answers the file itself;
    an error keeps its JSON body (and says so). Listed first: a caller who accepts anything gets the
    file; JSON is there for the errors (and is refused, 406, as the answer to a success)."""

    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return render_json(data)


def _file_only(request) -> None:
    if request.accepted_renderer.format != XlsxRenderer.format:
        raise NotAcceptable(_(MSG_FILE_ONLY_TEMPLATE).format(media_type=XLSX_MEDIA_TYPE))


def _xlsx(description: str) -> dict:
    return {(200, XLSX_MEDIA_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description=description)}


class PortfolioExportQuerySerializer(serializers.Serializer):
    team = VisibleTeamField(required=False, help_text="Only this team's initiatives.")
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    sort = serializers.ChoiceField(
        choices=MoneySort.CHOICES,
        required=False,
        help_text="The money table's order, `<figure>_<asc|desc>`; by default the dashboard's.",
    )


class PortfolioExportViewSet(ApiViewSet):
    model = Initiative
    pagination_class = None
    filter_backends: list = []
    renderer_classes = [XlsxRenderer, ApiJSONRenderer]

    def select(self, *, user, include_archived):
        return selectors.initiative_list(user=user)

    @extend_schema(
        parameters=[PortfolioExportQuerySerializer],
        responses=_xlsx(
            "The portfolio CSV of the dashboard as a workbook: one row per initiative the caller reads "
            f"(abandoned ones left out), ranked as asked, columns {', '.join(PORTFOLIO_HEADER)}; typed "
            "cells, frozen header row (/help/exports/)."
        ),
    )
    @action(detail=False, methods=["get"])
    def export(self, request, **kwargs):
        _file_only(request)
        query = PortfolioExportQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        sort, descending = MoneySort.parse(query.validated_data.get("sort", "")) or (DEFAULT_MONEY_SORT, None)
        return portfolio_workbook(
            user=request.user,
            sort=sort,
            descending=descending,
            team=query.validated_data.get("team"),
            category=query.validated_data.get("category", ""),
        )


class InitiativeExportViewSet(ApiViewSet):
    model = Initiative
    pagination_class = None
    filter_backends: list = []
    renderer_classes = [XlsxRenderer, ApiJSONRenderer]

    def select(self, *, user, include_archived):
        return initiative_readable(user=user)

    @extend_schema(
        responses=_xlsx(
            f"Two sheets: `Costs` ({', '.join(COST_HEADER)}) and `Benefits` ({', '.join(BENEFIT_HEADER)}); "
            "amounts with a currency number format (/help/exports/)."
        )
    )
    @action(detail=True, methods=["get"], url_path="money-lines")
    def money_lines(self, request, pk=None, **kwargs):
        _file_only(request)
        return money_lines_workbook(initiative=self.get_object())

    @extend_schema(
        responses=_xlsx(
            "Every measurement of the KPI series (KPI, segment) the initiative's targets follow, columns "
            f"{', '.join(MEASUREMENT_HEADER)} (/help/exports/)."
        )
    )
    @action(detail=True, methods=["get"])
    def measurements(self, request, pk=None, **kwargs):
        _file_only(request)
        return measurements_workbook(initiative=self.get_object())
