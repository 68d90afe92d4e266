"""Admin of share links: read only, with their view log, and a revoke action through the service."""

from django.contrib import admin, messages
from django.db.models import Count

from common.admin import ReadOnlyAdminMixin, error_text
from common.errors import DomainError
from improvement.models import ShareLink, ShareLinkView
from improvement.services import shares

MSG_REVOKED = "Revoked {count} link(s)."


class ShareLinkViewInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ShareLinkView
    fields = ("viewed_at", "network", "user_agent")
    readonly_fields = fields
    extra = 0


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Links are created on the initiative and experiment pages or through the API (the address is
    shown once there); here they are read and revoked."""

    list_display = (
        "prefix",
        "initiative",
        "experiment",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "views",
    )
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "initiative__code", "experiment__name", "created_by__email")
    list_select_related = ("initiative", "experiment", "created_by")
    readonly_fields = (
        "initiative",
        "experiment",
        "prefix",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
    )
    exclude = ("key_hash",)
    inlines = [ShareLinkViewInline]
    actions = ["revoke_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(view_count=Count("views"))

    @admin.display(description="views", ordering="view_count")
    def views(self, link) -> int:
        return link.view_count

    @admin.action(description="Revoke the selected links")
    def revoke_selected(self, request, queryset):
        revoked = 0
        for link in queryset:
            try:
                shares.share_link_revoke(actor=request.user, link=link)
            except DomainError as error:
                self.message_user(request, f"{link}: {error_text(error)}", messages.ERROR)
            else:
                revoked += 1
        self.message_user(request, MSG_REVOKED.format(count=revoked), messages.SUCCESS)


@admin.register(ShareLinkView)
class ShareLinkViewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("link", "viewed_at", "network", "user_agent")
    list_select_related = ("link",)
    search_fields = ("link__prefix", "network")
    date_hierarchy = "viewed_at"
