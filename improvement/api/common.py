"""What every area of the improvement API shares: references in input, field helpers, the read base."""

from django.db.models import BigIntegerField
from rest_framework import mixins, serializers, status

from accounts.models import Scope, Team, User
from accounts.selectors import team_list
from common.api.filters import BoundedIsoDateTimeFilter
from common.api.sync import UPDATED_SINCE_HELP
from common.api.viewsets import ApiViewSet
from improvement.models import Initiative
from improvement.selectors import initiative_list
from kpis.models import Direction, Kpi, Unit

CREATED = status.HTTP_201_CREATED
MONEY = {"max_digits": 14, "decimal_places": 2}
# An id given as a plain number (not a related field) must fit a key before it reaches a query:
# a foreign-key lookup passes it to the database unchecked, and SQLite cannot bind beyond 64 bits.
ID_RANGE = {"min_value": 1, "max_value": BigIntegerField.MAX_BIGINT}


class ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    write_scope = Scope.INITIATIVES_WRITE


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


# --- outputs and filters shared by several areas -------------------------------------------------


class KpiRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    unit = serializers.ChoiceField(choices=Unit.choices, read_only=True)
    direction = serializers.ChoiceField(choices=Direction.choices, read_only=True)


def updated_since(field_name: str = "updated_at"):
    return BoundedIsoDateTimeFilter(
        field_name=field_name,
        lookup_expr="gte",
        help_text=UPDATED_SINCE_HELP,
    )
