"""Admin building blocks shared by the apps: archive instead of delete, and writes through services.

The admin is a back office for admins, not a way around the domain rules: saves call the same
service functions as the site and the API, and workflow fields are read-only.
"""

from collections.abc import Iterable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as AccessDenied
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils import timezone

from common.errors import DomainError

MSG_ARCHIVED = "Archived {count} record(s)."
MSG_NO_REVERT = "Reverting to an old version would bypass the domain rules; change the record instead."


def error_text(error: ValidationError | DomainError) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return error.message


def field_values(obj, names: Iterable[str]) -> dict:
    return {name: getattr(obj, name) for name in names}


def adopt(target, source) -> None:
    """Turn the admin's unsaved ``target`` into the row a service created as ``source``.

    The admin goes on to save m2m data, log the addition and redirect through the object it built
    from the form, so that object must carry the new primary key and values.
    """
    for field in source._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    target._state.adding = False
    target._state.db = source._state.db


def share_choices(formfield):
    """Load a select's options once per form, not once per inline row (each row copies the field)."""
    if formfield is not None and hasattr(formfield, "queryset"):
        # iter() first: list() on the choices would ask their len(), one more COUNT query.
        formfield.choices = list(iter(formfield.choices))
    return formfield


class ArchivedListFilter(admin.SimpleListFilter):
    title = "archived"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", "Active"), ("yes", "Archived")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(archived_at__isnull=False)
        return queryset


class ArchivableAdminMixin:
    """Archive, never delete: no delete action or button, and an archived record is read-only.

    ``archive`` archives one record; admins of models with an archive service override it to call
    the service, which records history and checks the version.
    """

    actions = ["archive_selected"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.archived_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def archive(self, request, obj) -> None:
        obj.archived_at = timezone.now()
        obj.save(update_fields=["archived_at", "updated_at"])

    @admin.action(description="Archive selected", permissions=["change"])
    def archive_selected(self, request, queryset):
        archived = 0
        for obj in queryset.filter(archived_at__isnull=True):
            try:
                self.archive(request, obj)
            except (ValidationError, DomainError) as error:
                self.message_user(request, f"{obj}: {error_text(error)}", messages.ERROR)
            else:
                archived += 1
        self.message_user(request, MSG_ARCHIVED.format(count=archived), messages.SUCCESS)

    @admin.display(description="archived", boolean=True, ordering="archived_at")
    def archived(self, obj) -> bool:
        return obj.archived_at is not None


class ServiceWriteAdminMixin:
    """Saves go through the domain services, inlines included.

    Subclasses implement ``service_create(request, obj)`` (then ``adopt`` the created row) and
    ``service_update(request, obj, changed)``. Inlines that mix in ``ServiceInlineMixin`` are
    saved through their own two methods. The form checks what it can; a rule only the service
    knows comes back as an error message. The change view runs in one transaction, so nothing of
    a refused request is kept.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, DomainError) as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        if change:
            self.service_update(request, obj, form.changed_data)
        else:
            self.service_create(request, obj)

    def save_formset(self, request, form, formset, change):
        inline = getattr(formset, "admin_inline", None)
        if inline is None:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in formset.new_objects:
            inline.service_create(request, obj)
        for obj, changed in formset.changed_objects:
            inline.service_update(request, obj, changed)
        return None

    def service_create(self, request, obj) -> None:
        raise NotImplementedError

    def service_update(self, request, obj, changed: list[str]) -> None:
        raise NotImplementedError


class ServiceInlineMixin:
    """An inline whose rows the parent's ``ServiceWriteAdminMixin`` saves through services."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.admin_inline = self
        return formset


class SharedChoicesInlineMixin:
    """Foreign-key selects of an inline query their options once, whatever the number of rows."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return share_choices(super().formfield_for_foreignkey(db_field, request, **kwargs))


class ArchivableInlineMixin:
    """Rows are archived, not deleted; the rows of an archived parent are read-only."""

    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(archived_at__isnull=True)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        if getattr(obj, "archived_at", None) is not None:
            return False
        return super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if getattr(obj, "archived_at", None) is not None:
            return False
        return super().has_change_permission(request, obj)


class ReadOnlyHistoryMixin:
    """django-simple-history's history stays viewable, but "Revert" is off.

    Reverting writes an old row back wholesale (stage, status and version included), around every
    service. The history form is shown read-only and a POST to it is refused.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise AccessDenied(MSG_NO_REVERT)
        return super().history_form_view(request, object_id, version_id, extra_context)
