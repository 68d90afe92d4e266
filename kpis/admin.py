from django import forms
from django.contrib import admin

from common.admin import (
    SYSTEM_FIELDS,
    ArchivableAdminMixin,
    ArchivedListFilter,
    ReadOnlyAdminMixin,
    ServiceWriteAdminMixin,
)
from kpis import services
from kpis.models import Kpi, KpiAlert, Measurement


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
        fields = ("kpi", "segment", "period", "value", "sample_size", "source", "recorded_by")

    def clean(self):
        cleaned = super().clean()
        kpi, value = cleaned.get("kpi"), cleaned.get("value")
        if kpi is not None and value is not None:
            message = services.kpi_validate_value(kpi=kpi, value=value)
            if message:
                self.add_error("value", message)
        return cleaned


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    form = MeasurementForm
    list_display = ("kpi", "segment", "period", "value", "sample_size", "source", "recorded_by", "updated_at")
    list_filter = ("source", "kpi")
    search_fields = ("kpi__code", "kpi__name", "segment", "source")
    list_select_related = ("kpi", "recorded_by")
    autocomplete_fields = ("kpi", "recorded_by")
    date_hierarchy = "period"
    readonly_fields = ("created_at", "updated_at")
    # Measurements run to many rows: skip counting the whole table on every page.
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        if obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(KpiAlert)
class KpiAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Raised by the alert evaluation from measurements; a record of what was crossed, not edited."""

    list_display = ("kpi", "segment", "period", "level", "value", "threshold", "rule", "created_at")
    list_filter = ("level", "rule", "kpi")
    search_fields = ("kpi__code", "kpi__name", "segment")
    list_select_related = ("kpi",)
    date_hierarchy = "period"
