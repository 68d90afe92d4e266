"""Write steps every update service shares, written once.

A service keeps what is its own (permissions, locks, derived fields, history of the domain,
announcements) and hands the plain steps to ``model_update``: refuse fields it does not allow,
set the values, validate, record who made the change, save only what really changed.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext, gettext_noop

from common.errors import StaleVersion
from common.models import save_versioned

MSG_CANNOT_CHANGE = gettext_noop("This field cannot be changed.")

ModelT = TypeVar("ModelT", bound=models.Model)


def fields_refuse_unknown(
    names: Iterable[str], *, allowed: Iterable[str], message: str = MSG_CANNOT_CHANGE
) -> None:
    """Raise a ``ValidationError`` naming every field in ``names`` that is not in ``allowed``."""
    unknown = set(names) - set(allowed)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), gettext(message)))


def _stored(instance: models.Model) -> dict[str, Any]:
    """The row as stored, by attname (a foreign key compares by id and loads nothing).

    Read from the database, not remembered from the instance: forms (the admin's, the site's)
    put the new values on the instance before the service is called.
    """
    names = [field.attname for field in instance._meta.concrete_fields]
    return type(instance)._default_manager.filter(pk=instance.pk).values(*names).first() or {}


def _values(instance: models.Model) -> dict[str, Any]:
    return {field.name: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _changed(instance: models.Model, stored: Mapping[str, Any], names: Iterable[str]) -> list[str]:
    """Of ``names``, those whose value differs from the stored row, in the model's field order."""
    names = set(names)
    return [
        field.name
        for field in instance._meta.concrete_fields
        if field.name in names
        and (field.attname not in stored or stored[field.attname] != getattr(instance, field.attname))
    ]


def model_update(
    instance: ModelT,
    *,
    actor: AbstractBaseUser | None,
    data: Mapping[str, Any],
    allowed: Iterable[str],
    unknown_message: str = MSG_CANNOT_CHANGE,
    clean_exclude: Iterable[str] = (),
    prepare: Callable[[list[str]], None] | None = None,
    expected_version: int | None = None,
) -> list[str]:
    """Apply ``data`` to ``instance`` and save the fields that changed; return their names.

    ``prepare``, when given, runs once the values are set and before validation, with the names of
    the fields changed so far: the service's own rules that need the new values (it may raise a
    ``ValidationError`` or set derived fields, which are then saved too). ``clean_exclude`` are
    the fields ``full_clean`` skips (relations the service has already checked).

    A given or derived field has changed when its value differs from the stored row. Nothing is
    written when nothing changed, so a repeated request adds no history row. With
    ``expected_version`` the save is the optimistic-locking ``save_versioned`` (``StaleVersion`` if the
    row moved on); a request that changes nothing is still refused when its version is stale.
    """
    fields_refuse_unknown(data, allowed=allowed, message=unknown_message)
    stored = _stored(instance)
    for name, value in data.items():
        setattr(instance, name, value)
    # Only the given fields and those ``prepare`` derives are candidates: any other field of a
    # stale instance differs from the row too, and writing it back would undo someone's change.
    touched = set(data)
    if prepare is not None:
        before = _values(instance)
        prepare(_changed(instance, stored, data))
        touched |= {name for name, value in _values(instance).items() if before[name] != value}
    instance.full_clean(exclude=list(clean_exclude))
    # After full_clean: it turns raw input ("12.50") into the field's type, which is what compares.
    changed = _changed(instance, stored, touched)
    if not changed:
        if expected_version is not None and expected_version != stored.get("version", instance.version):
            raise StaleVersion()
        return []
    # django-simple-history reads the author from here; there is no thread-local request user.
    instance._history_user = actor
    if expected_version is not None:
        save_versioned(instance, update_fields=changed, expected_version=expected_version, actor=actor)
    else:
        instance.save(update_fields=[*changed, "updated_at"])
    return changed


def queryset_delete_in_batches(queryset: models.QuerySet, *, batch_size: int) -> int:
    """Delete the rows of ``queryset`` (cascades included) ``batch_size`` at a time, each batch in
    its own short transaction, so pruning a large backlog never holds locks for long. Returns the
    number of ``queryset``'s own rows deleted."""
    model = queryset.model
    deleted = 0
    while True:
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        with transaction.atomic():
            _, per_model = model._base_manager.filter(pk__in=ids).delete()
        deleted += per_model.get(model._meta.label, 0)
        if len(ids) < batch_size:
            return deleted
