"""Admin of the stage history: moves are made by initiative_transition/initiative_decide, never here."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from improvement.models import StageTransition


class StageTransitionInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The stage history on the initiative's page, read-only."""

    model = StageTransition
    verbose_name_plural = "stage history"
    fields = ("created_at", "cycle", "from_stage", "to_stage", "actor", "gate_passed", "decision", "reason")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("initiative", "actor")


@admin.register(StageTransition)
class StageTransitionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The audit trail of stage moves: written only by the stage services, never edited."""

    list_display = (
        "initiative",
        "cycle",
        "from_stage",
        "to_stage",
        "actor",
        "gate_passed",
        "overridden",
        "decision",
        "created_at",
    )
    list_filter = ("to_stage", "gate_passed", "decision")
    search_fields = ("initiative__code", "initiative__title", "actor__email", "note", "reason")
    list_select_related = ("initiative", "actor")
    date_hierarchy = "created_at"

    @admin.display(description="overridden", boolean=True)
    def overridden(self, obj) -> bool:
        return obj.overridden
