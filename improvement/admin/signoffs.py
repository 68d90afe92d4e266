"""Admin of sign-offs: the rules (which gate needs whose approval), written through the services,
and the requests, read only (they change only by a lead's request and a reviewer's decision)."""

from django import forms
from django.contrib import admin

from common.admin import ReadOnlyAdminMixin, ServiceWriteAdminMixin
from improvement.models import ReviewerRole, SignOffRequest, SignOffRule
from improvement.services import signoff_rules


class SignOffRuleForm(forms.ModelForm):
    reviewer_roles = forms.MultipleChoiceField(
        choices=ReviewerRole.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = SignOffRule
        fields = ("to_stage", "reviewer_roles", "only_when_money_claimed", "active")


@admin.register(SignOffRule)
class SignOffRuleAdmin(ServiceWriteAdminMixin, admin.ModelAdmin):
    """One rule per gate. Requests already made keep the reviewer roles they were made with."""

    create_service = signoff_rules.sign_off_rule_create
    create_fields = ("to_stage", "reviewer_roles", "only_when_money_claimed", "active")
    update_service = signoff_rules.sign_off_rule_update
    editable_fields = signoff_rules.RULE_FIELDS
    instance_kwarg = "rule"

    form = SignOffRuleForm
    list_display = ("to_stage", "reviewer_list", "only_when_money_claimed", "active", "updated_at")
    list_filter = ("active",)

    def get_readonly_fields(self, request, obj=None):
        return ("to_stage",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        # Switched off, not deleted: the requests made under it say which roles it named.
        return False

    @admin.display(description="reviewers")
    def reviewer_list(self, obj) -> str:
        return ", ".join(obj.reviewer_roles)


@admin.register(SignOffRequest)
class SignOffRequestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "initiative",
        "cycle",
        "to_stage",
        "status",
        "requested_by",
        "decided_by",
        "decided_at",
        "transition",
        "created_at",
    )
    list_filter = ("status", "to_stage")
    search_fields = ("initiative__code", "initiative__title", "requested_by__email", "decided_by__email")
    list_select_related = ("initiative", "requested_by", "decided_by", "transition")
    date_hierarchy = "created_at"
