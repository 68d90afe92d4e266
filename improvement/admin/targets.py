"""Admin of an initiative's KPI targets, on their own and inline on the initiative."""

from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import (
    SYSTEM_FIELDS,
    ArchivableAdminMixin,
    ArchivableInlineMixin,
    ArchivedListFilter,
    ReadOnlyHistoryMixin,
    ServiceInlineMixin,
    ServiceWriteAdminMixin,
    SharedChoicesInlineMixin,
)
from improvement.models import KpiTarget
from improvement.services import targets

MSG_KPI_FIXED = "The KPI of a target cannot change: archive this target and add a new one."


class KpiTargetWrites:
    """How the target admin and the inline on the initiative write targets."""

    create_service = targets.kpi_target_create
    create_fields = ("initiative", "kpi", *targets.TARGET_FIELDS)
    update_service = targets.kpi_target_update
    editable_fields = targets.TARGET_FIELDS
    archive_service = targets.kpi_target_archive
    instance_kwarg = "target"


class KpiTargetForm(forms.ModelForm):
    """The values of a target are checked by ``kpi_target_create``/``kpi_target_update``, whose
    errors land on these fields. The form refuses only what the inline alone offers: a new KPI on an
    existing row."""

    class Meta:
        model = KpiTarget
        fields = ("initiative", "kpi", *targets.TARGET_FIELDS)

    def clean_kpi(self):
        kpi = self.cleaned_data["kpi"]
        if self.instance.pk and "kpi" in self.changed_data:
            raise forms.ValidationError(MSG_KPI_FIXED)
        return kpi

    def _get_validation_exclusions(self):
        # One active target per KPI and segment is the service's rule, and its message says what to
        # do; the model's constraint check would refuse the row first, in generic words.
        return {*super()._get_validation_exclusions(), "kpi"}


class KpiTargetInline(
    KpiTargetWrites, ServiceInlineMixin, ArchivableInlineMixin, SharedChoicesInlineMixin, admin.TabularInline
):
    model = KpiTarget
    form = KpiTargetForm
    verbose_name_plural = "KPI targets (active)"
    fields = ("kpi", *targets.TARGET_FIELDS, "evaluation", "evaluated_at")
    readonly_fields = ("evaluation", "evaluated_at")
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("initiative", "kpi")


@admin.register(KpiTarget)
class KpiTargetAdmin(
    KpiTargetWrites, ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin
):
    form = KpiTargetForm
    list_display = (
        "initiative",
        "kpi",
        "segment",
        "baseline_value",
        "target_value",
        "target_date",
        "is_primary",
        "evaluation",
        "archived",
    )
    list_filter = ("evaluation", "is_primary", "kpi", ArchivedListFilter)
    search_fields = ("initiative__code", "initiative__title", "kpi__code", "kpi__name", "segment")
    list_select_related = ("initiative", "kpi")
    autocomplete_fields = ("initiative", "kpi")
    fields = (
        "initiative",
        "kpi",
        *targets.TARGET_FIELDS,
        "evaluation",
        "evaluation_detail",
        "evaluated_at",
        *SYSTEM_FIELDS,
    )

    def get_readonly_fields(self, request, obj=None):
        # Evaluation is written by kpi_target_evaluate when the initiative reaches Check.
        computed = ("evaluation", "evaluation_detail", "evaluated_at", *SYSTEM_FIELDS)
        return computed if obj is None else ("initiative", "kpi", *computed)
