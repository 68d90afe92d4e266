"""Admin of initiatives (with their plan, money and history inline) and of status updates.

Stage, cycle, status, health and version are read-only: they move through the PDCA services in the
app.
"""

from django.contrib import admin
from django.db.models import Q
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Role, User
from common.admin import (
    SYSTEM_FIELDS,
    ArchivableAdminMixin,
    ArchivedListFilter,
    ReadOnlyHistoryMixin,
    ServiceWriteAdminMixin,
)
from improvement.admin.money import BenefitInline, CostInline
from improvement.admin.roadmap import MilestoneInline
from improvement.admin.stages import StageTransitionInline
from improvement.admin.targets import KpiTargetInline
from improvement.models import Initiative, StatusUpdate
from improvement.services import initiatives, targets

# Who initiative_create and initiative_update accept as lead and as sponsor.
LEADS = Q(role__in=[Role.LEAD, Role.ADMIN]) | Q(is_superuser=True)
SPONSORS = Q(role__in=[Role.EXECUTIVE, Role.ADMIN]) | Q(is_superuser=True)


@admin.register(Initiative)
class InitiativeAdmin(ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    # The code is numbered by initiative_create; members are set by save_related from the form.
    create_service = initiatives.initiative_create
    create_fields = initiatives.EDITABLE_FIELDS
    update_service = initiatives.initiative_update
    editable_fields = initiatives.EDITABLE_FIELDS
    archive_service = initiatives.initiative_archive
    instance_kwarg = "initiative"

    list_display = (
        "code",
        "title",
        "team",
        "lead",
        "stage",
        "status",
        "health",
        "cycle",
        "start_date",
        "target_end_date",
        "archived",
    )
    list_filter = ("stage", "status", "health", "category", "team", ArchivedListFilter)
    search_fields = ("code", "title", "team__name", "lead__email", "lead__full_name")
    list_select_related = ("team", "lead")
    autocomplete_fields = ("team", "members")
    date_hierarchy = "start_date"
    fieldsets = (
        (None, {"fields": ("code", "title", "team", "lead", "sponsor", "members")}),
        (
            "Problem and goal",
            {
                "fields": (
                    "problem_statement",
                    "smart_goal",
                    "scope",
                    "category",
                    "breakpoint_type",
                    "impact",
                    "effort",
                )
            },
        ),
        ("Dates", {"fields": ("start_date", "target_end_date")}),
        ("Money", {"fields": ("payback_target_months", "horizon_months", "discount_rate")}),
        (
            "Workflow (moved by the stage services in the app)",
            {"fields": ("stage", "status", "cycle", "cycle_started_on", "health", "version", *SYSTEM_FIELDS)},
        ),
    )
    # Health follows the latest status update.
    readonly_fields = (
        "code",
        "stage",
        "status",
        "cycle",
        "cycle_started_on",
        "health",
        "version",
        *SYSTEM_FIELDS,
    )
    inlines = (KpiTargetInline, MilestoneInline, CostInline, BenefitInline, StageTransitionInline)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead":
            kwargs["queryset"] = User.objects.filter(LEADS)
        elif db_field.name == "sponsor":
            kwargs["queryset"] = User.objects.filter(SPONSORS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        # initiative_create lets an admin create in any team; a lead only in their own teams.
        return request.user.is_admin and super().has_add_permission(request)


@admin.register(StatusUpdate)
class StatusUpdateAdmin(ServiceWriteAdminMixin, admin.ModelAdmin):
    """Updates are posted (the newest sets the initiative's health) and then kept as they are."""

    create_service = targets.status_update_post
    create_fields = ("initiative", "date", "health", "narrative")

    list_display = ("initiative", "date", "health", "author", "created_at")
    list_filter = ("health",)
    search_fields = ("initiative__code", "initiative__title", "narrative", "author__email")
    list_select_related = ("initiative", "author")
    autocomplete_fields = ("initiative",)
    date_hierarchy = "date"
    fields = ("initiative", "date", "health", "narrative", "author", "created_at")
    readonly_fields = ("author", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
