"""Admin of comments and attachments, read only (they change through their services)."""

from django.contrib import admin

from common.admin import ReadOnlyAdminMixin
from improvement.models import Attachment, Comment


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "author", "created_at", "archived_at")
    search_fields = ("author__email",)
    list_select_related = ("author",)
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "content_type", "size", "uploaded_by", "created_at", "archived_at")
    search_fields = ("name",)
    list_select_related = ("uploaded_by",)
    show_full_result_count = False
