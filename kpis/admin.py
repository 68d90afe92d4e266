from django import forms
from django.contrib import admin

from common.admin import (
    ArchivableAdminMixin,
    ArchivedListFilter,
    ServiceWriteAdminMixin,
    adopt,
    field_values,
)
from kpis import services
from kpis.models import Kpi, KpiAlert, Measurement

# kpi_create takes these as keyword arguments of their own; the rest of the catalogue fields follow.
KPI_REQUIRED_FIELDS = ("code", "name", "unit", "direction")


@admin.register(Kpi)
class KpiAdmin(ArchivableAdminMixin, ServiceWriteAdminMixin, admin.ModelAdmin):
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
    fields = ("code", *services.KPI_EDITABLE_FIELDS, "archived_at", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        system = ("archived_at", "created_at", "updated_at")
        # The code is the KPI's key in imports and integrations: fixed once the KPI exists.
        return system if obj is None else ("code", *system)

    def service_create(self, request, obj) -> None:
        fields = field_values(obj, services.KPI_EDITABLE_FIELDS)
        for name in KPI_REQUIRED_FIELDS:
            fields.pop(name, None)
        created = services.kpi_create(
            actor=request.user, code=obj.code, name=obj.name, unit=obj.unit, direction=obj.direction, **fields
        )
        adopt(obj, created)

    def service_update(self, request, obj, changed) -> None:
        editable = [name for name in changed if name in services.KPI_EDITABLE_FIELDS]
        services.kpi_update(actor=request.user, kpi=obj, **field_values(obj, editable))


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
class KpiAlertAdmin(admin.ModelAdmin):
    """Raised by the alert evaluation from measurements; a record of what was crossed, not edited."""

    list_display = ("kpi", "segment", "period", "level", "value", "threshold", "rule", "created_at")
    list_filter = ("level", "rule", "kpi")
    search_fields = ("kpi__code", "kpi__name", "segment")
    list_select_related = ("kpi",)
    date_hierarchy = "period"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
