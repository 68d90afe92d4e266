"""Admin of experiments: name and hypothesis change here; the design, status and decision move only
through the experiment services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import (
    SYSTEM_FIELDS,
    ArchivableAdminMixin,
    ArchivedListFilter,
    ReadOnlyAdminMixin,
    ReadOnlyHistoryMixin,
    ServiceWriteAdminMixin,
)
from improvement.models import Experiment, Guardrail, GuardrailData, Variant, VariantData
from improvement.services import experiments


class VariantInline(admin.TabularInline):
    """Variants are set with the design (experiment_create / experiment_update in draft)."""

    model = Variant
    fields = ("key", "name", "weight", "is_control")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Experiment)
class ExperimentAdmin(ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    """Created with its variants in the app or the API; here name and hypothesis change, and the
    record is archived. Status, decision and the design move only through the experiment services."""

    update_service = experiments.experiment_update
    editable_fields = experiments.TEXT_FIELDS
    archive_service = experiments.experiment_archive
    instance_kwarg = "experiment"

    list_display = ("name", "initiative", "primary_kpi", "metric_type", "status", "decision", "archived")
    list_filter = ("status", "metric_type", "decision", ArchivedListFilter)
    search_fields = ("name", "hypothesis", "initiative__code", "initiative__title")
    list_select_related = ("initiative", "primary_kpi")
    fields = (
        "initiative",
        "name",
        "hypothesis",
        "primary_kpi",
        "guardrail_kpis",
        "metric_type",
        "alpha",
        "power",
        "mde",
        "mde_type",
        "sequential",
        "sequential_tuning",
        "status",
        "decision",
        "decision_note",
        "started_at",
        "stopped_at",
        "concluded_at",
        "concluded_by",
        "version",
        *SYSTEM_FIELDS,
    )
    readonly_fields = tuple(name for name in fields if name not in experiments.TEXT_FIELDS)
    inlines = (VariantInline,)

    def has_add_permission(self, request):
        # Experiments are created with their variants in the app or the API.
        return False


@admin.register(Variant)
class VariantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "name", "experiment", "weight", "is_control")
    list_filter = ("is_control",)
    search_fields = ("key", "name", "experiment__name", "experiment__initiative__code")
    list_select_related = ("experiment__initiative",)


@admin.register(VariantData)
class VariantDataAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by experiment_data_replace and experiment_observations_ingest, all or nothing."""

    list_display = ("variant", "day", "users", "conversions", "sum", "sum_squares", "updated_at")
    search_fields = ("variant__key", "variant__experiment__name", "variant__experiment__initiative__code")
    list_select_related = ("variant__experiment__initiative",)


@admin.register(Guardrail)
class GuardrailAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Set by experiment_guardrail_set (the experiment page's form or the API)."""

    list_display = ("experiment", "kpi", "metric_type", "tolerance", "updated_at")
    search_fields = ("kpi__code", "experiment__name", "experiment__initiative__code")
    list_select_related = ("experiment__initiative", "kpi")


@admin.register(GuardrailData)
class GuardrailDataAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by experiment_guardrail_data_replace, all or nothing."""

    list_display = ("guardrail", "variant", "day", "users", "conversions", "sum", "sum_squares", "updated_at")
    search_fields = ("variant__key", "guardrail__kpi__code", "guardrail__experiment__name")
    list_select_related = ("guardrail", "variant__experiment__initiative")
