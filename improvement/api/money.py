"""Costs and benefits in the API: inputs, the named outputs (a line, a money summary), the viewsets."""

import django_filters
from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.conditional import check_if_match, honours_if_match
from common.api.idempotency import idempotent
from common.api.sync import ChangePagePagination
from improvement import roi, selectors
from improvement.api.common import CREATED, MONEY, ReadViewSet, VisibleInitiativeField, updated_since
from improvement.models import Benefit, BenefitKind, BenefitNature, Cost, CostKind
from improvement.services import money


@extend_schema_field({"type": "string", "pattern": "^[A-Z]{3}$", "example": "EUR"})
class CurrencyField(serializers.Field):
    """The ISO 4217 code every amount of the payload is in: the site's one currency, ``PDCA_CURRENCY``."""

    def __init__(self, **kwargs):
        kwargs.update(read_only=True, source="*", help_text="ISO 4217 code of every amount in this object.")
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return settings.PDCA_CURRENCY


class MoneySummarySerializer(serializers.Serializer):
    currency = CurrencyField()
    total_cost = serializers.FloatField(read_only=True)
    benefit_to_date = serializers.FloatField(read_only=True)
    projected_12m_benefit = serializers.FloatField(read_only=True)
    roi_percent = serializers.FloatField(read_only=True, allow_null=True, help_text="Null: no cost recorded.")
    payback_months = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Null: not within the horizon, or no benefit recorded yet.",
    )
    npv = serializers.FloatField(read_only=True)
    net_benefit = serializers.FloatField(
        read_only=True, help_text="Total benefit − total cost over the horizon."
    )
    irr_monthly = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Internal rate of return per month. Null: the flows have none.",
    )
    irr_annual = serializers.FloatField(
        read_only=True, allow_null=True, help_text="(1 + monthly IRR)^12 − 1. Null: no IRR."
    )
    discounted_payback_months = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="Payback of the flows discounted at the discount rate. Null as for payback_months.",
    )
    payback_target_months = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="The payback target judged against: the initiative's own, else the organisation's.",
    )
    payback_status = serializers.ChoiceField(
        choices=list(roi.PAYBACK_STATUSES.items()),
        read_only=True,
        allow_null=True,
        help_text="Payback against the target. Null: no target, or no benefit recorded yet.",
    )
    horizon_months = serializers.IntegerField(
        read_only=True, help_text="The initiative's own horizon, else the organisation's."
    )
    discount_rate = serializers.FloatField(
        read_only=True,
        help_text="Annual rate of the NPV (0.08 = 8 %): the initiative's own, else the organisation's.",
    )
    benefit_target = serializers.FloatField(
        source="target_benefit",
        read_only=True,
        help_text="Benefit over the horizon were the valued KPI targets met: gap × unit value.",
    )
    benefit_forecast = serializers.FloatField(
        source="forecast_benefit",
        read_only=True,
        help_text="Benefit over the horizon forecast when the initiative entered Do, locked then; 0 before.",
    )
    benefit_actual = serializers.FloatField(
        source="actual_benefit",
        read_only=True,
        help_text="Benefit over the horizon from the measured KPI change × unit value.",
    )
    benefit_validated = serializers.FloatField(
        source="split.validated", read_only=True, help_text="Benefit over the horizon validated by finance."
    )
    benefit_not_validated = serializers.FloatField(
        source="split.not_validated",
        read_only=True,
        help_text="Benefit over the horizon not validated: claimed lines and KPI-derived benefit.",
    )
    benefit_hard = serializers.FloatField(
        source="split.hard", read_only=True, help_text="Hard benefit lines."
    )
    benefit_soft = serializers.FloatField(
        source="split.soft", read_only=True, help_text="Soft benefit lines."
    )
    benefit_from_kpis = serializers.FloatField(
        source="split.derived", read_only=True, help_text="Measured KPI improvement × unit value."
    )


# --- costs ----------------------------------------------------------------------------------------


class RoiRangeEndSerializer(serializers.Serializer):
    monthly_benefit = serializers.FloatField(
        read_only=True, help_text="Gain on the KPI at this end of the interval × its unit value per month."
    )
    roi_percent = serializers.FloatField(read_only=True, allow_null=True, help_text="Null: no cost recorded.")
    payback_months = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Null: not within the horizon."
    )
    npv = serializers.FloatField(read_only=True)


class RoiRangeSerializer(serializers.Serializer):
    """The initiative's money at the low end, point estimate and high end of the interval of its
    experiment's effect on the primary KPI, valued at the KPI target's unit value per month."""

    currency = CurrencyField()
    low = RoiRangeEndSerializer(read_only=True)
    point = RoiRangeEndSerializer(read_only=True)
    high = RoiRangeEndSerializer(read_only=True)
    horizon_months = serializers.IntegerField(read_only=True)
    discount_rate = serializers.FloatField(read_only=True, help_text="Annual rate, 0.08 = 8 %.")
    confidence = serializers.FloatField(read_only=True, help_text="The interval's confidence, 1 − alpha.")
    experiment = serializers.IntegerField(source="experiment_id", read_only=True)
    experiment_name = serializers.CharField(read_only=True)
    kpi_name = serializers.CharField(read_only=True)


class CostSerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    currency = CurrencyField()

    class Meta:
        model = Cost
        fields = [
            "id",
            "initiative",
            "kind",
            "description",
            "amount",
            "currency",
            "start_month",
            "end_month",
            "version",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CostUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CostKind.choices)
    description = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(**MONEY, help_text="One-time: the whole amount; recurring: per month.")
    start_month = serializers.IntegerField(min_value=1, required=False)
    end_month = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="Recurring costs: the last month paid, included; null: every month to the horizon.",
    )


class CostInputSerializer(CostUpdateSerializer):
    initiative = VisibleInitiativeField()


class CostFilter(django_filters.FilterSet):
    updated_since = updated_since()

    class Meta:
        model = Cost
        fields = ["initiative", "kind"]


class CostViewSet(ReadViewSet):
    model = Cost
    serializer_class = CostSerializer
    filterset_class = CostFilter
    pagination_class = ChangePagePagination
    search_fields = ["description"]
    ordering_fields = ["id", "amount", "updated_at"]
    ordering = ["id"]

    def select(self, *, user, include_archived):
        return selectors.cost_list(user=user, include_archived=include_archived)

    @extend_schema(request=CostInputSerializer, responses={201: CostSerializer})
    @idempotent
    def create(self, request):
        cost = money.cost_create(actor=request.user, **self.parse(CostInputSerializer))
        return Response(CostSerializer(cost).data, status=CREATED)

    @extend_schema(request=CostUpdateSerializer, responses={200: CostSerializer})
    def update(self, request, pk=None, partial=False):
        cost = self.get_object()
        check_if_match(request, CostSerializer(cost).data)
        cost = money.cost_update(
            actor=request.user,
            cost=cost,
            expected_version=cost.version,
            **self.parse(CostUpdateSerializer, partial=partial),
        )
        return Response(CostSerializer(cost).data)

    @extend_schema(request=CostUpdateSerializer, responses={200: CostSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


# --- benefits -------------------------------------------------------------------------------------


class BenefitSerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived", read_only=True)
    currency = CurrencyField()

    class Meta:
        model = Benefit
        fields = [
            "id",
            "initiative",
            "kind",
            "nature",
            "description",
            "monthly_amount",
            "currency",
            "start_month",
            "end_month",
            "validated",
            "validated_by",
            "validated_at",
            "version",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BenefitUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BenefitKind.choices)
    description = serializers.CharField(max_length=200)
    monthly_amount = serializers.DecimalField(**MONEY)
    nature = serializers.ChoiceField(choices=BenefitNature.choices, required=False)
    start_month = serializers.IntegerField(min_value=1, required=False)
    end_month = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        help_text="The last month of the benefit, included; null: every month to the horizon.",
    )


class BenefitInputSerializer(BenefitUpdateSerializer):
    initiative = VisibleInitiativeField()


class BenefitValidationInputSerializer(serializers.Serializer):
    validated = serializers.BooleanField(default=True)


class BenefitFilter(django_filters.FilterSet):
    updated_since = updated_since()

    class Meta:
        model = Benefit
        fields = ["initiative", "kind", "nature", "validated"]


class BenefitViewSet(ReadViewSet):
    model = Benefit
    serializer_class = BenefitSerializer
    filterset_class = BenefitFilter
    pagination_class = ChangePagePagination
    search_fields = ["description"]
    ordering_fields = ["id", "monthly_amount", "updated_at"]
    ordering = ["id"]

    def select(self, *, user, include_archived):
        return selectors.benefit_list(user=user, include_archived=include_archived)

    @extend_schema(request=BenefitInputSerializer, responses={201: BenefitSerializer})
    @idempotent
    def create(self, request):
        benefit = money.benefit_create(actor=request.user, **self.parse(BenefitInputSerializer))
        return Response(BenefitSerializer(benefit).data, status=CREATED)

    @extend_schema(request=BenefitUpdateSerializer, responses={200: BenefitSerializer})
    def update(self, request, pk=None, partial=False):
        benefit = self.get_object()
        check_if_match(request, BenefitSerializer(benefit).data)
        fields = self.parse(BenefitUpdateSerializer, partial=partial)
        benefit = money.benefit_update(
            actor=request.user, benefit=benefit, expected_version=benefit.version, **fields
        )
        return Response(BenefitSerializer(benefit).data)

    @extend_schema(request=BenefitUpdateSerializer, responses={200: BenefitSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(
        request=BenefitValidationInputSerializer,
        responses={200: BenefitSerializer},
        description="Finance reviewers validate (or un-validate) a claimed saving. Honours If-Match: "
        "send the ETag of the line you reviewed, and a line changed since answers 412.",
    )
    @action(detail=True, methods=["post"])
    @honours_if_match
    def validate(self, request, pk=None):
        benefit = self.get_object()
        check_if_match(request, BenefitSerializer(benefit).data)
        benefit = money.benefit_validate(
            actor=request.user,
            benefit=benefit,
            expected_version=benefit.version,
            **self.parse(BenefitValidationInputSerializer),
        )
        return Response(BenefitSerializer(benefit).data)
