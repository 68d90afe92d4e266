"""Admin of portfolio packs: read only (they are built by the site and the monthly job)."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from improvement.models import PortfolioPack


@admin.register(PortfolioPack)
class PortfolioPackAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("as_of", "requested_by", "status", "progress", "initiatives", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("requested_by__email",)
    list_select_related = ("requested_by",)
    readonly_fields = (
        "requested_by",
        "status",
        "progress",
        "as_of",
        "initiatives",
        "file",
        "previous",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    )
    # The snapshot is thousands of rows of JSON: kept for the next pack, not for reading here.
    exclude = ("snapshot",)
