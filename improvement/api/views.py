"""Improvement endpoints: parse input, read through a user-scoped selector, call one service."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Scope, User
from common.api.conditional import check_if_match
from common.api.idempotency import idempotent
from common.api.pagination import StreamCursorPagination
from common.api.viewsets import ApiViewSet
from improvement import selectors
from improvement.api import filters
from improvement.api import serializers as s
from improvement.models import Benefit, Cost, Initiative, KpiTarget, Milestone, StageTransition, StatusUpdate
from improvement.services import initiatives, money, roadmap, stages, targets

CREATED = status.HTTP_201_CREATED


class ValueRows:
    """A queryset's rows as ``values_list`` tuples of ``columns``, for the paginator.

    The page reads the columns (their JOINs included); the count runs on the queryset itself, as
    the generic list's does, without the JOINs that the related columns add.
    """

    def __init__(self, queryset, columns):
        self.queryset = queryset
        self.values = queryset.prefetch_related(None).values_list(*columns)

    @property
    def ordered(self) -> bool:
        return self.queryset.ordered

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, key):
        return self.values[key]


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    write_scope = Scope.INITIATIVES_WRITE


class InitiativeViewSet(ReadViewSet):
    """Initiatives the caller may read; leads (their teams) and admins create and edit them."""

    model = Initiative
    serializer_class = s.InitiativeSerializer
    filterset_class = filters.InitiativeFilter
    search_fields = ["code", "title"]
    ordering_fields = ["code", "title", "start_date", "target_end_date", "updated_at", "id"]
    ordering = ["code"]

    def select(self, *, user, include_archived):
        qs = selectors.initiative_list(user=user, include_archived=include_archived)
        # The answer lists the members' ids only: no full user rows for them.
        return qs.prefetch_related(Prefetch("members", queryset=User.objects.only("pk")))

    def list(self, request, *args, **kwargs):
        # InitiativeSerializer's answer written from value rows: no model instances, no field walk.
        # Same rows, filters, ordering and page as the generic list (the queryset is the same up to
        # values_list); the members' ids come in one query for the page. (A comment, not a
        # docstring: the schema would take a docstring as the operation's description.)
        rows = ValueRows(self.filter_queryset(self.get_queryset()), s.INITIATIVE_LIST_COLUMNS)
        page = self.paginate_queryset(rows)
        rows = list(rows.values) if page is None else page
        data = s.initiative_list_data(rows, members=selectors.initiative_member_ids(r[0] for r in rows))
        return Response(data) if page is None else self.get_paginated_response(data)

    @extend_schema(request=s.InitiativeInputSerializer, responses={201: s.InitiativeSerializer})
    @idempotent
    def create(self, request):
        initiative = initiatives.initiative_create(
            actor=request.user, **self.parse(s.InitiativeInputSerializer)
        )
        return Response(s.InitiativeSerializer(self.reread(initiative)).data, status=CREATED)

    @extend_schema(request=s.InitiativeUpdateSerializer, responses={200: s.InitiativeSerializer})
    def update(self, request, pk=None, partial=False):
        initiative = self.get_object()
        check_if_match(request, s.InitiativeSerializer(initiative).data)
        initiatives.initiative_update(
            actor=request.user,
            initiative=initiative,
            expected_version=initiative.version,
            **self.parse(s.InitiativeUpdateSerializer, partial=partial),
        )
        return Response(s.InitiativeSerializer(self.reread(initiative)).data)

    @extend_schema(request=s.InitiativeUpdateSerializer, responses={200: s.InitiativeSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(
        request=s.TransitionInputSerializer,
        responses={201: s.StageTransitionSerializer},
        description="Run the PDCA stage machine. A failed gate answers 409 `gate_failed` whose "
        "`details` list every gate condition with `passed`; executives and admins may override it "
        "with `override_reason`. Stepping back needs `reason`. Honours If-Match.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transition(self, request, pk=None):
        initiative = self.get_object()
        check_if_match(request, s.InitiativeSerializer(initiative).data)
        record = stages.initiative_transition(
            actor=request.user,
            initiative=initiative,
            expected_version=initiative.version,
            **self.parse(s.TransitionInputSerializer),
        )
        return Response(s.StageTransitionSerializer(record).data, status=CREATED)

    @extend_schema(
        request=s.DecisionInputSerializer,
        responses={201: s.StageTransitionSerializer},
        description="End the cycle in Act: standardise, adapt (a new cycle starts in Plan) or abandon.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def decide(self, request, pk=None):
        initiative = self.get_object()
        check_if_match(request, s.InitiativeSerializer(initiative).data)
        record = stages.initiative_decide(
            actor=request.user,
            initiative=initiative,
            expected_version=initiative.version,
            **self.parse(s.DecisionInputSerializer),
        )
        return Response(s.StageTransitionSerializer(record).data, status=CREATED)

    @extend_schema(responses={200: s.InitiativeProgressSerializer})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        report = selectors.initiative_progress(initiative=self.get_object())
        return Response(s.InitiativeProgressSerializer(report).data)


class KpiTargetViewSet(ReadViewSet):
    model = KpiTarget
    serializer_class = s.KpiTargetSerializer
    filterset_class = filters.KpiTargetFilter
    search_fields = ["kpi__name", "kpi__code", "segment"]
    ordering_fields = ["id", "updated_at", "target_date"]
    ordering = ["id"]

    def select(self, *, user, include_archived):
        return selectors.kpi_target_list(user=user, include_archived=include_archived)

    @extend_schema(request=s.KpiTargetInputSerializer, responses={201: s.KpiTargetSerializer})
    @idempotent
    def create(self, request):
        target = targets.kpi_target_create(actor=request.user, **self.parse(s.KpiTargetInputSerializer))
        return Response(s.KpiTargetSerializer(self.reread(target)).data, status=CREATED)

    @extend_schema(request=s.KpiTargetUpdateSerializer, responses={200: s.KpiTargetSerializer})
    def update(self, request, pk=None, partial=False):
        target = self.get_object()
        check_if_match(request, s.KpiTargetSerializer(target).data)
        fields = self.parse(s.KpiTargetUpdateSerializer, partial=partial)
        targets.kpi_target_update(actor=request.user, target=target, **fields)
        return Response(s.KpiTargetSerializer(self.reread(target)).data)

    @extend_schema(request=s.KpiTargetUpdateSerializer, responses={200: s.KpiTargetSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


class StatusUpdateViewSet(ReadViewSet):
    """The leads' dated health and narrative; the newest sets the initiative's health."""

    model = StatusUpdate
    serializer_class = s.StatusUpdateSerializer
    filterset_class = filters.StatusUpdateFilter
    search_fields = ["narrative"]
    ordering_fields = ["date", "id", "updated_at"]
    ordering = ["-date", "-id"]

    def select(self, *, user, include_archived):
        return selectors.status_update_list(user=user)

    @extend_schema(request=s.StatusUpdateInputSerializer, responses={201: s.StatusUpdateSerializer})
    @idempotent
    def create(self, request):
        update = targets.status_update_post(actor=request.user, **self.parse(s.StatusUpdateInputSerializer))
        return Response(s.StatusUpdateSerializer(update).data, status=CREATED)


class MilestoneViewSet(ReadViewSet):
    """The 90-day roadmap. Owners change status and description of their own milestones."""

    model = Milestone
    serializer_class = s.MilestoneSerializer
    filterset_class = filters.MilestoneFilter
    search_fields = ["title"]
    ordering_fields = ["due_date", "title", "updated_at", "id"]
    ordering = ["due_date", "id"]

    def select(self, *, user, include_archived):
        return selectors.milestone_list(user=user, include_archived=include_archived)

    @extend_schema(request=s.MilestoneInputSerializer, responses={201: s.MilestoneSerializer})
    @idempotent
    def create(self, request):
        milestone = roadmap.milestone_create(actor=request.user, **self.parse(s.MilestoneInputSerializer))
        return Response(s.MilestoneSerializer(self.reread(milestone)).data, status=CREATED)

    @extend_schema(request=s.MilestoneUpdateSerializer, responses={200: s.MilestoneSerializer})
    def update(self, request, pk=None, partial=False):
        milestone = self.get_object()
        check_if_match(request, s.MilestoneSerializer(milestone).data)
        roadmap.milestone_update(
            actor=request.user,
            milestone=milestone,
            expected_version=milestone.version,
            **self.parse(s.MilestoneUpdateSerializer, partial=partial),
        )
        return Response(s.MilestoneSerializer(self.reread(milestone)).data)

    @extend_schema(request=s.MilestoneUpdateSerializer, responses={200: s.MilestoneSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(request=None, responses={200: s.MilestoneSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        milestone = self.get_object()
        check_if_match(request, s.MilestoneSerializer(milestone).data)
        roadmap.milestone_complete(
            actor=request.user, milestone=milestone, expected_version=milestone.version
        )
        return Response(s.MilestoneSerializer(self.reread(milestone)).data)


class CostViewSet(ReadViewSet):
    model = Cost
    serializer_class = s.CostSerializer
    filterset_class = filters.CostFilter
    search_fields = ["description"]
    ordering_fields = ["id", "amount", "updated_at"]
    ordering = ["id"]

    def select(self, *, user, include_archived):
        return selectors.cost_list(user=user, include_archived=include_archived)

    @extend_schema(request=s.CostInputSerializer, responses={201: s.CostSerializer})
    @idempotent
    def create(self, request):
        cost = money.cost_create(actor=request.user, **self.parse(s.CostInputSerializer))
        return Response(s.CostSerializer(cost).data, status=CREATED)

    @extend_schema(request=s.CostUpdateSerializer, responses={200: s.CostSerializer})
    def update(self, request, pk=None, partial=False):
        cost = self.get_object()
        check_if_match(request, s.CostSerializer(cost).data)
        cost = money.cost_update(
            actor=request.user, cost=cost, **self.parse(s.CostUpdateSerializer, partial=partial)
        )
        return Response(s.CostSerializer(cost).data)

    @extend_schema(request=s.CostUpdateSerializer, responses={200: s.CostSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


class BenefitViewSet(ReadViewSet):
    model = Benefit
    serializer_class = s.BenefitSerializer
    filterset_class = filters.BenefitFilter
    search_fields = ["description"]
    ordering_fields = ["id", "monthly_amount", "updated_at"]
    ordering = ["id"]

    def select(self, *, user, include_archived):
        return selectors.benefit_list(user=user, include_archived=include_archived)

    @extend_schema(request=s.BenefitInputSerializer, responses={201: s.BenefitSerializer})
    @idempotent
    def create(self, request):
        benefit = money.benefit_create(actor=request.user, **self.parse(s.BenefitInputSerializer))
        return Response(s.BenefitSerializer(benefit).data, status=CREATED)

    @extend_schema(request=s.BenefitUpdateSerializer, responses={200: s.BenefitSerializer})
    def update(self, request, pk=None, partial=False):
        benefit = self.get_object()
        check_if_match(request, s.BenefitSerializer(benefit).data)
        fields = self.parse(s.BenefitUpdateSerializer, partial=partial)
        benefit = money.benefit_update(actor=request.user, benefit=benefit, **fields)
        return Response(s.BenefitSerializer(benefit).data)

    @extend_schema(request=s.BenefitUpdateSerializer, responses={200: s.BenefitSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(
        request=s.BenefitValidationInputSerializer,
        responses={200: s.BenefitSerializer},
        description="Finance reviewers validate (or un-validate) a claimed saving.",
    )
    @action(detail=True, methods=["post"])
    def validate(self, request, pk=None):
        benefit = money.benefit_validate(
            actor=request.user, benefit=self.get_object(), **self.parse(s.BenefitValidationInputSerializer)
        )
        return Response(s.BenefitSerializer(benefit).data)


class StageTransitionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Every PDCA move with its gate verdict. Cursor-paginated: history only grows."""

    model = StageTransition
    serializer_class = s.StageTransitionSerializer
    filterset_class = filters.StageTransitionFilter
    pagination_class = StreamCursorPagination
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def select(self, *, user, include_archived):
        return selectors.transition_list(user=user)


class PortfolioViewSet(ApiViewSet):
    """The executive roll-up of the initiatives the caller reads."""

    model = Initiative
    pagination_class = None
    filter_backends: list = []

    def select(self, *, user, include_archived):
        return selectors.initiative_list(user=user)

    @extend_schema(parameters=[s.PortfolioQuerySerializer], responses={200: s.PortfolioSummarySerializer})
    @action(detail=False, methods=["get"])
    def summary(self, request):
        query = s.PortfolioQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.portfolio_summary(
            user=request.user,
            team_id=query.validated_data.get("team"),
            category=query.validated_data.get("category", ""),
        )
        return Response(s.PortfolioSummarySerializer(report).data)
