import django_filters

from common.api.filters import BoundedIsoDateTimeFilter
from common.api.sync import UPDATED_SINCE_HELP
from kpis.models import Kpi, Measurement


class KpiFilter(django_filters.FilterSet):
    updated_since = BoundedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP
    )

    class Meta:
        model = Kpi
        fields = ["code", "unit", "direction", "kind"]


class MeasurementFilter(django_filters.FilterSet):
    updated_since = BoundedIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_SINCE_HELP
    )
    kpi = django_filters.CharFilter(field_name="kpi__code", help_text="The KPI's code.")
    period_after = django_filters.DateFilter(field_name="period", lookup_expr="gte")
    period_before = django_filters.DateFilter(field_name="period", lookup_expr="lte")

    class Meta:
        model = Measurement
        fields = ["kpi", "segment", "source"]
