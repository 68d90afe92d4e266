from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.filters import ApiTokenFilter, TeamFilter
from accounts.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenInputSerializer,
    ApiTokenSerializer,
    MeSerializer,
    TeamInputSerializer,
    TeamSerializer,
    TeamUpdateSerializer,
)
from accounts.models import ApiToken, Team, User
from common.api.conditional import check_if_match
from common.api.idempotency import idempotent
from common.api.sync import ChangePagePagination
from common.api.viewsets import ANY_SCOPE, SESSION_ONLY, ApiViewSet


class TeamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """Teams the caller can see (every team for admins, executives and finance). Admins write."""

    model = Team
    serializer_class = TeamSerializer
    filterset_class = TeamFilter
    pagination_class = ChangePagePagination
    search_fields = ["name"]
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["name"]

    def select(self, *, user, include_archived):
        return selectors.team_list(user=user, include_archived=include_archived)

    @extend_schema(request=TeamInputSerializer, responses={201: TeamSerializer})
    @idempotent
    def create(self, request):
        data = TeamInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = services.team_create(actor=request.user, **data.validated_data)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TeamUpdateSerializer, responses={200: TeamSerializer})
    def partial_update(self, request, pk=None):
        team = self.get_object()
        check_if_match(request, TeamSerializer(team).data)
        data = TeamUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        team = services.team_update(actor=request.user, team=team, **data.validated_data)
        return Response(TeamSerializer(team).data)


class MeViewSet(ApiViewSet):
    """Who the caller is: any valid token may ask."""

    model = User
    read_scope = ANY_SCOPE
    pagination_class = None

    def select(self, *, user, include_archived):
        return User.objects.filter(pk=user.pk)

    @extend_schema(responses={200: MeSerializer})
    @action(detail=False, methods=["get"])
    def me(self, request):
        return Response(MeSerializer(selectors.user_with_teams(user=request.user)).data)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """The caller's own tokens. Managed from a signed-in session only: a token cannot mint tokens."""

    model = ApiToken
    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilter
    pagination_class = ChangePagePagination
    search_fields = ["name"]
    ordering_fields = ["created_at", "name", "id"]
    ordering = ["-created_at"]
    read_scope = SESSION_ONLY
    write_scope = SESSION_ONLY

    def select(self, *, user, include_archived):
        return selectors.token_list(user=user)

    # Not idempotent on purpose: a replay would have to keep the secret somewhere to show it again.
    @extend_schema(request=ApiTokenInputSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request):
        data = ApiTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, secret = services.token_create(actor=request.user, **data.validated_data)
        token.secret = secret
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = services.token_revoke(actor=request.user, token=self.get_object())
        return Response(ApiTokenSerializer(token).data)
