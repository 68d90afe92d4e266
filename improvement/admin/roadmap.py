"""Admin of milestones, on their own and inline on the initiative.

An inactive owner, dependencies and the done date are the roadmap services' rules; their errors land
on the form's fields.
"""

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
from improvement.models import Milestone
from improvement.services import roadmap

# Status moves through milestone_update/milestone_complete in the app (dependencies, done date).
MILESTONE_FIELDS = tuple(name for name in roadmap.PLAN_FIELDS if name != "status")


class MilestoneWrites:
    """How the milestone admin and the inline on the initiative write milestones."""

    create_service = roadmap.milestone_create
    create_fields = ("initiative", *MILESTONE_FIELDS)
    update_service = roadmap.milestone_update
    editable_fields = MILESTONE_FIELDS
    archive_service = roadmap.milestone_archive
    instance_kwarg = "milestone"


class MilestoneInline(
    MilestoneWrites, ServiceInlineMixin, ArchivableInlineMixin, SharedChoicesInlineMixin, admin.TabularInline
):
    model = Milestone
    verbose_name_plural = "milestones (active)"
    fields = ("title", "owner", "due_date", "phase", "status", "completed_at")
    readonly_fields = ("status", "completed_at")
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("initiative", "owner")


@admin.register(Milestone)
class MilestoneAdmin(
    MilestoneWrites, ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin
):
    list_display = ("title", "initiative", "owner", "due_date", "phase", "status", "completed_at", "archived")
    list_filter = ("status", "phase", ArchivedListFilter)
    search_fields = ("title", "initiative__code", "initiative__title", "owner__email", "owner__full_name")
    list_select_related = ("initiative", "owner")
    autocomplete_fields = ("initiative",)
    date_hierarchy = "due_date"
    fields = (
        "initiative",
        *MILESTONE_FIELDS,
        "status",
        "dependencies",
        "completed_at",
        "overdue_since",
        "version",
        *SYSTEM_FIELDS,
    )

    def get_readonly_fields(self, request, obj=None):
        # Dependencies are set by milestone_set_dependencies, which refuses cycles.
        system = ("status", "dependencies", "completed_at", "overdue_since", "version", *SYSTEM_FIELDS)
        return system if obj is None else ("initiative", *system)
