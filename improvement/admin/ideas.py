"""Admin of ideas, written through their services."""

from django.contrib import admin

from common.admin import ServiceWriteAdminMixin
from improvement.models import Idea
from improvement.services import ideas


@admin.register(Idea)
class IdeaAdmin(ServiceWriteAdminMixin, admin.ModelAdmin):
    """Created and edited through the idea services (an admin triages every team's ideas); the
    status and the decision change only by submitting and deciding, on the site or in the API."""

    create_service = ideas.idea_create
    create_fields = ideas.EDITABLE_FIELDS
    update_service = ideas.idea_update
    editable_fields = ideas.EDITABLE_FIELDS
    instance_kwarg = "idea"

    fields = (
        *ideas.EDITABLE_FIELDS,
        "status",
        "submitted_by",
        "submitted_at",
        "alert",
        "signal",
        "baseline_from",
        "baseline_to",
        "decided_by",
        "decided_at",
        "decision_reason",
        "initiative",
        "merged_into",
        "version",
    )
    readonly_fields = fields[len(ideas.EDITABLE_FIELDS) :]
    raw_id_fields = ("kpi", "team")
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

    def has_delete_permission(self, request, obj=None):
        # Declined or merged, never deleted: the submitter keeps the answer they were given.
        return False
