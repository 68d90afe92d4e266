"""Admin of comments and attachments: viewable and searchable, removed (archived) through their
services; nothing is added, edited or deleted here (the conversation is its authors')."""

from django.contrib import admin

from common.admin import ArchivableAdminMixin, ArchivedListFilter, ServiceWrites
from improvement.models import Attachment, Comment
from improvement.services import attachments, comments

PARENT_COLUMNS = ("initiative", "idea", "milestone", "experiment")


class ConversationAdmin(ArchivableAdminMixin, ServiceWrites, admin.ModelAdmin):
    show_full_result_count = False
    date_hierarchy = "created_at"
    list_per_page = 50

    def has_add_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    @admin.display(description="record")
    def record(self, obj) -> str:
        return f"{obj.parent_kind} {obj.parent}"


@admin.register(Comment)
class CommentAdmin(ConversationAdmin):
    archive_service = comments.comment_archive
    archive_kwarg = "comment"

    list_display = ("__str__", "record", "author", "excerpt", "created_at", "edited_at", "archived")
    list_filter = (ArchivedListFilter,)
    search_fields = ("body", "author__email", "author__full_name", "initiative__code")
    list_select_related = ("author", *PARENT_COLUMNS)
    raw_id_fields = ("mentions",)

    @admin.display(description="comment")
    def excerpt(self, obj) -> str:
        return obj.body[:80]


@admin.register(Attachment)
class AttachmentAdmin(ConversationAdmin):
    archive_service = attachments.attachment_archive
    archive_kwarg = "attachment"

    list_display = ("name", "record", "content_type", "size", "uploaded_by", "created_at", "archived")
    list_filter = (ArchivedListFilter, "content_type")
    search_fields = ("name", "sha256", "uploaded_by__email", "initiative__code")
    list_select_related = ("uploaded_by", *PARENT_COLUMNS)
