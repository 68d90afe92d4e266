"""The base of every API viewset: auth and scopes, the one scoping hook, conditional GETs."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import permissions, viewsets
from rest_framework.exceptions import ValidationError

from common.api.conditional import ConditionalMixin
from common.api.inputs import refuse_null_characters
from common.api.pagination import PagePagination
from common.api.permissions import ANY_SCOPE, SESSION_ONLY, TokenScopes

SAFE_METHODS = permissions.SAFE_METHODS
INTEGER_LOOKUP = "[0-9]+"
# A list that is asked for changes (since a time, or after a change cursor) also shows archived
# rows, so mirrors follow them.
SYNC_PARAM = "updated_since"
CHANGE_CURSOR_PARAM = "change_cursor"
INCLUDE_ARCHIVED_PARAM = "include_archived"
TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
FALSE_VALUES = frozenset({"", "0", "false", "no", "off"})
MSG_NOT_A_BOOLEAN = gettext_noop("Use true or false.")


class ApiViewSet(ConditionalMixin, viewsets.GenericViewSet):
    """Subclasses name their ``model``, scopes, serializers and ``select(user=, include_archived=)``.

    ``select`` is the single place a viewset scopes rows to the caller: it calls a user-scoped
    selector, so an object the caller cannot see answers 404 exactly like one that does not exist.
    """

    permission_classes = [permissions.IsAuthenticated, TokenScopes]
    pagination_class = PagePagination
    # Ids are integers, as the schema says: anything else matches no route (the JSON 404 of
    # config/urls.py) instead of reaching a query.
    lookup_value_regex = INTEGER_LOOKUP
    model = None
    read_scope = "progress:read"
    write_scope = SESSION_ONLY
    # Per-action overrides of the two defaults, e.g. {"bulk": "measurements:write"}.
    action_scopes: dict = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # After authentication and permissions: a caller who may not call learns nothing of its input.
        refuse_null_characters(request.query_params, request.data)

    def required_scope(self, request):
        if self.action in self.action_scopes:
            return self.action_scopes[self.action]
        return self.read_scope if request.method in SAFE_METHODS else self.write_scope

    def include_archived(self) -> bool:
        if self.detail:
            # Archived records leave working lists but stay readable by their address.
            return True
        params = self.request.query_params
        if SYNC_PARAM in params or CHANGE_CURSOR_PARAM in params:
            return True
        asked = params.get(INCLUDE_ARCHIVED_PARAM, "").lower()
        if asked not in TRUE_VALUES | FALSE_VALUES:
            raise ValidationError({INCLUDE_ARCHIVED_PARAM: [_(MSG_NOT_A_BOOLEAN)]})
        return asked in TRUE_VALUES

    def select(self, *, user, include_archived: bool):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.select(user=self.request.user, include_archived=self.include_archived())

    def parse(self, serializer_class, *, partial: bool = False) -> dict:
        """Validate the body's shape; the result is passed to a service as keyword arguments."""
        serializer = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def reread(self, instance):
        """The instance as the scoped selector returns it (annotations and prefetches included)."""
        return self.select(user=self.request.user, include_archived=True).get(pk=instance.pk)


__all__ = ["ANY_SCOPE", "SESSION_ONLY", "ApiViewSet"]
