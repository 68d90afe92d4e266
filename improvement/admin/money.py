"""Admin of an initiative's costs and benefits, on their own and inline on the initiative."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from common.admin import (
    SYSTEM_FIELDS,
    ArchivableAdminMixin,
    ArchivableInlineMixin,
    ArchivedListFilter,
    ReadOnlyAdminMixin,
    ReadOnlyHistoryMixin,
    ServiceInlineMixin,
    ServiceWriteAdminMixin,
)
from improvement.models import Benefit, Cost, MoneyForecast
from improvement.services import money


class CostWrites:
    create_service = money.cost_create
    create_fields = ("initiative", *money.COST_FIELDS)
    update_service = money.cost_update
    editable_fields = money.COST_FIELDS
    archive_service = money.money_line_archive
    instance_kwarg = "cost"
    archive_kwarg = "line"


class BenefitWrites:
    create_service = money.benefit_create
    create_fields = ("initiative", *money.BENEFIT_FIELDS)
    # benefit_update voids finance's validation when the claim changes.
    update_service = money.benefit_update
    editable_fields = money.BENEFIT_FIELDS
    archive_service = money.money_line_archive
    instance_kwarg = "benefit"
    archive_kwarg = "line"


class CostInline(CostWrites, ServiceInlineMixin, ArchivableInlineMixin, admin.TabularInline):
    model = Cost
    verbose_name_plural = "costs (active)"
    fields = money.COST_FIELDS
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        # The row's title (its __str__) names the initiative; the formset sets only initiative_id.
        return super().get_queryset(request).select_related("initiative")


class BenefitInline(BenefitWrites, ServiceInlineMixin, ArchivableInlineMixin, admin.TabularInline):
    model = Benefit
    verbose_name_plural = "benefits (active)"
    fields = (*money.BENEFIT_FIELDS, "validated", "validated_by", "validated_at")
    readonly_fields = ("validated", "validated_by", "validated_at")
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("initiative", "validated_by")


@admin.register(Cost)
class CostAdmin(
    CostWrites, ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin
):
    list_display = ("description", "initiative", "kind", "amount", "start_month", "end_month", "archived")
    list_filter = ("kind", ArchivedListFilter)
    search_fields = ("description", "initiative__code", "initiative__title")
    list_select_related = ("initiative",)
    autocomplete_fields = ("initiative",)
    fields = ("initiative", *money.COST_FIELDS, *SYSTEM_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return SYSTEM_FIELDS if obj is None else ("initiative", *SYSTEM_FIELDS)


@admin.register(Benefit)
class BenefitAdmin(
    BenefitWrites, ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin
):
    list_display = (
        "description",
        "initiative",
        "kind",
        "nature",
        "monthly_amount",
        "start_month",
        "end_month",
        "validated",
        "archived",
    )
    list_filter = ("kind", "nature", "validated", ArchivedListFilter)
    search_fields = ("description", "initiative__code", "initiative__title")
    list_select_related = ("initiative",)
    autocomplete_fields = ("initiative",)
    fields = (
        "initiative",
        *money.BENEFIT_FIELDS,
        "validated",
        "validated_by",
        "validated_at",
        *SYSTEM_FIELDS,
    )

    def get_readonly_fields(self, request, obj=None):
        # Validation is finance's call through benefit_validate.
        system = ("validated", "validated_by", "validated_at", *SYSTEM_FIELDS)
        return system if obj is None else ("initiative", *system)


@admin.register(MoneyForecast)
class MoneyForecastAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Forecasts are locked by the move to Do and never edited."""

    list_display = ("initiative", "cycle", "locked_at", "locked_by", "total_cost", "total_benefit")
    search_fields = ("initiative__code", "initiative__title")
    list_select_related = ("initiative", "locked_by")
