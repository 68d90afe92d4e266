"""Initiatives, their status updates, progress and the portfolio: input shapes (the services judge)
and named, read-only outputs."""

from decimal import Decimal

from rest_framework import serializers

from accounts.api.serializers import TeamRefSerializer, UserRefSerializer
from common.api.fields import ReferenceListField
from improvement.api.common import ID_RANGE, VisibleInitiativeField, VisibleTeamField, active_user_field
from improvement.api.initiatives.columns import INITIATIVE_KEYS
from improvement.api.money import MoneySummarySerializer, RoiRangeSerializer
from improvement.api.targets import TargetProgressSerializer
from improvement.models import (
    BreakpointType,
    Category,
    Health,
    Initiative,
    Quadrant,
    Stage,
    Status,
    StatusUpdate,
)
from improvement.models.initiatives import (
    MAX_DISCOUNT_RATE,
    MAX_HORIZON_MONTHS,
    MIN_DISCOUNT_RATE,
    MIN_HORIZON_MONTHS,
)

# --- initiatives ---------------------------------------------------------------------------------


class MilestoneCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(source="milestones_total", read_only=True)
    done = serializers.IntegerField(source="milestones_done", read_only=True)
    overdue = serializers.IntegerField(source="milestones_overdue", read_only=True)


class InitiativeSerializer(serializers.ModelSerializer):
    team = TeamRefSerializer(read_only=True)
    lead = UserRefSerializer(read_only=True)
    sponsor = UserRefSerializer(read_only=True, allow_null=True)
    members = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    quadrant = serializers.ChoiceField(choices=Quadrant.choices, read_only=True)
    milestones = MilestoneCountsSerializer(source="*", read_only=True)
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Initiative
        # The keys and their order are declared once, with the list's lean read path (columns.py).
        fields = list(INITIATIVE_KEYS)
        read_only_fields = fields


class InitiativeUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    team = VisibleTeamField()
    start_date = serializers.DateField()
    lead = active_user_field(required=False)
    sponsor = active_user_field(required=False, allow_null=True)
    members = ReferenceListField(active_user_field(), required=False)
    problem_statement = serializers.CharField(required=False, allow_blank=True)
    smart_goal = serializers.CharField(required=False, allow_blank=True)
    scope = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    breakpoint_type = serializers.ChoiceField(choices=BreakpointType.choices, required=False)
    impact = serializers.IntegerField(min_value=1, max_value=5, required=False)
    effort = serializers.IntegerField(min_value=1, max_value=5, required=False)
    target_end_date = serializers.DateField(required=False, allow_null=True)
    payback_target_months = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=Decimal("0.1"),
        required=False,
        allow_null=True,
        help_text="Months the investment should pay back in; null: the organisation's target. "
        "Read back as money.payback_target_months of the progress endpoint.",
    )
    horizon_months = serializers.IntegerField(
        min_value=MIN_HORIZON_MONTHS,
        max_value=MAX_HORIZON_MONTHS,
        required=False,
        allow_null=True,
        help_text="Months this initiative's money is counted over; null: the organisation's horizon. "
        "Read back as money.horizon_months of the progress endpoint.",
    )
    discount_rate = serializers.FloatField(
        min_value=MIN_DISCOUNT_RATE,
        max_value=MAX_DISCOUNT_RATE,
        required=False,
        allow_null=True,
        help_text="Annual discount rate of this initiative's NPV, a fraction (0.08 = 8 %); null: the "
        "organisation's rate. Read back as money.discount_rate of the progress endpoint.",
    )


class InitiativeInputSerializer(InitiativeUpdateSerializer):
    with_standard_plan = serializers.BooleanField(
        required=False, default=False, help_text="Add the 15 milestones of the standard 90-day plan."
    )


# --- status updates -----------------------------------------------------------------------------


class StatusUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = StatusUpdate
        fields = ["id", "initiative", "author", "date", "health", "narrative", "created_at", "updated_at"]
        read_only_fields = fields


class StatusUpdateInputSerializer(serializers.Serializer):
    initiative = VisibleInitiativeField()
    health = serializers.ChoiceField(choices=Health.choices)
    narrative = serializers.CharField()
    date = serializers.DateField(required=False, help_text="Defaults to today.")


# --- progress and portfolio ---------------------------------------------------------------------


class InitiativeProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="initiative.id", read_only=True)
    code = serializers.CharField(source="initiative.code", read_only=True)
    stage = serializers.ChoiceField(source="initiative.stage", choices=Stage.choices, read_only=True)
    status = serializers.ChoiceField(source="initiative.status", choices=Status.choices, read_only=True)
    health = serializers.ChoiceField(source="initiative.health", choices=Health.choices, read_only=True)
    cycle = serializers.IntegerField(source="initiative.cycle", read_only=True)
    milestones = MilestoneCountsSerializer(source="initiative", read_only=True)
    targets = TargetProgressSerializer(many=True, read_only=True)
    money = MoneySummarySerializer(read_only=True)
    roi_range = RoiRangeSerializer(
        read_only=True,
        allow_null=True,
        help_text="Null: no running or concluded experiment on a valued KPI target with an interval.",
    )


class PortfolioGroupSerializer(serializers.Serializer):
    key = serializers.CharField(read_only=True, help_text="Team id or category value.")
    label = serializers.CharField(read_only=True)
    initiatives = serializers.IntegerField(read_only=True)
    money = MoneySummarySerializer(read_only=True)


class PortfolioSummarySerializer(serializers.Serializer):
    initiatives = serializers.IntegerField(read_only=True)
    by_stage = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    by_health = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    by_status = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    money = MoneySummarySerializer(read_only=True)
    by_team = PortfolioGroupSerializer(many=True, read_only=True)
    by_category = PortfolioGroupSerializer(many=True, read_only=True)


class PortfolioQuerySerializer(serializers.Serializer):
    team = serializers.IntegerField(**ID_RANGE, required=False, help_text="Only this team's initiatives.")
    category = serializers.ChoiceField(choices=Category.choices, required=False)
