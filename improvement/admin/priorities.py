"""Admin of the prioritisation settings: one row, changed through ``priority_settings_update`` (the
same rules and the same check against a concurrent save as the settings page and the API)."""

import datetime as dt

from django import forms
from django.contrib import admin

from common.admin import ServiceWriteAdminMixin, field_values
from improvement.models import PrioritySettings
from improvement.services.priorities import SETTINGS_FIELDS, priority_settings_update

# Where the admin's change view keeps, for ``service_update``, when the form was read.
SEEN_ATTRIBUTE = "_priority_settings_seen"


class PrioritySettingsForm(forms.ModelForm):
    # When the form was read (ISO, to the microsecond): a save against a row changed since is refused.
    seen = forms.CharField(widget=forms.HiddenInput(), required=False)

    class Meta:
        model = PrioritySettings
        fields = SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.fields["seen"].initial = self.instance.updated_at.isoformat()


@admin.register(PrioritySettings)
class PrioritySettingsAdmin(ServiceWriteAdminMixin, admin.ModelAdmin):
    form = PrioritySettingsForm
    list_display = (
        "__str__",
        "weight_value",
        "weight_money",
        "weight_ease",
        "reference_interaction",
        "reference_process",
        "reference_technical",
        "updated_by",
        "updated_at",
    )
    readonly_fields = ("updated_by", "updated_at")

    def has_add_permission(self, request):
        # One row, made with the defaults when first read.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        setattr(request, SEEN_ATTRIBUTE, form.cleaned_data.get("seen") or None)
        super().save_model(request, obj, form, change)

    def service_update(self, request, obj, changed: list[str]) -> None:
        seen = getattr(request, SEEN_ATTRIBUTE, None)
        try:
            expected = dt.datetime.fromisoformat(seen) if seen else None
        except ValueError:
            expected = dt.datetime.min.replace(tzinfo=dt.UTC)
        fields = field_values(obj, [name for name in changed if name in SETTINGS_FIELDS])
        priority_settings_update(actor=request.user, expected_updated_at=expected, **fields)
