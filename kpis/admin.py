from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Max
from django.utils.functional import cached_property

from common.admin import (
    SYSTEM_FIELDS,
    ArchivableAdminMixin,
    ArchivedListFilter,
    ReadOnlyAdminMixin,
    ServiceWriteAdminMixin,
)
from kpis import services
from kpis.models import Kpi, KpiAlert, Measurement, PhaseBreak, SeriesChange, SurveyAnswers
from kpis.signals import measurements_written


@admin.register(Kpi)
class KpiAdmin(ArchivableAdminMixin, ServiceWriteAdminMixin, admin.ModelAdmin):
    create_service = services.kpi_create
    create_fields = ("code", *services.KPI_EDITABLE_FIELDS)
    update_service = services.kpi_update
    editable_fields = services.KPI_EDITABLE_FIELDS
    instance_kwarg = "kpi"

    list_display = (
        "code",
        "name",
        "unit",
        "direction",
        "kind",
        "min_value",
        "max_value",
        "warning_threshold",
        "critical_threshold",
        "archived",
    )
    list_filter = ("kind", "unit", "direction", ArchivedListFilter)
    search_fields = ("code", "name")
    fields = ("code", *services.KPI_EDITABLE_FIELDS, *SYSTEM_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        # The code is the KPI's key in imports and integrations: fixed once the KPI exists.
        return SYSTEM_FIELDS if obj is None else ("code", *SYSTEM_FIELDS)


class MeasurementForm(forms.ModelForm):
    class Meta:
        model = Measurement
        fields = (
            "kpi",
            "segment",
            "period",
            "value",
            "sample_size",
            "numerator",
            "note",
            "assignable_cause",
            "source",
            "recorded_by",
        )

    def clean(self):
        cleaned = super().clean()
        kpi, value = cleaned.get("kpi"), cleaned.get("value")
        if kpi is not None and value is not None:
            message = services.kpi_validate_value(kpi=kpi, value=value)
            if message:
                self.add_error("value", message)
        return cleaned


# The measurements changelist counts at most this many rows: pages past it are reached by search.
MEASUREMENT_COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts the rows up to a cap (``COUNT`` over a ``LIMIT``ed subquery) instead of all of them:
    on a million measurements the full ``COUNT(*)`` cost more than the page itself."""

    cap = MEASUREMENT_COUNT_CAP

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap].count()


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    """A table of millions of rows: every part of the changelist must stay bounded. Ordered by the
    natural key, newest period first within a series (a walk of its unique index, not a sort of the
    table by KPI name); no date hierarchy and no filter on source (each a DISTINCT over the whole
    table); the KPI filter lists the catalogue; the search box takes a KPI code."""

    form = MeasurementForm
    list_display = ("kpi", "segment", "period", "value", "sample_size", "source", "recorded_by", "updated_at")
    list_filter = ("kpi",)
    search_fields = ("=kpi__code",)
    search_help_text = "A KPI code, e.g. csat."
    list_select_related = ("kpi", "recorded_by")
    autocomplete_fields = ("kpi", "recorded_by")
    ordering = ("-kpi_id", "-segment", "-period", "-source")
    readonly_fields = ("created_at", "updated_at")
    paginator = CappedCountPaginator
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        """The KPI's id is looked up first: ``kpi_id IN (…)`` with constants lets the database range
        over the natural-key index, where a join on the code made it walk the table."""
        term = search_term.strip()
        if not term:
            return queryset, False
        ids = list(Kpi.objects.filter(code__iexact=term).values_list("pk", flat=True))
        return queryset.filter(kpi_id__in=ids), False

    def save_model(self, request, obj, form, change):
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)  # post_save tells improvement

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        measurements_written.send(Measurement, periods={(obj.kpi_id, obj.segment): obj.period})

    def delete_queryset(self, request, queryset):
        latest = queryset.order_by().values_list("kpi_id", "segment").annotate(latest=Max("period"))
        periods = {(kpi_id, segment): period for kpi_id, segment, period in latest}
        super().delete_queryset(request, queryset)
        measurements_written.send(Measurement, periods=periods)


@admin.register(PhaseBreak)
class PhaseBreakAdmin(admin.ModelAdmin):
    list_display = ("kpi", "segment", "starts", "label", "source", "reference")
    list_filter = ("source",)
    search_fields = ("kpi__code", "label", "reference")
    list_select_related = ("kpi",)
    autocomplete_fields = ("kpi", "created_by")


@admin.register(SurveyAnswers)
class SurveyAnswersAdmin(admin.ModelAdmin):
    list_display = ("kpi", "segment", "period", "updated_at")
    search_fields = ("kpi__code", "segment")
    list_select_related = ("kpi",)
    autocomplete_fields = ("kpi", "recorded_by")
    date_hierarchy = "period"


@admin.register(KpiAlert)
class KpiAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Raised by the alert evaluation from measurements; a record of what was crossed, not edited."""

    list_display = ("kpi", "segment", "period", "level", "value", "threshold", "rule", "created_at")
    list_filter = ("level", "rule", "kpi")
    search_fields = ("kpi__code", "kpi__name", "segment")
    list_select_related = ("kpi",)
    date_hierarchy = "period"


@admin.register(SeriesChange)
class SeriesChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Moved by the measurement triggers on every write to a series: shown to diagnose a sync, not edited."""

    list_display = ("kpi", "segment", "change_marker")
    search_fields = ("kpi__code", "segment")
    list_select_related = ("kpi",)
    readonly_fields = ("kpi", "segment", "change_marker")
