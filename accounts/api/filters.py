import django_filters

from accounts.models import ApiToken, Team
from common.api.filters import BoundedIsoDateTimeFilter


class TeamFilter(django_filters.FilterSet):
    updated_since = BoundedIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Team
        fields = ["slug"]


class ApiTokenFilter(django_filters.FilterSet):
    updated_since = BoundedIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    revoked = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = ApiToken
        fields = []
