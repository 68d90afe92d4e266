"""Admin of cluster totals and site values (read-only: written by the experiment cluster services)."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from improvement.models import ClusterData, SiteValue


@admin.register(ClusterData)
class ClusterDataAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by the cluster-data service (API ``cluster-data/`` and the page's CSV upload)."""

    list_display = ("variant", "cluster", "users", "conversions", "sum", "sum_squares", "updated_at")
    search_fields = ("cluster", "variant__key", "variant__experiment__name")
    list_select_related = ("variant__experiment__initiative",)


@admin.register(SiteValue)
class SiteValueAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by the site-values service (API ``site-values/`` and the page's CSV upload)."""

    list_display = ("experiment", "site", "pilot", "day", "value")
    search_fields = ("site", "experiment__name")
    list_filter = ("pilot",)
    list_select_related = ("experiment__initiative",)
