"""The money summaries, the portfolio roll-up and the targets' kept progress, readable for support:
written by the services on every write that moves them (and by ``rebuild_money_summaries``), never
by hand."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from improvement.models import InitiativeMoney, InitiativeMoneyMonth, KpiTargetProgress, PortfolioRollup


@admin.register(InitiativeMoney)
class InitiativeMoneyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("initiative", "total_cost", "total_benefit", "roi_percent", "payback_months", "npv")
    list_select_related = ("initiative",)
    search_fields = ("=initiative__code",)
    ordering = ("-initiative_id",)
    show_full_result_count = False


@admin.register(InitiativeMoneyMonth)
class InitiativeMoneyMonthAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("initiative", "month", "recurring_cost", "benefit", "complete_on")
    list_select_related = ("initiative",)
    search_fields = ("=initiative__code",)
    ordering = ("-initiative_id", "month")
    show_full_result_count = False


@admin.register(PortfolioRollup)
class PortfolioRollupAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("team", "category", "initiatives", "one_time_cost", "benefit_to_date", "as_of")
    list_select_related = ("team",)
    ordering = ("team__name", "category")


@admin.register(KpiTargetProgress)
class KpiTargetProgressAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("target", "progress")
    list_select_related = ("target__initiative", "target__kpi")
    search_fields = ("=target__initiative__code",)
    ordering = ("-target_id",)
    show_full_result_count = False
