"""Admin of webhook subscriptions and the log of their events, deliveries and attempts."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from common.admin import ReadOnlyAdminMixin, ServiceWriteAdminMixin, error_text
from common.errors import DomainError
from improvement.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from improvement.services import webhooks

MSG_WEBHOOK_SECRET = (
    "Subscription “{name}” created. Give the receiver its signing secret now, it is not shown again: {secret}"
)
MSG_ENABLED = "Enabled {count} subscription(s)."


class WebhookSubscriptionCreateForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ("owner", "name", "url", "events")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ServiceWriteAdminMixin, admin.ModelAdmin):
    """Created by ``webhook_subscription_create`` (which checks the URL); the secret is shown once."""

    create_service = webhooks.webhook_subscription_create
    create_fields = ("url", "events", "name", "owner")

    add_form = WebhookSubscriptionCreateForm
    list_display = (
        "__str__",
        "url",
        "owner",
        "event_list",
        "is_active",
        "consecutive_failures",
        "disabled_at",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "url", "owner__email")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    exclude = ("secret",)
    actions = ["enable_selected"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("owner", "name", "url", "events")
        return (
            "name",
            "owner",
            "url",
            "event_list",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The URL is checked (public host only) when subscribing and before each attempt; switching
        # back on goes through the "Enable selected" action, which checks it again.
        return (
            "owner",
            "url",
            "event_list",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_changeform_initial_data(self, request):
        return {"owner": request.user.pk}

    @admin.display(description="events")
    def event_list(self, obj) -> str:
        return ", ".join(obj.events)

    def service_create(self, request, obj):
        created = super().service_create(request, obj)
        self.message_user(
            request, MSG_WEBHOOK_SECRET.format(name=created, secret=created.secret), messages.WARNING
        )
        return created

    def service_update(self, request, obj, changed) -> None:
        # Only the name is editable, and no service renames a subscription.
        obj.save(update_fields=[*changed, "updated_at"])

    @admin.action(description="Enable selected", permissions=["change"])
    def enable_selected(self, request, queryset):
        enabled = 0
        for subscription in queryset:
            try:
                webhooks.webhook_subscription_enable(actor=request.user, subscription=subscription)
            except (ValidationError, DomainError) as error:
                self.message_user(request, f"{subscription}: {error_text(error)}", messages.ERROR)
            else:
                enabled += 1
        self.message_user(request, MSG_ENABLED.format(count=enabled), messages.SUCCESS)


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "type", "dedupe_key", "created_at")
    list_filter = ("type",)
    search_fields = ("dedupe_key",)
    date_hierarchy = "created_at"


class WebhookAttemptInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WebhookAttempt
    fields = (
        "number",
        "requested_at",
        "duration_ms",
        "status_code",
        "succeeded",
        "error",
        "response_excerpt",
    )
    readonly_fields = fields
    extra = 0


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "event",
        "subscription",
        "destination",
        "status",
        "attempt_count",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "destination")
    search_fields = ("subscription__name", "subscription__url", "destination__name", "event__dedupe_key")
    list_select_related = ("event", "subscription", "destination")
    date_hierarchy = "created_at"
    inlines = (WebhookAttemptInline,)


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("delivery", "number", "requested_at", "status_code", "succeeded", "duration_ms", "error")
    list_filter = ("succeeded",)
    search_fields = ("delivery__subscription__url", "error")
    list_select_related = ("delivery__event", "delivery__subscription")
    date_hierarchy = "requested_at"
