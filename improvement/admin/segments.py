"""Admin of an experiment's segment totals (read-only: written by the segment data services)."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from improvement.models import SegmentData


@admin.register(SegmentData)
class SegmentDataAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by experiment_segment_data_replace and experiment_segment_observations_ingest."""

    list_display = ("variant", "segment", "users", "conversions", "sum", "sum_squares", "updated_at")
    search_fields = ("segment", "variant__key", "variant__experiment__name")
    list_select_related = ("variant__experiment__initiative",)
