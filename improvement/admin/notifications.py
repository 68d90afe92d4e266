"""Admin of what the reminder jobs sent."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from improvement.models import SentReminder


@admin.register(SentReminder)
class SentReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("milestone", "recipient", "reason", "overdue_since", "sent_at")
    list_filter = ("reason",)
    search_fields = ("milestone__title", "milestone__initiative__code", "recipient__email")
    list_select_related = ("milestone__initiative", "recipient")
    date_hierarchy = "sent_at"
