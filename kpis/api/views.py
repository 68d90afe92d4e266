from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Scope
from common.api.conditional import check_if_match
from common.api.idempotency import idempotent
from common.api.sync import ChangePagePagination, ChangeStreamPagination, change_feed_requested
from common.api.viewsets import SESSION_ONLY, ApiViewSet
from kpis import selectors, services
from kpis.api.filters import KpiFilter, MeasurementFilter
from kpis.api.serializers import (
    MEASUREMENT_VALUES,
    KpiInputSerializer,
    KpiSerializer,
    KpiUpdateSerializer,
    MeasurementBulkSerializer,
    MeasurementRowSerializer,
    MeasurementSerializer,
    UpsertResultSerializer,
    measurement_list_data,
)
from kpis.models import Kpi, Measurement


class KpiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The KPI catalogue: everybody reads it; admins change it from a signed-in session."""

    model = Kpi
    serializer_class = KpiSerializer
    filterset_class = KpiFilter
    pagination_class = ChangePagePagination
    search_fields = ["name", "code"]
    ordering_fields = ["name", "code", "updated_at", "id"]
    ordering = ["name"]
    write_scope = SESSION_ONLY

    def select(self, *, user, include_archived):
        return selectors.kpi_list(include_archived=include_archived)

    @extend_schema(request=KpiInputSerializer, responses={201: KpiSerializer})
    @idempotent
    def create(self, request):
        data = KpiInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kpi = services.kpi_create(actor=request.user, **data.validated_data)
        return Response(KpiSerializer(kpi).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=KpiUpdateSerializer, responses={200: KpiSerializer})
    def update(self, request, pk=None, partial=False):
        kpi = self.get_object()
        check_if_match(request, KpiSerializer(kpi).data)
        data = KpiUpdateSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        kpi = services.kpi_update(actor=request.user, kpi=kpi, **data.validated_data)
        return Response(KpiSerializer(kpi).data)

    @extend_schema(request=KpiUpdateSerializer, responses={200: KpiSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


class MeasurementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """KPI time series, organisation-wide. Cursor-paginated: it grows without bound.

    Newest period first, ties newest id first (``ordering=period`` reverses both; ``ordering=id``
    or ``-id`` orders by id alone): every order ends in the id, so pages never shift, and each is an
    index range scan, for the whole list and for a KPI and a period range alike."""

    model = Measurement
    serializer_class = MeasurementSerializer
    filterset_class = MeasurementFilter
    pagination_class = ChangeStreamPagination
    search_fields = ["segment", "source"]
    ordering_fields = ["id", "period", "updated_at"]
    ordering = ["-period", "-id"]
    write_scope = Scope.MEASUREMENTS_WRITE

    def select(self, *, user, include_archived):
        return selectors.measurement_list()

    def list(self, request, *args, **kwargs):
        # MeasurementSerializer's answer written from value rows (measurement_list_data): the same
        # filters, search, ordering and cursor page, without two model instances and nine field
        # reads per row. The change walk reads its rows by key as model rows and keeps the
        # serializer. (A comment, not a docstring: the schema would take it as the description.)
        if change_feed_requested(request):
            return super().list(request, *args, **kwargs)
        rows = self.filter_queryset(self.get_queryset()).values(*MEASUREMENT_VALUES)
        page = self.paginate_queryset(rows)
        data = measurement_list_data(rows if page is None else page)
        return Response(data) if page is None else self.get_paginated_response(data)

    @extend_schema(
        request=MeasurementRowSerializer,
        responses={201: MeasurementSerializer, 200: MeasurementSerializer},
        description="Upsert one measurement by natural key: 201 when created, 200 when it existed.",
    )
    @idempotent
    def create(self, request):
        data = MeasurementRowSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        measurement, result = services.measurement_put(actor=request.user, **data.validated_data)
        answer = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(MeasurementSerializer(measurement).data, status=answer)

    @extend_schema(
        request=MeasurementBulkSerializer,
        responses={200: UpsertResultSerializer},
        description="Upsert up to 10,000 rows by natural key (kpi, segment, period, source), all or "
        "nothing: one bad row refuses the batch with an error per row and field (`rows[3].value`). "
        "Re-sending the same rows changes nothing. With an `Idempotency-Key`, a retry replays the "
        "first answer and writes nothing, so it cannot undo a correction made in between.",
    )
    @action(detail=False, methods=["post"])
    @idempotent
    def bulk(self, request):
        data = MeasurementBulkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.measurement_upsert_many(actor=request.user, rows=data.validated_data["rows"])
        return Response(UpsertResultSerializer(result).data)
