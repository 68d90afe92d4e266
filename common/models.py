from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy

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


class OutboxState(models.TextChoices):
    PENDING = "pending", gettext_lazy("Pending")
    PUBLISHED = "published", gettext_lazy("Published")
    DONE = "done", gettext_lazy("Done")
    FAILED = "failed", gettext_lazy("Failed")


class OutboxMessage(models.Model):
    """A background task to run, written in the transaction of the change that asks for it.

    The relay (``common.outbox``) hands due rows to the broker; the task records its completion here,
    so a message delivered again after it was done is a no-op. Retries set ``due_at`` in the future
    instead of waiting on the broker.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=OutboxState.choices, default=OutboxState.PENDING)
    due_at = models.DateTimeField(default=timezone.now)
    # Retries scheduled so far; the task sees it as ``request.retries`` (backoff and max_retries).
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The request that asked for the work, so the worker's log lines can be traced back to it.
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [
            # The relay's scan: few rows are not done, so the partial indexes stay small.
            models.Index(fields=["due_at"], condition=models.Q(state="pending"), name="outbox_pending_due"),
            models.Index(
                fields=["published_at"],
                condition=models.Q(state="published"),
                name="outbox_published_at",
            ),
            models.Index(fields=["state", "completed_at"], name="outbox_state_completed"),
        ]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} #{self.pk} ({self.state})"
