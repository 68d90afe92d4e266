"""Admin of import jobs: read only (a job's outcome is what its file did; the file is not shown)."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from improvement.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "filename",
        "created_by",
        "rows_total",
        "error_count",
        "created_at",
    )
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)
    search_fields = ("filename", "created_by__email")
    date_hierarchy = "created_at"
    exclude = ("content",)
