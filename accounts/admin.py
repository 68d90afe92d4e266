from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.db.models import Count

from accounts import services
from accounts.forms import NotificationMuteAdminForm
from accounts.models import (
    ApiToken,
    Membership,
    Notification,
    NotificationMute,
    Scope,
    SsoGroupMapping,
    Team,
    User,
)
from accounts.notifications import notification_kind_label, notification_kinds
from common.admin import (
    ArchivableAdminMixin,
    ArchivedListFilter,
    ReadOnlyAdminMixin,
    ServiceWriteAdminMixin,
    SharedChoicesInlineMixin,
    adopt,
    error_text,
)
from common.errors import DomainError

MSG_EMAIL_TAKEN = "A user with this email already exists."
MSG_TOKEN_SECRET = "Token “{name}” created. Copy its secret now, it is not shown again: {secret}"
MSG_REVOKED = "Revoked {count} token(s)."


class TeamMembershipInline(SharedChoicesInlineMixin, admin.TabularInline):
    model = Membership
    fk_name = "team"
    fields = ("user", "created_at")
    readonly_fields = ("created_at",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "team")


class UserMembershipInline(SharedChoicesInlineMixin, admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ("team", "created_at")
    readonly_fields = ("created_at",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("team", "user")


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "role")

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(MSG_EMAIL_TAKEN)
        return email


class UserChangeForm(BaseUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(ServiceWriteAdminMixin, BaseUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "role")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "role", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("email", "full_name", "role", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "teams")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    inlines = (UserMembershipInline,)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        # No password (login by password disabled) makes the service store an unusable one. The
        # service also sets is_staff/is_superuser from the role, as for users created elsewhere.
        password = form.cleaned_data["password1"] if form.cleaned_data["set_usable_password"] else None
        created = services.user_create(
            actor=request.user, email=obj.email, password=password, full_name=obj.full_name, role=obj.role
        )
        adopt(obj, created)


@admin.register(Team)
class TeamAdmin(ArchivableAdminMixin, ServiceWriteAdminMixin, admin.ModelAdmin):
    create_service = services.team_create
    create_fields = ("name", "description")
    # team_update re-derives the slug from a new name and refuses one that clashes.
    update_service = services.team_update
    editable_fields = ("name", "description")
    instance_kwarg = "team"

    list_display = ("name", "slug", "member_count", "archived", "created_at")
    list_filter = (ArchivedListFilter,)
    search_fields = ("name", "slug")
    fields = ("name", "slug", "description", "archived_at", "created_at", "updated_at")
    # The slug is derived from the name by the team services.
    readonly_fields = ("slug", "archived_at", "created_at", "updated_at")
    inlines = (TeamMembershipInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, obj) -> int:
        return obj.member_count


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "created_at")
    list_filter = ("team",)
    search_fields = ("user__email", "user__full_name", "team__name")
    list_select_related = ("user", "team")
    autocomplete_fields = ("user", "team")
    readonly_fields = ("created_at", "updated_at")


@admin.register(SsoGroupMapping)
class SsoGroupMappingAdmin(admin.ModelAdmin):
    """Which identity-provider group gives which role and team at single sign-on (docs/deploy.md)."""

    list_display = ("group", "role", "team", "updated_at")
    list_filter = ("role", "team")
    search_fields = ("group", "team__name")
    list_select_related = ("team",)
    autocomplete_fields = ("team",)
    readonly_fields = ("created_at", "updated_at")


class RevokedListFilter(admin.SimpleListFilter):
    title = "revoked"
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("no", "Not revoked"), ("yes", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class ApiTokenCreateForm(forms.ModelForm):
    """The shape of a new token; ``token_create`` checks it (its errors land on these fields) and makes
    the secret, of which only a digest is kept."""

    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiToken
        fields = ("user", "name", "scopes", "expires_at")


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceWriteAdminMixin, admin.ModelAdmin):
    """Tokens are created by ``token_create`` (the secret is shown once) and revoked, never edited.

    The digest of the secret is never shown: it is excluded from every form and column.
    """

    add_form = ApiTokenCreateForm
    list_display = (
        "name",
        "prefix",
        "user",
        "scope_list",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "usable",
    )
    list_filter = (RevokedListFilter, "created_at")
    search_fields = ("name", "prefix", "user__email")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    exclude = ("key_hash",)
    actions = ["revoke_selected"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", "scopes", "expires_at")
        return (
            "name",
            "user",
            "prefix",
            "scope_list",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "created_at",
            "updated_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # Scopes and expiry are part of the grant: revoke and create a new token to change them.
        return (
            "user",
            "prefix",
            "scope_list",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "created_at",
            "updated_at",
        )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_changeform_initial_data(self, request):
        return {"user": request.user.pk}

    def has_add_permission(self, request):
        # token_create lets only an admin make a token for someone else.
        return request.user.is_admin and super().has_add_permission(request)

    @admin.display(description="scopes")
    def scope_list(self, obj) -> str:
        return ", ".join(obj.scopes)

    @admin.display(description="usable", boolean=True)
    def usable(self, obj) -> bool:
        return obj.is_usable()

    def service_create(self, request, obj) -> None:
        token, secret = services.token_create(
            actor=request.user, name=obj.name, scopes=obj.scopes, expires_at=obj.expires_at, user=obj.user
        )
        adopt(obj, token)
        # The only time the secret is shown: the message storage holds it until the next page.
        self.message_user(request, MSG_TOKEN_SECRET.format(name=token.name, secret=secret), messages.WARNING)

    def service_update(self, request, obj, changed) -> None:
        obj.save(update_fields=[*changed, "updated_at"])

    @admin.action(description="Revoke selected", permissions=["change"])
    def revoke_selected(self, request, queryset):
        revoked = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                services.token_revoke(actor=request.user, token=token)
            except DomainError as error:
                self.message_user(request, f"{token}: {error_text(error)}", messages.ERROR)
            else:
                revoked += 1
        self.message_user(request, MSG_REVOKED.format(count=revoked), messages.SUCCESS)


class ReadListFilter(admin.SimpleListFilter):
    title = "read"
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("no", "Unread"), ("yes", "Read")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(read_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(read_at__isnull=False)
        return queryset


class NotificationKindListFilter(admin.SimpleListFilter):
    """The registered kinds by label: ``kind`` has no choices, the apps register the kinds they send."""

    title = "kind"
    parameter_name = "kind__exact"  # The address the field's own filter used, so links keep working.

    def lookups(self, request, model_admin):
        return list(notification_kinds().items())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.display(description="kind", ordering="kind")
def kind_label(obj: Notification | NotificationMute) -> str:
    return notification_kind_label(obj.kind)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Sent by notification_send and kept: deleting one would let its event be notified again."""

    list_display = ("title", "recipient", kind_label, "created_at", "read_at", "emailed_at")
    list_filter = (NotificationKindListFilter, ReadListFilter)
    search_fields = ("title", "recipient__email", "dedupe_key")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"


@admin.register(NotificationMute)
class NotificationMuteAdmin(admin.ModelAdmin):
    form = NotificationMuteAdminForm
    list_display = ("user", kind_label, "created_at")
    list_filter = (NotificationKindListFilter,)
    search_fields = ("user__email", "user__full_name")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)
    readonly_fields = ("created_at",)
