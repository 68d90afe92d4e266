"""Admin of initiatives and their plan, money and history.

Only what the services let a user edit is editable here, and saves call those services. Stage,
cycle, status, health and version are read-only: they move through the PDCA services in the app.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Role, User
from common.admin import (
    ArchivableAdminMixin,
    ArchivableInlineMixin,
    ArchivedListFilter,
    ReadOnlyHistoryMixin,
    ServiceInlineMixin,
    ServiceWriteAdminMixin,
    SharedChoicesInlineMixin,
    adopt,
    error_text,
    field_values,
)
from common.errors import DomainError
from improvement.models import (
    Benefit,
    Cost,
    Experiment,
    Initiative,
    KpiTarget,
    Milestone,
    SentReminder,
    StageTransition,
    StatusUpdate,
    Variant,
    VariantData,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from improvement.progress import target_is_improvement
from improvement.services import experiments, initiatives, money, roadmap, targets, webhooks
from kpis.services import kpi_validate_value

SYSTEM_FIELDS = ("archived_at", "created_at", "updated_at")

# Who initiative_create and initiative_update accept as lead and as sponsor.
LEADS = Q(role__in=[Role.LEAD, Role.ADMIN]) | Q(is_superuser=True)
SPONSORS = Q(role__in=[Role.EXECUTIVE, Role.ADMIN]) | Q(is_superuser=True)

MSG_WEBHOOK_SECRET = (
    "Subscription “{name}” created. Give the receiver its signing secret now, it is not shown again: {secret}"
)
MSG_ENABLED = "Enabled {count} subscription(s)."
MSG_KPI_FIXED = "The KPI of a target cannot change: archive this target and add a new one."


def _editable(changed: list[str], allowed: tuple[str, ...]) -> list[str]:
    return [name for name in changed if name in allowed]


# Service writes, shared by each model's admin and its inline on the initiative ------------------


class KpiTargetWrites:
    def service_create(self, request, obj) -> None:
        others = [name for name in targets.TARGET_FIELDS if name not in ("baseline_value", "target_value")]
        created = targets.kpi_target_create(
            actor=request.user,
            initiative=obj.initiative,
            kpi=obj.kpi,
            baseline_value=obj.baseline_value,
            target_value=obj.target_value,
            **field_values(obj, others),
        )
        adopt(obj, created)

    def service_update(self, request, obj, changed) -> None:
        fields = field_values(obj, _editable(changed, targets.TARGET_FIELDS))
        targets.kpi_target_update(actor=request.user, target=obj, **fields)

    def archive(self, request, obj) -> None:
        targets.kpi_target_archive(actor=request.user, target=obj)


class MilestoneWrites:
    # Status moves through milestone_update/milestone_complete in the app (dependencies, done date).
    fields_editable = tuple(name for name in roadmap.PLAN_FIELDS if name != "status")

    def service_create(self, request, obj) -> None:
        others = [name for name in self.fields_editable if name not in ("title", "due_date", "owner")]
        created = roadmap.milestone_create(
            actor=request.user,
            initiative=obj.initiative,
            title=obj.title,
            due_date=obj.due_date,
            owner=obj.owner,
            **field_values(obj, others),
        )
        adopt(obj, created)

    def service_update(self, request, obj, changed) -> None:
        fields = field_values(obj, _editable(changed, self.fields_editable))
        roadmap.milestone_update(actor=request.user, milestone=obj, **fields)

    def archive(self, request, obj) -> None:
        roadmap.milestone_archive(actor=request.user, milestone=obj)


class CostWrites:
    def service_create(self, request, obj) -> None:
        created = money.cost_create(
            actor=request.user,
            initiative=obj.initiative,
            kind=obj.kind,
            description=obj.description,
            amount=obj.amount,
            start_month=obj.start_month,
        )
        adopt(obj, created)

    def service_update(self, request, obj, changed) -> None:
        money.cost_update(
            actor=request.user, cost=obj, **field_values(obj, _editable(changed, money.COST_FIELDS))
        )

    def archive(self, request, obj) -> None:
        money.money_line_archive(actor=request.user, line=obj)


class BenefitWrites:
    def service_create(self, request, obj) -> None:
        created = money.benefit_create(
            actor=request.user,
            initiative=obj.initiative,
            kind=obj.kind,
            description=obj.description,
            monthly_amount=obj.monthly_amount,
            nature=obj.nature,
            start_month=obj.start_month,
        )
        adopt(obj, created)

    def service_update(self, request, obj, changed) -> None:
        # benefit_update voids finance's validation when the claim changes.
        fields = field_values(obj, _editable(changed, money.BENEFIT_FIELDS))
        money.benefit_update(actor=request.user, benefit=obj, **fields)

    def archive(self, request, obj) -> None:
        money.money_line_archive(actor=request.user, line=obj)


class KpiTargetForm(forms.ModelForm):
    """Checks the target's values up front, as ``kpi_target_create`` would, so errors show on fields."""

    class Meta:
        model = KpiTarget
        fields = ("initiative", "kpi", *targets.TARGET_FIELDS)

    def clean(self):
        cleaned = super().clean()
        kpi = cleaned.get("kpi")
        if self.instance.pk and "kpi" in self.changed_data:
            self.add_error("kpi", MSG_KPI_FIXED)
            return cleaned
        if kpi is None:
            return cleaned
        for name in ("baseline_value", "target_value"):
            value = cleaned.get(name)
            message = kpi_validate_value(kpi=kpi, value=value) if value is not None else None
            if message:
                self.add_error(name, message)
        initiative = cleaned.get("initiative")
        initiative_id = initiative.pk if initiative is not None else self.instance.initiative_id
        duplicate = (
            KpiTarget.objects.active()
            .filter(initiative_id=initiative_id, kpi=kpi, segment=cleaned.get("segment", ""))
            .exclude(pk=self.instance.pk)
        )
        if initiative_id is not None and duplicate.exists():
            self.add_error("kpi", targets.MSG_DUPLICATE_TARGET)
        baseline, target = cleaned.get("baseline_value"), cleaned.get("target_value")
        if (
            baseline is not None
            and target is not None
            and not self.has_error("target_value")
            and not target_is_improvement(
                baseline=baseline, target=target, higher_is_better=kpi.higher_is_better
            )
        ):
            self.add_error(
                "target_value",
                targets.MSG_TARGET_NOT_BETTER.format(direction=kpi.get_direction_display().lower()),
            )
        return cleaned


class MilestoneForm(forms.ModelForm):
    class Meta:
        model = Milestone
        fields = ("initiative", *roadmap.PLAN_FIELDS)

    def clean_owner(self):
        # Checked only when the owner changes, like milestone_update: a departed owner stays listed.
        owner = self.cleaned_data["owner"]
        if owner is not None and not owner.is_active and "owner" in self.changed_data:
            raise forms.ValidationError(roadmap.MSG_INACTIVE_OWNER)
        return owner


class StatusUpdateForm(forms.ModelForm):
    class Meta:
        model = StatusUpdate
        fields = ("initiative", "date", "health", "narrative")

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise forms.ValidationError(targets.MSG_FUTURE_UPDATE)
        return date


# Inlines on the initiative ----------------------------------------------------------------------


class KpiTargetInline(
    KpiTargetWrites, ServiceInlineMixin, ArchivableInlineMixin, SharedChoicesInlineMixin, admin.TabularInline
):
    model = KpiTarget
    form = KpiTargetForm
    verbose_name_plural = "KPI targets (active)"
    fields = ("kpi", *targets.TARGET_FIELDS, "evaluation", "evaluated_at")
    readonly_fields = ("evaluation", "evaluated_at")
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("initiative", "kpi")


class MilestoneInline(
    MilestoneWrites, ServiceInlineMixin, ArchivableInlineMixin, SharedChoicesInlineMixin, admin.TabularInline
):
    model = Milestone
    form = MilestoneForm
    verbose_name_plural = "milestones (active)"
    fields = ("title", "owner", "due_date", "phase", "status", "completed_at")
    readonly_fields = ("status", "completed_at")
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("initiative", "owner")


class CostInline(CostWrites, ServiceInlineMixin, ArchivableInlineMixin, admin.TabularInline):
    model = Cost
    verbose_name_plural = "costs (active)"
    fields = money.COST_FIELDS
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        # The row's title (its __str__) names the initiative; the formset sets only initiative_id.
        return super().get_queryset(request).select_related("initiative")


class BenefitInline(BenefitWrites, ServiceInlineMixin, ArchivableInlineMixin, admin.TabularInline):
    model = Benefit
    verbose_name_plural = "benefits (active)"
    fields = (*money.BENEFIT_FIELDS, "validated", "validated_by", "validated_at")
    readonly_fields = ("validated", "validated_by", "validated_at")
    show_change_link = True
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("initiative", "validated_by")


class StageTransitionInline(admin.TabularInline):
    """The stage history, read-only: moves are made by initiative_transition/initiative_decide."""

    model = StageTransition
    verbose_name_plural = "stage history"
    fields = ("created_at", "cycle", "from_stage", "to_stage", "actor", "gate_passed", "decision", "reason")
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("initiative", "actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Model admins -----------------------------------------------------------------------------------


@admin.register(Initiative)
class InitiativeAdmin(ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    list_display = (
        "code",
        "title",
        "team",
        "lead",
        "stage",
        "status",
        "health",
        "cycle",
        "start_date",
        "target_end_date",
        "archived",
    )
    list_filter = ("stage", "status", "health", "category", "team", ArchivedListFilter)
    search_fields = ("code", "title", "team__name", "lead__email", "lead__full_name")
    list_select_related = ("team", "lead")
    autocomplete_fields = ("team", "members")
    date_hierarchy = "start_date"
    fieldsets = (
        (None, {"fields": ("code", "title", "team", "lead", "sponsor", "members")}),
        (
            "Problem and goal",
            {
                "fields": (
                    "problem_statement",
                    "smart_goal",
                    "scope",
                    "category",
                    "breakpoint_type",
                    "impact",
                    "effort",
                )
            },
        ),
        ("Dates", {"fields": ("start_date", "target_end_date")}),
        (
            "Workflow (moved by the stage services in the app)",
            {"fields": ("stage", "status", "cycle", "cycle_started_on", "health", "version", *SYSTEM_FIELDS)},
        ),
    )
    # The code is numbered by initiative_create; health follows the latest status update.
    readonly_fields = (
        "code",
        "stage",
        "status",
        "cycle",
        "cycle_started_on",
        "health",
        "version",
        *SYSTEM_FIELDS,
    )
    inlines = (KpiTargetInline, MilestoneInline, CostInline, BenefitInline, StageTransitionInline)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead":
            kwargs["queryset"] = User.objects.filter(LEADS)
        elif db_field.name == "sponsor":
            kwargs["queryset"] = User.objects.filter(SPONSORS)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        # initiative_create lets an admin create in any team; a lead only in their own teams.
        return request.user.is_admin and super().has_add_permission(request)

    def service_create(self, request, obj) -> None:
        others = [
            name
            for name in initiatives.EDITABLE_FIELDS
            if name not in ("title", "team", "start_date", "lead")
        ]
        created = initiatives.initiative_create(
            actor=request.user,
            title=obj.title,
            team=obj.team,
            start_date=obj.start_date,
            lead=obj.lead,
            **field_values(obj, others),
        )
        # Members are set by save_related from the form, like on a change.
        adopt(obj, created)

    def service_update(self, request, obj, changed) -> None:
        fields = field_values(obj, _editable(changed, initiatives.EDITABLE_FIELDS))
        initiatives.initiative_update(actor=request.user, initiative=obj, **fields)

    def archive(self, request, obj) -> None:
        initiatives.initiative_archive(actor=request.user, initiative=obj)


@admin.register(KpiTarget)
class KpiTargetAdmin(
    KpiTargetWrites, ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin
):
    form = KpiTargetForm
    list_display = (
        "initiative",
        "kpi",
        "segment",
        "baseline_value",
        "target_value",
        "target_date",
        "is_primary",
        "evaluation",
        "archived",
    )
    list_filter = ("evaluation", "is_primary", "kpi", ArchivedListFilter)
    search_fields = ("initiative__code", "initiative__title", "kpi__code", "kpi__name", "segment")
    list_select_related = ("initiative", "kpi")
    autocomplete_fields = ("initiative", "kpi")
    fields = (
        "initiative",
        "kpi",
        *targets.TARGET_FIELDS,
        "evaluation",
        "evaluation_detail",
        "evaluated_at",
        *SYSTEM_FIELDS,
    )

    def get_readonly_fields(self, request, obj=None):
        # Evaluation is written by kpi_target_evaluate when the initiative reaches Check.
        computed = ("evaluation", "evaluation_detail", "evaluated_at", *SYSTEM_FIELDS)
        return computed if obj is None else ("initiative", "kpi", *computed)


@admin.register(StatusUpdate)
class StatusUpdateAdmin(ServiceWriteAdminMixin, admin.ModelAdmin):
    """Updates are posted (the newest sets the initiative's health) and then kept as they are."""

    form = StatusUpdateForm
    list_display = ("initiative", "date", "health", "author", "created_at")
    list_filter = ("health",)
    search_fields = ("initiative__code", "initiative__title", "narrative", "author__email")
    list_select_related = ("initiative", "author")
    autocomplete_fields = ("initiative",)
    date_hierarchy = "date"
    fields = ("initiative", "date", "health", "narrative", "author", "created_at")
    readonly_fields = ("author", "created_at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def service_create(self, request, obj) -> None:
        created = targets.status_update_post(
            actor=request.user,
            initiative=obj.initiative,
            health=obj.health,
            narrative=obj.narrative,
            date=obj.date,
        )
        adopt(obj, created)


@admin.register(Milestone)
class MilestoneAdmin(
    MilestoneWrites, ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin
):
    form = MilestoneForm
    list_display = ("title", "initiative", "owner", "due_date", "phase", "status", "completed_at", "archived")
    list_filter = ("status", "phase", ArchivedListFilter)
    search_fields = ("title", "initiative__code", "initiative__title", "owner__email", "owner__full_name")
    list_select_related = ("initiative", "owner")
    autocomplete_fields = ("initiative",)
    date_hierarchy = "due_date"
    fields = (
        "initiative",
        *MilestoneWrites.fields_editable,
        "status",
        "dependencies",
        "completed_at",
        "overdue_since",
        "version",
        *SYSTEM_FIELDS,
    )

    def get_readonly_fields(self, request, obj=None):
        # Dependencies are set by milestone_set_dependencies, which refuses cycles.
        system = ("status", "dependencies", "completed_at", "overdue_since", "version", *SYSTEM_FIELDS)
        return system if obj is None else ("initiative", *system)


@admin.register(Cost)
class CostAdmin(
    CostWrites, ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin
):
    list_display = ("description", "initiative", "kind", "amount", "start_month", "archived")
    list_filter = ("kind", ArchivedListFilter)
    search_fields = ("description", "initiative__code", "initiative__title")
    list_select_related = ("initiative",)
    autocomplete_fields = ("initiative",)
    fields = ("initiative", *money.COST_FIELDS, *SYSTEM_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return SYSTEM_FIELDS if obj is None else ("initiative", *SYSTEM_FIELDS)


@admin.register(Benefit)
class BenefitAdmin(
    BenefitWrites, ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin
):
    list_display = (
        "description",
        "initiative",
        "kind",
        "nature",
        "monthly_amount",
        "start_month",
        "validated",
        "archived",
    )
    list_filter = ("kind", "nature", "validated", ArchivedListFilter)
    search_fields = ("description", "initiative__code", "initiative__title")
    list_select_related = ("initiative",)
    autocomplete_fields = ("initiative",)
    fields = (
        "initiative",
        *money.BENEFIT_FIELDS,
        "validated",
        "validated_by",
        "validated_at",
        *SYSTEM_FIELDS,
    )

    def get_readonly_fields(self, request, obj=None):
        # Validation is finance's call through benefit_validate.
        system = ("validated", "validated_by", "validated_at", *SYSTEM_FIELDS)
        return system if obj is None else ("initiative", *system)


@admin.register(StageTransition)
class StageTransitionAdmin(admin.ModelAdmin):
    """The audit trail of stage moves: written only by the stage services, never edited."""

    list_display = (
        "initiative",
        "cycle",
        "from_stage",
        "to_stage",
        "actor",
        "gate_passed",
        "overridden",
        "decision",
        "created_at",
    )
    list_filter = ("to_stage", "gate_passed", "decision")
    search_fields = ("initiative__code", "initiative__title", "actor__email", "note", "reason")
    list_select_related = ("initiative", "actor")
    date_hierarchy = "created_at"

    @admin.display(description="overridden", boolean=True)
    def overridden(self, obj) -> bool:
        return obj.overridden

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdminMixin:
    """A record of what a job did; it is kept as written (deleting one would let the job redo it)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SentReminder)
class SentReminderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("milestone", "recipient", "reason", "overdue_since", "sent_at")
    list_filter = ("reason",)
    search_fields = ("milestone__title", "milestone__initiative__code", "recipient__email")
    list_select_related = ("milestone__initiative", "recipient")
    date_hierarchy = "sent_at"


class WebhookSubscriptionCreateForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEventType.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ("owner", "name", "url", "events")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ServiceWriteAdminMixin, admin.ModelAdmin):
    """Created by ``webhook_subscription_create`` (which checks the URL); the secret is shown once."""

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

    def service_create(self, request, obj) -> None:
        created = webhooks.webhook_subscription_create(
            actor=request.user, url=obj.url, events=obj.events, name=obj.name, owner=obj.owner
        )
        adopt(obj, created)
        self.message_user(
            request, MSG_WEBHOOK_SECRET.format(name=created, secret=created.secret), messages.WARNING
        )

    def service_update(self, request, obj, changed) -> None:
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


class WebhookAttemptInline(admin.TabularInline):
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

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("event", "subscription", "status", "attempt_count", "created_at", "finished_at")
    list_filter = ("status",)
    search_fields = ("subscription__name", "subscription__url", "event__dedupe_key")
    list_select_related = ("event", "subscription")
    date_hierarchy = "created_at"
    inlines = (WebhookAttemptInline,)


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("delivery", "number", "requested_at", "status_code", "succeeded", "duration_ms", "error")
    list_filter = ("succeeded",)
    search_fields = ("delivery__subscription__url", "error")
    list_select_related = ("delivery__event", "delivery__subscription")
    date_hierarchy = "requested_at"


# Experiments ------------------------------------------------------------------------------------


class VariantInline(admin.TabularInline):
    """Variants are set with the design (experiment_create / experiment_update in draft)."""

    model = Variant
    fields = ("key", "name", "weight", "is_control")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Experiment)
class ExperimentAdmin(ArchivableAdminMixin, ServiceWriteAdminMixin, ReadOnlyHistoryMixin, SimpleHistoryAdmin):
    """Created with its variants in the app or the API; here name and hypothesis change, and the
    record is archived. Status, decision and the design move only through the experiment services."""

    list_display = ("name", "initiative", "primary_kpi", "metric_type", "status", "decision", "archived")
    list_filter = ("status", "metric_type", "decision", ArchivedListFilter)
    search_fields = ("name", "hypothesis", "initiative__code", "initiative__title")
    list_select_related = ("initiative", "primary_kpi")
    fields = (
        "initiative",
        "name",
        "hypothesis",
        "primary_kpi",
        "guardrail_kpis",
        "metric_type",
        "alpha",
        "power",
        "mde",
        "mde_type",
        "status",
        "decision",
        "decision_note",
        "started_at",
        "stopped_at",
        "concluded_at",
        "concluded_by",
        "version",
        *SYSTEM_FIELDS,
    )
    readonly_fields = tuple(name for name in fields if name not in experiments.TEXT_FIELDS)
    inlines = (VariantInline,)

    def has_add_permission(self, request):
        return False

    def service_create(self, request, obj) -> None:
        raise NotImplementedError("Experiments are created with their variants in the app or the API.")

    def service_update(self, request, obj, changed) -> None:
        fields = field_values(obj, _editable(changed, experiments.TEXT_FIELDS))
        experiments.experiment_update(actor=request.user, experiment=obj, **fields)

    def archive(self, request, obj) -> None:
        experiments.experiment_archive(actor=request.user, experiment=obj)


@admin.register(Variant)
class VariantAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("key", "name", "experiment", "weight", "is_control")
    list_filter = ("is_control",)
    search_fields = ("key", "name", "experiment__name", "experiment__initiative__code")
    list_select_related = ("experiment__initiative",)


@admin.register(VariantData)
class VariantDataAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Written by experiment_data_replace and experiment_observations_ingest, all or nothing."""

    list_display = ("variant", "day", "users", "conversions", "sum", "sum_squares", "updated_at")
    search_fields = ("variant__key", "variant__experiment__name", "variant__experiment__initiative__code")
    list_select_related = ("variant__experiment__initiative",)
