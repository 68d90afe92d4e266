"""Admin of chat destinations (a team's Slack and Teams incoming webhooks). Their messages are in
the webhook delivery log (*Webhook deliveries*, filtered by destination)."""

from django import forms
from django.contrib import admin

from common.admin import ServiceWriteAdminMixin
from improvement.models import ChatDestination, ChatEventType
from improvement.services import chat


class ChatDestinationForm(forms.ModelForm):
    events = forms.MultipleChoiceField(choices=ChatEventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ChatDestination
        fields = ("team", "kind", "name", "url", "events", "is_active")
        widgets = {"url": forms.TextInput(attrs={"autocomplete": "off", "size": 80})}


@admin.register(ChatDestination)
class ChatDestinationAdmin(ServiceWriteAdminMixin, admin.ModelAdmin):
    """Written through the chat services (which check the address). The address is a secret: it is
    typed once and shown masked afterwards."""

    create_service = chat.chat_destination_create
    create_fields = ("team", "kind", "url", "events", "name")
    update_service = chat.chat_destination_update
    editable_fields = ("name", "events", "is_active")
    instance_kwarg = "destination"

    form = ChatDestinationForm
    list_display = (
        "__str__",
        "team",
        "kind",
        "url_masked",
        "event_list",
        "is_active",
        "consecutive_failures",
    )
    list_filter = ("kind", "is_active", "team")
    search_fields = ("name", "team__name")
    list_select_related = ("team",)
    autocomplete_fields = ("team",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("team", "kind", "name", "url", "events")
        return (
            "team",
            "kind",
            "name",
            "url_masked",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_by",
            "created_at",
            "updated_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return (
            "team",
            "kind",
            "url_masked",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_by",
            "created_at",
            "updated_at",
        )

    @admin.display(description="address")
    def url_masked(self, obj) -> str:
        return obj.url_masked

    @admin.display(description="events")
    def event_list(self, obj) -> str:
        return ", ".join(obj.events)

    def delete_model(self, request, obj):
        chat.chat_destination_delete(actor=request.user, destination=obj)

    def delete_queryset(self, request, queryset):
        for destination in queryset:
            chat.chat_destination_delete(actor=request.user, destination=destination)
