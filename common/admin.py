"""Admin building blocks shared by the apps: archive instead of delete, and writes through services.

The admin is a back office for admins, not a way around the domain rules: saves call the same
service functions as the site and the API, and workflow fields are read-only.
"""

from collections.abc import Callable, Iterable
from contextlib import contextmanager

from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.exceptions import PermissionDenied as AccessDenied
from django.http import HttpResponseRedirect
from django.utils import timezone

from common.errors import DomainError

MSG_ARCHIVED = "Archived {count} record(s)."
MSG_NO_REVERT = "Reverting to an old version would bypass the domain rules; change the record instead."

# The bookkeeping fields of an archivable, timestamped model: shown, never edited.
SYSTEM_FIELDS = ("archived_at", "created_at", "updated_at")

# Set on the request while a refused change form is shown again with the service's errors.
SERVICE_ERRORS = "_service_errors"


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

    ``archive`` archives one record: through the ``archive_service`` the admin declares (see
    ``ServiceWrites``), which records history and checks the version, else by setting the date.
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
        if getattr(type(self), "archive_service", None) is not None:
            self.service_archive(request, obj)
            return
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


class ServiceWrites:
    """How an admin (or an inline) writes its model: through services it declares, not code it copies.

    ``create_service`` is called with ``actor=`` and the ``create_fields`` of the new row (all our
    services take keyword arguments only, so required and optional fields travel alike), and the row
    it returns is ``adopt``-ed. ``update_service`` is called with ``actor=``, the row under
    ``instance_kwarg`` and those of the changed fields that are in ``editable_fields``;
    ``archive_service`` with ``actor=`` and the row under ``archive_kwarg`` (default:
    ``instance_kwarg``). A model whose service does not fit overrides ``service_create`` or
    ``service_update``.
    """

    create_service: Callable | None = None
    create_fields: tuple[str, ...] = ()
    update_service: Callable | None = None
    editable_fields: tuple[str, ...] = ()
    archive_service: Callable | None = None
    instance_kwarg: str = ""
    archive_kwarg: str = ""

    # The services are read from the class: a plain function read from an instance would be bound
    # to it and receive the admin as a positional argument.
    def service_create(self, request, obj):
        if type(self).create_service is None:
            raise NotImplementedError(f"{type(self).__name__} declares no create_service.")
        created = type(self).create_service(actor=request.user, **field_values(obj, self.create_fields))
        adopt(obj, created)
        return created

    def service_update(self, request, obj, changed: list[str]) -> None:
        if type(self).update_service is None:
            raise NotImplementedError(f"{type(self).__name__} declares no update_service.")
        fields = field_values(obj, [name for name in changed if name in self.editable_fields])
        type(self).update_service(actor=request.user, **{self.instance_kwarg: obj}, **fields)

    def service_archive(self, request, obj) -> None:
        keyword = self.archive_kwarg or self.instance_kwarg
        type(self).archive_service(actor=request.user, **{keyword: obj})


def _service_error_form(form_class, errors: dict[str | None, ValidationError]):
    """``form_class`` whose forms carry the service's errors that were raised for their prefix."""

    class ServiceErrorForm(form_class):
        def full_clean(self):
            super().full_clean()
            error = errors.get(self.prefix)
            if error is None or not hasattr(self, "cleaned_data"):
                return
            for name, field_errors in _errors_by_field(error).items():
                # A rule on a field the form does not show (read-only, or set by the service) is
                # still the user's to fix: it goes on top of the form.
                self.add_error(name if name in self.fields else None, field_errors)

    ServiceErrorForm.__name__ = form_class.__name__
    return ServiceErrorForm


def _errors_by_field(error: ValidationError) -> dict[str, list[ValidationError]]:
    if hasattr(error, "error_dict"):
        return error.error_dict
    return {NON_FIELD_ERRORS: error.error_list}


class ServiceWriteAdminMixin(ServiceWrites):
    """Saves go through the domain services, inlines included.

    Subclasses declare their services (see ``ServiceWrites``). Inlines that mix in
    ``ServiceInlineMixin`` are saved through their own declarations. A ``ValidationError`` from a
    service lands on the fields of the form (or inline row) it came from: the change view runs in one
    transaction, which the error rolls back, and is then shown again with the errors, so nothing of
    the refused request is kept and the user's input is not lost. Other domain errors (permission,
    conflict) come back as a message.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            errors = getattr(error, "service_errors", None)
            if errors is None or hasattr(request, SERVICE_ERRORS):
                self.message_user(request, error_text(error), messages.ERROR)
                return HttpResponseRedirect(request.get_full_path())
            setattr(request, SERVICE_ERRORS, errors)
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error_text(error), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        errors = getattr(request, SERVICE_ERRORS, None)
        return form if errors is None else _service_error_form(form, errors)

    def save_model(self, request, obj, form, change):
        with _errors_for(form):
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
            with _errors_for(_form_of(formset, obj)):
                inline.service_create(request, obj)
        for obj, changed in formset.changed_objects:
            with _errors_for(_form_of(formset, obj)):
                inline.service_update(request, obj, changed)
        return None


def _form_of(formset, obj):
    return next((form for form in formset.forms if form.instance is obj), None)


@contextmanager
def _errors_for(form):
    """Tag a service's ``ValidationError`` with the prefix of the form whose values it refuses."""
    try:
        yield
    except ValidationError as error:
        if form is not None:
            error.service_errors = {form.prefix: error}
        raise


class ServiceInlineMixin(ServiceWrites):
    """An inline whose rows the parent's ``ServiceWriteAdminMixin`` saves through its declared services."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.admin_inline = self
        errors = getattr(request, SERVICE_ERRORS, None)
        if errors is not None:
            formset.form = _service_error_form(formset.form, errors)
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


class ReadOnlyAdminMixin:
    """A record of what a job or a service did: kept as written, never added, changed or deleted here
    (deleting one could let the job do it again). Fits model admins and inlines alike."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
