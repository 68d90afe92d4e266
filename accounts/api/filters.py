import django_filters

from accounts.models import ApiToken, Team
from common.api.filters import BoundedIsoDateTimeFilter
from common.api.sync import UPDATED_SINCE_HELP


class TeamFilter(django_filters.FilterSet):
    updated_since = BoundedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP
    )

    class Meta:
        model = Team
        fields = ["slug"]


class ApiTokenFilter(django_filters.FilterSet):
    updated_since = BoundedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP
    )
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = ApiToken
        fields = []
