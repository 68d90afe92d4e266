import django_filters
from django.db.models import Q
from django.utils import timezone

from improvement.models import (
    OPEN_MILESTONE_STATUSES,
    Benefit,
    Cost,
    Initiative,
    KpiTarget,
    Milestone,
    StageTransition,
    StatusUpdate,
    WebhookSubscription,
)


def updated_since(field_name: str = "updated_at"):
    return django_filters.IsoDateTimeFilter(
        field_name=field_name,
        lookup_expr="gte",
        help_text="Only records changed at or after this ISO 8601 time; archived records are included "
        "(flagged `archived`) so a mirror can follow them.",
    )


class InitiativeFilter(django_filters.FilterSet):
    updated_since = updated_since()
    start_after = django_filters.DateFilter(field_name="start_date", lookup_expr="gte")
    start_before = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")
    target_end_after = django_filters.DateFilter(field_name="target_end_date", lookup_expr="gte")
    target_end_before = django_filters.DateFilter(field_name="target_end_date", lookup_expr="lte")

    class Meta:
        model = Initiative
        fields = [
            "code",
            "stage",
            "status",
            "health",
            "category",
            "breakpoint_type",
            "team",
            "lead",
            "sponsor",
        ]


class KpiTargetFilter(django_filters.FilterSet):
    updated_since = updated_since()
    kpi = django_filters.CharFilter(field_name="kpi__code", help_text="The KPI's code.")

    class Meta:
        model = KpiTarget
        fields = ["initiative", "kpi", "segment", "is_primary", "evaluation"]


class StatusUpdateFilter(django_filters.FilterSet):
    updated_since = updated_since()
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = StatusUpdate
        fields = ["initiative", "health", "author"]


class MilestoneFilter(django_filters.FilterSet):
    updated_since = updated_since()
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    overdue = django_filters.BooleanFilter(method="filter_overdue", help_text="Open and past its due date.")

    class Meta:
        model = Milestone
        fields = ["initiative", "owner", "status", "phase"]

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=OPEN_MILESTONE_STATUSES, due_date__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class CostFilter(django_filters.FilterSet):
    updated_since = updated_since()

    class Meta:
        model = Cost
        fields = ["initiative", "kind"]


class BenefitFilter(django_filters.FilterSet):
    updated_since = updated_since()

    class Meta:
        model = Benefit
        fields = ["initiative", "kind", "nature", "validated"]


class StageTransitionFilter(django_filters.FilterSet):
    # Transitions never change once written: "updated" means recorded.
    updated_since = updated_since("created_at")

    class Meta:
        model = StageTransition
        fields = ["initiative", "cycle", "from_stage", "to_stage", "gate_passed"]


class WebhookSubscriptionFilter(django_filters.FilterSet):
    # Subscriptions are never archived: unlike the other lists, nothing extra is included.
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Only subscriptions changed at or after this ISO 8601 time.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["is_active", "owner"]
