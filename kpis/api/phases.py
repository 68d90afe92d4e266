"""``/api/v1/kpis/{code}/phase-breaks/``: the dates a KPI's process changed (its control chart
computes limits per phase). GET lists them; a lead or an admin adds (POST) and removes (DELETE
``…/phase-breaks/{id}/``) them; the ones an initiative's move to Do marks come with its code."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.viewsets import ApiViewSet
from common.errors import NotFound
from kpis import selectors
from kpis.models import Kpi, PhaseBreak
from kpis.phases import MAX_LABEL_LENGTH, phase_break_create, phase_break_delete, phase_break_list


class PhaseBreakSerializer(serializers.ModelSerializer):
    class Meta:
        model = PhaseBreak
        fields = ["id", "segment", "starts", "label", "source", "reference", "created_at"]
        read_only_fields = fields


class PhaseBreakInputSerializer(serializers.Serializer):
    starts = serializers.DateField(help_text="The first period of the new phase.")
    label = serializers.CharField(max_length=MAX_LABEL_LENGTH, help_text="What changed.")
    segment = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text='"" = every segment.'
    )


class KpiPhaseBreakViewSet(ApiViewSet):
    """Shares the ``kpis/`` prefix with the catalogue; addresses a KPI by its code."""

    model = Kpi
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    pagination_class = None
    filter_backends: list = []

    def select(self, *, user, include_archived):
        return selectors.kpi_list(include_archived=True)

    @extend_schema(responses={200: PhaseBreakSerializer(many=True)}, description="The KPI's phase breaks.")
    @action(detail=True, methods=["get"], url_path="phase-breaks", url_name="phase-breaks")
    def phase_breaks(self, request, code=None):
        return Response(PhaseBreakSerializer(phase_break_list(kpi=self.get_object()), many=True).data)

    @extend_schema(
        request=PhaseBreakInputSerializer,
        responses={201: PhaseBreakSerializer},
        description="Mark the date a KPI's process changed (lead or admin; 409 if one starts that day).",
    )
    @phase_breaks.mapping.post
    def phase_break_add(self, request, code=None):
        data = self.parse(PhaseBreakInputSerializer)
        made = phase_break_create(actor=request.user, kpi=self.get_object(), **data)
        return Response(PhaseBreakSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, description="Remove a phase break (lead or admin).")
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"phase-breaks/(?P<break_id>[0-9]+)",
        url_name="phase-break",
    )
    def phase_break_remove(self, request, code=None, break_id=None):
        found = PhaseBreak.objects.filter(kpi=self.get_object(), pk=break_id).first()
        if found is None:
            raise NotFound()
        phase_break_delete(actor=request.user, phase_break=found)
        return Response(status=status.HTTP_204_NO_CONTENT)
