"""Input serializers describe shape only (the services judge); output serializers are read-only."""

import functools

from django.db.models import BigIntegerField
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from accounts.api.serializers import TeamRefSerializer, UserRefSerializer
from accounts.models import Team, User
from accounts.selectors import team_list
from improvement.models import (
    Benefit,
    BenefitKind,
    BenefitNature,
    BreakpointType,
    Category,
    Cost,
    CostKind,
    Decision,
    Evaluation,
    Health,
    Initiative,
    KpiTarget,
    Milestone,
    MilestoneStatus,
    Phase,
    Quadrant,
    Stage,
    StageTransition,
    Status,
    StatusUpdate,
    quadrant_for,
)
from improvement.selectors import initiative_list, target_progress
from kpis.models import Direction, Kpi, Unit

MONEY = {"max_digits": 14, "decimal_places": 2}
# An id given as a plain number (not a related field) must fit a key before it reaches a query:
# a foreign-key lookup passes it to the database unchecked, and SQLite cannot bind beyond 64 bits.
ID_RANGE = {"min_value": 1, "max_value": BigIntegerField.MAX_BIGINT}


# --- references to other objects in input: only what the caller can see resolves -----------------


class VisibleInitiativeField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Initiative.objects.all(), **kwargs)

    def get_queryset(self):
        return initiative_list(user=self.context["request"].user)


class VisibleTeamField(serializers.PrimaryKeyRelatedField):
    def __init__(self, **kwargs):
        super().__init__(queryset=Team.objects.all(), **kwargs)

    def get_queryset(self):
        return team_list(user=self.context["request"].user)


def active_user_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(queryset=User.objects.filter(is_active=True), **kwargs)


def kpi_code_field(**kwargs):
    return serializers.SlugRelatedField(
        slug_field="code", queryset=Kpi.objects.active(), help_text="The KPI's code.", **kwargs
    )


def blank_choice_field(choices, **kwargs):
    """A read-only choice that may be "" (a blank model field): the schema must admit the blank.

    A ``ModelSerializer`` drops ``allow_blank`` from read-only fields, so its generated field would
    document the enum alone while answering "".
    """
    return serializers.ChoiceField(choices=choices.choices, allow_blank=True, read_only=True, **kwargs)


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
        fields = [
            "id",
            "code",
            "title",
            "problem_statement",
            "smart_goal",
            "scope",
            "category",
            "breakpoint_type",
            "team",
            "lead",
            "sponsor",
            "members",
            "impact",
            "effort",
            "quadrant",
            "health",
            "start_date",
            "target_end_date",
            "stage",
            "status",
            "cycle",
            "cycle_started_on",
            "version",
            "milestones",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


# The list's lean read path (``InitiativeViewSet.list``): the same representation as
# ``InitiativeSerializer``, written from plain value rows instead of model instances walked field by
# field (bench/: a page of 100 spent ~8 ms building instances and ~6 ms in DRF's fields). The keys,
# their order and every value's type and format are those of the serializer;
# tests/api/test_initiative_list_fast.py holds the two to the same output.
INITIATIVE_LIST_COLUMNS = (
    "id",
    "code",
    "title",
    "problem_statement",
    "smart_goal",
    "scope",
    "category",
    "breakpoint_type",
    "team_id",
    "team__name",
    "lead_id",
    "lead__email",
    "lead__full_name",
    "sponsor_id",
    "sponsor__email",
    "sponsor__full_name",
    "impact",
    "effort",
    "health",
    "start_date",
    "target_end_date",
    "stage",
    "status",
    "cycle",
    "cycle_started_on",
    "version",
    "milestones_total",
    "milestones_done",
    "milestones_overdue",
    "archived_at",
    "created_at",
    "updated_at",
)


@functools.cache
def _quadrant(impact: int, effort: int) -> str:
    return serializers.ChoiceField(choices=Quadrant.choices).to_representation(quadrant_for(impact, effort))


def _date_writer():
    """``DateField().to_representation`` (None stays None), without the field per value."""
    field = serializers.DateField()
    output = api_settings.DATE_FORMAT
    if output is None or output.lower() != ISO_8601:
        return lambda value: None if value is None else field.to_representation(value)
    return lambda value: None if value is None else value.isoformat()


def _datetime_writer():
    """``DateTimeField().to_representation``: ISO 8601 in the current time zone, UTC as ``Z``."""
    field = serializers.DateTimeField()
    output = api_settings.DATETIME_FORMAT
    zone = field.default_timezone()
    if output is None or output.lower() != ISO_8601 or zone is None:
        return lambda value: None if value is None else field.to_representation(value)

    def write(value):
        if value is None:
            return None
        if value.utcoffset() is None:
            return field.to_representation(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return write


def initiative_list_data(rows, *, members: dict[int, list[int]]) -> list[dict]:
    """``InitiativeSerializer(many=True).data`` for rows of ``INITIATIVE_LIST_COLUMNS`` (a
    ``values_list`` of ``initiative_list``) and the members' ids of each (``initiative_member_ids``)."""
    date = _date_writer()
    moment = _datetime_writer()
    data = []
    for (
        pk,
        code,
        title,
        problem_statement,
        smart_goal,
        scope,
        category,
        breakpoint_type,
        team_id,
        team_name,
        lead_id,
        lead_email,
        lead_full_name,
        sponsor_id,
        sponsor_email,
        sponsor_full_name,
        impact,
        effort,
        health,
        start_date,
        target_end_date,
        stage,
        status,
        cycle,
        cycle_started_on,
        version,
        milestones_total,
        milestones_done,
        milestones_overdue,
        archived_at,
        created_at,
        updated_at,
    ) in rows:
        data.append(
            {
                "id": pk,
                "code": code,
                "title": title,
                "problem_statement": problem_statement,
                "smart_goal": smart_goal,
                "scope": scope,
                "category": category,
                "breakpoint_type": breakpoint_type,
                "team": {"id": team_id, "name": team_name},
                "lead": {"id": lead_id, "email": lead_email, "full_name": lead_full_name},
                "sponsor": None
                if sponsor_id is None
                else {"id": sponsor_id, "email": sponsor_email, "full_name": sponsor_full_name},
                "members": members.get(pk, []),
                "impact": impact,
                "effort": effort,
                "quadrant": _quadrant(impact, effort),
                "health": health,
                "start_date": date(start_date),
                "target_end_date": date(target_end_date),
                "stage": stage,
                "status": status,
                "cycle": cycle,
                "cycle_started_on": date(cycle_started_on),
                "version": version,
                "milestones": {
                    "total": milestones_total,
                    "done": milestones_done,
                    "overdue": milestones_overdue,
                },
                "archived": archived_at is not None,
                "archived_at": moment(archived_at),
                "created_at": moment(created_at),
                "updated_at": moment(updated_at),
            }
        )
    return data


class InitiativeUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    team = VisibleTeamField()
    start_date = serializers.DateField()
    lead = active_user_field(required=False)
    sponsor = active_user_field(required=False, allow_null=True)
    members = active_user_field(many=True, required=False)
    problem_statement = serializers.CharField(required=False, allow_blank=True)
    smart_goal = serializers.CharField(required=False, allow_blank=True)
    scope = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    breakpoint_type = serializers.ChoiceField(choices=BreakpointType.choices, required=False)
    impact = serializers.IntegerField(min_value=1, max_value=5, required=False)
    effort = serializers.IntegerField(min_value=1, max_value=5, required=False)
    target_end_date = serializers.DateField(required=False, allow_null=True)


class InitiativeInputSerializer(InitiativeUpdateSerializer):
    with_standard_plan = serializers.BooleanField(
        required=False, default=False, help_text="Add the 15 milestones of the standard 90-day plan."
    )


class TransitionInputSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed to step back."
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Executives and admins only: move although the gate failed, and say why.",
    )


class DecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class GateConditionSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
    passed = serializers.BooleanField(read_only=True)
    detail = serializers.CharField(read_only=True)


class StageTransitionSerializer(serializers.ModelSerializer):
    gate_result = GateConditionSerializer(many=True, read_only=True)
    overridden = serializers.BooleanField(read_only=True)
    decision = blank_choice_field(Decision, help_text='"" for a move that is not an Act decision.')

    class Meta:
        model = StageTransition
        fields = [
            "id",
            "initiative",
            "cycle",
            "from_stage",
            "to_stage",
            "actor",
            "note",
            "reason",
            "override_reason",
            "overridden",
            "gate_passed",
            "gate_result",
            "decision",
            "created_at",
        ]
        read_only_fields = fields


# --- progress and portfolio ---------------------------------------------------------------------


class MoneySummarySerializer(serializers.Serializer):
    total_cost = serializers.FloatField(read_only=True)
    benefit_to_date = serializers.FloatField(read_only=True)
    projected_12m_benefit = serializers.FloatField(read_only=True)
    roi_percent = serializers.FloatField(read_only=True, allow_null=True)
    payback_months = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Null: not within the horizon."
    )
    npv = serializers.FloatField(read_only=True)


class KpiRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    unit = serializers.ChoiceField(choices=Unit.choices, read_only=True)
    direction = serializers.ChoiceField(choices=Direction.choices, read_only=True)


class TargetProgressSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="target.id", read_only=True)
    kpi = KpiRefSerializer(source="target.kpi", read_only=True)
    segment = serializers.CharField(source="target.segment", read_only=True)
    is_primary = serializers.BooleanField(source="target.is_primary", read_only=True)
    baseline = serializers.FloatField(source="target.baseline_value", read_only=True)
    target = serializers.FloatField(source="target.target_value", read_only=True)
    current = serializers.FloatField(read_only=True, allow_null=True)
    progress = serializers.FloatField(
        source="progress_clamped", read_only=True, allow_null=True, help_text="0 = baseline, 1 = target."
    )
    progress_raw = serializers.FloatField(
        source="progress", read_only=True, allow_null=True, help_text="Unclamped: < 0 worse, > 1 beyond."
    )
    evaluation = serializers.ChoiceField(
        source="target.evaluation", choices=Evaluation.choices, read_only=True, allow_blank=True
    )


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


# --- KPI targets --------------------------------------------------------------------------------


class KpiTargetSerializer(serializers.ModelSerializer):
    kpi = KpiRefSerializer(read_only=True)
    current_value = serializers.FloatField(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField(help_text="0 = baseline, 1 = target (unclamped).")
    evaluation = blank_choice_field(Evaluation, help_text='"" until the target is evaluated in Check.')
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = KpiTarget
        fields = [
            "id",
            "initiative",
            "kpi",
            "segment",
            "baseline_value",
            "baseline_start",
            "baseline_end",
            "target_value",
            "target_date",
            "is_primary",
            "unit_value_per_month",
            "current_value",
            "progress",
            "evaluation",
            "evaluated_at",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_progress(self, target) -> float | None:
        return target_progress(target).progress


class KpiTargetUpdateSerializer(serializers.Serializer):
    baseline_value = serializers.FloatField()
    target_value = serializers.FloatField()
    segment = serializers.CharField(max_length=100, required=False, allow_blank=True)
    baseline_start = serializers.DateField(required=False, allow_null=True)
    baseline_end = serializers.DateField(required=False, allow_null=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    is_primary = serializers.BooleanField(required=False)
    unit_value_per_month = serializers.DecimalField(**MONEY, required=False, allow_null=True)


class KpiTargetInputSerializer(KpiTargetUpdateSerializer):
    initiative = VisibleInitiativeField()
    kpi = kpi_code_field()


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


# --- milestones ---------------------------------------------------------------------------------


class MilestoneSerializer(serializers.ModelSerializer):
    dependencies = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    overdue = serializers.SerializerMethodField()
    phase = blank_choice_field(Phase, help_text='"" for a milestone outside the 90-day plan\'s phases.')
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Milestone
        fields = [
            "id",
            "initiative",
            "title",
            "description",
            "acceptance_criteria",
            "owner",
            "due_date",
            "status",
            "phase",
            "dependencies",
            "overdue",
            "completed_at",
            "version",
            "archived",
            "archived_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_overdue(self, milestone) -> bool:
        return milestone.is_overdue(today=timezone.localdate())


class MilestoneUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_date = serializers.DateField()
    owner = active_user_field(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    acceptance_criteria = serializers.CharField(required=False, allow_blank=True)
    phase = serializers.ChoiceField(choices=Phase.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=MilestoneStatus.choices, required=False)


class MilestoneInputSerializer(MilestoneUpdateSerializer):
    initiative = VisibleInitiativeField()


# --- money --------------------------------------------------------------------------------------


class CostSerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Cost
        fields = [
            "id",
            "initiative",
            "kind",
            "description",
            "amount",
            "start_month",
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


class CostInputSerializer(CostUpdateSerializer):
    initiative = VisibleInitiativeField()


class BenefitSerializer(serializers.ModelSerializer):
    archived = serializers.BooleanField(source="is_archived", read_only=True)

    class Meta:
        model = Benefit
        fields = [
            "id",
            "initiative",
            "kind",
            "nature",
            "description",
            "monthly_amount",
            "start_month",
            "validated",
            "validated_by",
            "validated_at",
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


class BenefitInputSerializer(BenefitUpdateSerializer):
    initiative = VisibleInitiativeField()


class BenefitValidationInputSerializer(serializers.Serializer):
    validated = serializers.BooleanField(default=True)
