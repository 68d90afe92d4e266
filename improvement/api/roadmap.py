"""Milestones of the 90-day roadmap in the API: inputs, the named output, the filter and the viewset."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from common.api.conditional import check_if_match, honours_if_match
from common.api.idempotency import idempotent
from common.api.sync import ChangePagePagination
from improvement import selectors
from improvement.api.common import (
    CREATED,
    ReadViewSet,
    VisibleInitiativeField,
    active_user_field,
    blank_choice_field,
    updated_since,
)
from improvement.models import OPEN_MILESTONE_STATUSES, Milestone, MilestoneStatus, Phase
from improvement.services import roadmap


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


class MilestoneViewSet(ReadViewSet):
    """The 90-day roadmap. Owners change status, due date, description and acceptance criteria of their own
    milestones (``policies.MILESTONE_OWNER_FIELDS``), and complete and reopen them."""

    model = Milestone
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilter
    pagination_class = ChangePagePagination
    search_fields = ["title"]
    ordering_fields = ["due_date", "title", "updated_at", "id"]
    ordering = ["due_date", "id"]

    def select(self, *, user, include_archived):
        return selectors.milestone_list(user=user, include_archived=include_archived)

    @extend_schema(request=MilestoneInputSerializer, responses={201: MilestoneSerializer})
    @idempotent
    def create(self, request):
        milestone = roadmap.milestone_create(actor=request.user, **self.parse(MilestoneInputSerializer))
        return Response(MilestoneSerializer(self.reread(milestone)).data, status=CREATED)

    @extend_schema(request=MilestoneUpdateSerializer, responses={200: MilestoneSerializer})
    def update(self, request, pk=None, partial=False):
        milestone = self.get_object()
        check_if_match(request, MilestoneSerializer(milestone).data)
        roadmap.milestone_update(
            actor=request.user,
            milestone=milestone,
            expected_version=milestone.version,
            **self.parse(MilestoneUpdateSerializer, partial=partial),
        )
        return Response(MilestoneSerializer(self.reread(milestone)).data)

    @extend_schema(request=MilestoneUpdateSerializer, responses={200: MilestoneSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(request=None, responses={200: MilestoneSerializer})
    @action(detail=True, methods=["post"])
    @honours_if_match
    def complete(self, request, pk=None):
        milestone = self.get_object()
        check_if_match(request, MilestoneSerializer(milestone).data)
        roadmap.milestone_complete(
            actor=request.user, milestone=milestone, expected_version=milestone.version
        )
        return Response(MilestoneSerializer(self.reread(milestone)).data)

    @extend_schema(request=None, responses={200: MilestoneSerializer})
    @action(detail=True, methods=["post"])
    @honours_if_match
    def reopen(self, request, pk=None):
        """Undo ``complete``: the milestone returns to the open status it had before."""
        milestone = self.get_object()
        check_if_match(request, MilestoneSerializer(milestone).data)
        roadmap.milestone_reopen(actor=request.user, milestone=milestone, expected_version=milestone.version)
        return Response(MilestoneSerializer(self.reread(milestone)).data)
