"""Initiatives, their status updates and the portfolio roll-up: filters and viewsets."""

import functools

import django_filters
from django.db import connections
from django.db.models import Count, Prefetch, Window
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from common.api.conditional import check_if_match, honours_if_match
from common.api.idempotency import idempotent
from common.api.sync import ChangePagePagination
from common.api.viewsets import INCLUDE_ARCHIVED_PARAM, ApiViewSet
from common.db_router import lag_tolerant_view
from common.sync import MARKER
from improvement import selectors
from improvement.api.common import CREATED, ReadViewSet, updated_since
from improvement.api.initiatives.columns import INITIATIVE_VALUES, initiative_list_data
from improvement.api.initiatives.serializers import (
    InitiativeInputSerializer,
    InitiativeProgressSerializer,
    InitiativeSerializer,
    InitiativeUpdateSerializer,
    PortfolioQuerySerializer,
    PortfolioSummarySerializer,
    StatusUpdateInputSerializer,
    StatusUpdateSerializer,
)
from improvement.api.stages import (
    DecisionInputSerializer,
    StageTransitionSerializer,
    TransitionInputSerializer,
)
from improvement.models import Initiative, StatusUpdate
from improvement.services import initiatives, stages, targets


class ValueRows:
    """A queryset's rows as tuples of ``columns`` (``INITIATIVE_VALUES``), for the paginator.

    The queryset (filters, search, ordering, the caller's visibility) picks the page's ids; their
    rows come from SQL written once (``initiative_rows``), instead of the ORM compiling the
    annotated ``values_list`` on every page. On PostgreSQL a page is one statement, the ids' query
    compiled into it (``initiative_rows_of_page``). Elsewhere, and for the pages read with their
    count or by the change feed, the ids come with their change markers and the two reads are two
    statements: a row written in between (its marker moved) is checked against the queryset again
    and left out unless it is still there, as read, so no row is answered in a version the caller's
    scope did not hold. The count runs on the queryset itself, as the generic list's does, except
    for a reader of some initiatives (``counted_with_page``): the ids they may read are all read
    and ordered to choose any page, so the page's query counts them too (``COUNT(*) OVER ()``),
    where a count apart read them all a second time (bench/: a lead's 2,000 rows at 100,000
    initiatives, 3.9 + 4.1 ms apart, 4.7 ms together). A ``count`` given replaces the queryset's.
    """

    def __init__(self, queryset, columns, *, counted_with_page: bool = False, count=None, ways=None):
        self.queryset = queryset
        self.counted = count
        # The same rows as ``queryset``, as the querysets of the ways in whose union they are
        # (``initiative_list_by_way_in``), each filtered and searched alike, built when a page is read
        # (a callable; None or [] without them): its rows and count then come from their union
        # (``_ways_slice_and_count``).
        self.ways = ways
        self.columns = tuple(columns)
        self.members_inline = selectors.initiative_rows_members_inline()
        if counted_with_page:
            self.slice_and_count = self._slice_and_count

    @functools.cached_property
    def keys(self):
        """The queryset's ids with their change markers."""
        return self.queryset.prefetch_related(None).values_list("pk", MARKER)

    def rows(self, marked: dict[int, int | None]) -> list:
        """The rows of the ids of ``marked`` (id → the marker the queryset read, None: unknown)."""
        found = selectors.initiative_rows(
            list(marked), columns=(*self.columns, MARKER), today=timezone.localdate()
        )
        pk, at = self.columns.index("id"), len(self.columns)
        moved = [row[pk] for row in found if row[at] != marked[row[pk]]]
        if moved:
            now = dict(self.queryset.prefetch_related(None).filter(pk__in=moved).values_list("pk", MARKER))
            found = [row for row in found if row[at] == marked[row[pk]] or now.get(row[pk]) == row[at]]
        return [row[:at] + row[at + 1 :] for row in found]

    def all(self) -> list:
        return self.rows(dict(self.keys))

    def members(self, rows) -> dict[int, list[int]]:
        """The members' ids of each row of the page."""
        pk = INITIATIVE_VALUES.index("id")
        if self.members_inline:
            return {row[pk]: row[-1] for row in rows}
        return selectors.initiative_member_ids(initiative_ids=[row[pk] for row in rows])

    @property
    def ordered(self) -> bool:
        return self.queryset.ordered

    def count(self) -> int:
        return self.queryset.count() if self.counted is None else self.counted()

    def _slice_and_count(self, bottom: int, top: int) -> tuple[list, int | None]:
        """The rows from ``bottom`` to ``top`` and the number of all rows; None for an empty page."""
        keys = self._ways_slice_and_count(bottom, top)
        if keys is None:
            keys = list(
                self.queryset.prefetch_related(None)
                .annotate(_rows=Window(Count("*")))
                .values_list("pk", MARKER, "_rows")[bottom:top]
            )
        if not keys:
            return [], None
        return self.rows({pk: marker for pk, marker, _ in keys}), keys[0][2]

    def _ways_slice_and_count(self, bottom: int, top: int) -> list[tuple] | None:
        """(id, marker, count of all) of the page, read from the union of the ways in, in the
        queryset's order; None without ways, or for an order other than by the initiative's fields."""
        order = self.queryset.query.order_by or Initiative._meta.ordering
        names = [name.removeprefix("-") if isinstance(name, str) else None for name in order]
        if self.ways is None or not all(name in ORDERABLE for name in names):
            return None
        ways = self.ways()
        if not ways:
            return None
        extra = [name for name in dict.fromkeys(names) if name not in ("id", "pk", MARKER)]
        at = {"id": 1, "pk": 1, MARKER: 2} | {name: 3 + i for i, name in enumerate(extra)}
        ordering = ", ".join(
            f"{at[name]} {'DESC' if asked.startswith('-') else 'ASC'}"
            for name, asked in zip(names, order, strict=True)
        )
        if not {"id", "pk"} & set(names):
            ordering += ", 1 ASC"  # rows tied on the order keep their place from page to page
        parts = [way.prefetch_related(None).order_by().values_list("pk", MARKER, *extra) for way in ways]
        union = parts[0].union(*parts[1:])  # a row reached by two ways in, once
        sql, params = union.query.get_compiler(using=self.queryset.db).as_sql()
        with connections[self.queryset.db].cursor() as cursor:
            cursor.execute(
                f"SELECT *, COUNT(*) OVER () FROM ({sql}) AS ways ORDER BY {ordering} LIMIT %s OFFSET %s",
                [*params, top - bottom, bottom],
            )
            return [(row[0], row[1], row[-1]) for row in cursor.fetchall()]

    def __getitem__(self, key):
        if isinstance(key, slice):
            if self.members_inline:
                # PostgreSQL: the page's ids and their rows in one statement, one snapshot.
                return selectors.initiative_rows_of_page(
                    self.queryset.prefetch_related(None).values_list("pk")[key],
                    columns=self.columns,
                    today=timezone.localdate(),
                )
            return self.rows(dict(self.keys[key]))
        pk, marker = self.keys[key]
        return self.rows({pk: marker})[0]

    # The change feed's page: the rows of the keys it read (common/api/sync.py, common/api/since.py),
    # each checked against the queryset again.
    def keyed(self, ids) -> list:
        return self.rows(dict.fromkeys(ids))

    @staticmethod
    def pk_of(row):
        return row[INITIATIVE_VALUES.index("id")]


# The orders a page of a reader of some is read in from the union of the ways in: by the initiative's
# own columns.
ORDERABLE = frozenset(
    {"pk", *(field.name for field in Initiative._meta.concrete_fields if not field.is_relation)}
)

# Parameters that choose a page or its order, never which rows: a list asked with these alone is
# the whole list.
UNFILTERED_PARAMS = frozenset({"page", "page_size", "ordering", "format", INCLUDE_ARCHIVED_PARAM})


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


class InitiativeViewSet(ReadViewSet):
    """Initiatives the caller may read; leads (their teams) and admins create and edit them."""

    model = Initiative
    serializer_class = InitiativeSerializer
    filterset_class = InitiativeFilter
    pagination_class = ChangePagePagination
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
        # A reader of everything asking for the whole list: its count is kept between writes.
        queryset = self.filter_queryset(self.get_queryset())
        whole = request.user.reads_everything and UNFILTERED_PARAMS.issuperset(request.query_params)

        def ways() -> list | None:
            by_way = selectors.initiative_list_by_way_in(
                user=request.user, include_archived=self.include_archived()
            )
            return by_way and [self.filter_queryset(way) for way in by_way]

        values = ValueRows(
            queryset,
            INITIATIVE_VALUES,
            ways=ways,
            counted_with_page=not request.user.reads_everything,
            count=functools.partial(
                selectors.initiative_count_unfiltered,
                initiatives=queryset,
                include_archived=self.include_archived(),
            )
            if whole
            else None,
        )
        page = self.paginate_queryset(values)
        rows = values.all() if page is None else page
        data = initiative_list_data(rows, members=values.members(rows))
        return Response(data) if page is None else self.get_paginated_response(data)

    @extend_schema(request=InitiativeInputSerializer, responses={201: InitiativeSerializer})
    @idempotent
    def create(self, request):
        initiative = initiatives.initiative_create(
            actor=request.user, **self.parse(InitiativeInputSerializer)
        )
        return Response(InitiativeSerializer(self.reread(initiative)).data, status=CREATED)

    @extend_schema(request=InitiativeUpdateSerializer, responses={200: InitiativeSerializer})
    def update(self, request, pk=None, partial=False):
        initiative = self.get_object()
        check_if_match(request, InitiativeSerializer(initiative).data)
        initiatives.initiative_update(
            actor=request.user,
            initiative=initiative,
            expected_version=initiative.version,
            **self.parse(InitiativeUpdateSerializer, partial=partial),
        )
        return Response(InitiativeSerializer(self.reread(initiative)).data)

    @extend_schema(request=InitiativeUpdateSerializer, responses={200: InitiativeSerializer})
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    @extend_schema(
        request=TransitionInputSerializer,
        responses={201: StageTransitionSerializer},
        description="Run the PDCA stage machine. A failed gate answers 409 `gate_failed` whose "
        "`details` list every gate condition with `passed`; executives and admins may override it "
        "with `override_reason`. Stepping back needs `reason`. Honours If-Match.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    @honours_if_match
    def transition(self, request, pk=None):
        initiative = self.get_object()
        check_if_match(request, InitiativeSerializer(initiative).data)
        record = stages.initiative_transition(
            actor=request.user,
            initiative=initiative,
            expected_version=initiative.version,
            **self.parse(TransitionInputSerializer),
        )
        return Response(StageTransitionSerializer(record).data, status=CREATED)

    @extend_schema(
        request=DecisionInputSerializer,
        responses={201: StageTransitionSerializer},
        description="End the cycle in Act: standardise, adapt (a new cycle starts in Plan) or abandon.",
    )
    @action(detail=True, methods=["post"])
    @idempotent
    @honours_if_match
    def decide(self, request, pk=None):
        initiative = self.get_object()
        check_if_match(request, InitiativeSerializer(initiative).data)
        record = stages.initiative_decide(
            actor=request.user,
            initiative=initiative,
            expected_version=initiative.version,
            **self.parse(DecisionInputSerializer),
        )
        return Response(StageTransitionSerializer(record).data, status=CREATED)

    @extend_schema(responses={200: InitiativeProgressSerializer})
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        report = selectors.initiative_progress(initiative=self.get_object())
        return Response(InitiativeProgressSerializer(report).data)


# --- status updates -----------------------------------------------------------------------------


class StatusUpdateFilter(django_filters.FilterSet):
    updated_since = updated_since()
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = StatusUpdate
        fields = ["initiative", "health", "author"]


class StatusUpdateViewSet(ReadViewSet):
    """The leads' dated health and narrative; the newest sets the initiative's health."""

    model = StatusUpdate
    serializer_class = StatusUpdateSerializer
    filterset_class = StatusUpdateFilter
    pagination_class = ChangePagePagination
    search_fields = ["narrative"]
    ordering_fields = ["date", "id", "updated_at"]
    ordering = ["-date", "-id"]

    def select(self, *, user, include_archived):
        return selectors.status_update_list(user=user)

    @extend_schema(request=StatusUpdateInputSerializer, responses={201: StatusUpdateSerializer})
    @idempotent
    def create(self, request):
        update = targets.status_update_post(actor=request.user, **self.parse(StatusUpdateInputSerializer))
        return Response(StatusUpdateSerializer(update).data, status=CREATED)


# --- the portfolio ------------------------------------------------------------------------------


class PortfolioViewSet(ApiViewSet):
    """The executive roll-up of the initiatives the caller reads."""

    model = Initiative
    pagination_class = None
    filter_backends: list = []

    def select(self, *, user, include_archived):
        return selectors.initiative_list(user=user)

    @extend_schema(parameters=[PortfolioQuerySerializer], responses={200: PortfolioSummarySerializer})
    @action(detail=False, methods=["get"])
    @lag_tolerant_view
    def summary(self, request):
        query = PortfolioQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.portfolio_summary(
            user=request.user,
            team_id=query.validated_data.get("team"),
            category=query.validated_data.get("category", ""),
        )
        return Response(PortfolioSummarySerializer(report).data)
