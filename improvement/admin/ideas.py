"""Admin of ideas, read only (they change through submission and triage)."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from improvement.models import Idea


@admin.register(Idea)
class IdeaAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "title",
        "status",
        "breakpoint_type",
        "kpi",
        "team",
        "submitted_by",
        "created_at",
    )
    list_filter = ("status", "breakpoint_type")
    search_fields = ("title", "submitted_by__email")
    list_select_related = ("kpi", "team", "submitted_by")
    show_full_result_count = False
