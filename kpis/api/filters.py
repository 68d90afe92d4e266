import django_filters
from django.db.models import Subquery

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
    kpi = django_filters.CharFilter(method="filter_kpi", help_text="The KPI's code.")
    period_after = django_filters.DateFilter(
        field_name="period", lookup_expr="gte", help_text="Only periods on or after this date."
    )
    period_before = django_filters.DateFilter(
        field_name="period", lookup_expr="lte", help_text="Only periods on or before this date."
    )

    class Meta:
        model = Measurement
        fields = ["kpi", "segment", "source"]

    def filter_kpi(self, queryset, name, value):
        # ``kpi_id = (SELECT id … WHERE code = …)`` rather than a JOIN on the code: the planner then
        # reads the KPI's rows through the (kpi, period, id) index instead of walking the whole
        # table by id and discarding the other KPIs' rows.
        return queryset.filter(kpi_id=Subquery(Kpi.objects.filter(code=value).order_by().values("pk")[:1]))
