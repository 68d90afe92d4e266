from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from common.dates import MSG_DATE_RANGE, date_in_range
from common.errors import StaleVersion


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """Every date field of every model lies in ``common.dates``' range (checked by full_clean,
        which every service runs): one rule for all dates, present and future, with no migration."""
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field in self._meta.concrete_fields:
            is_date = isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField)
            if not is_date or field.name in (exclude or ()) or field.name in errors:
                continue
            if not date_in_range(getattr(self, field.attname)):
                errors[field.name] = [ValidationError(MSG_DATE_RANGE, code="date_range")]
        if errors:
            raise ValidationError(errors)


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)


class ArchivableModel(models.Model):
    """Important records are archived, never deleted, so history and sync mirrors stay whole."""

    archived_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


def save_versioned(instance, *, update_fields, expected_version: int, actor=None) -> None:
    """Save ``update_fields`` only if nobody changed the row since ``expected_version`` was read.

    The conditional UPDATE is the arbiter on every database (SQLite included): of two writers that
    read the same version, exactly one moves it on; the other gets ``StaleVersion``. The following save()
    writes the fields and lets django-simple-history record who changed what.
    """
    model = type(instance)
    moved = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
        version=expected_version + 1
    )
    if moved != 1:
        raise StaleVersion()
    instance.version = expected_version + 1
    if actor is not None:
        instance._history_user = actor
    instance.save(update_fields=sorted({*update_fields, "version", "updated_at"}))
