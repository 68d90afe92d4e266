"""Import jobs: upload, dry run, then an all-or-nothing import (docs/exports.md, Import).

Both passes run the same code in the background (``improvement.import_run``): the dry run writes
every row through its service inside a transaction and rolls it back, so its preview (errors by row
and column, rows to create / update / leave unchanged) is what the import will do; the import
re-reads the stored file, checks again (the data may have changed meanwhile) and commits only if no
row fails. Progress is kept in the cache, outside the import's transaction, so a status request sees
it while the rows are being written.
"""

import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.languages import language_of
from accounts.models import Role, User
from common.errors import Conflict, PermissionDenied
from common.outbox import outbox_enqueue
from improvement.import_columns import MSG_MISSING_COLUMN, missing_columns, parse_row
from improvement.import_files import FileError, file_format, read_table
from improvement.models import ImportJob, ImportKind, ImportStatus
from improvement.services.import_rows import Outcome, refuse_duplicates, rows_write
from kpis.services import measurement_can_write

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
# The job keeps this many errors to show; the count says how many there were.
MAX_ERRORS_KEPT = 1000
PROGRESS_TIMEOUT_SECONDS = 3600
IMPORT_TASK = "improvement.import_run"
# Who may import each kind at all; each row is then checked by its service (their team, their
# initiative).
RECORD_ROLES = frozenset({Role.ADMIN, Role.LEAD})

MSG_TOO_LARGE = gettext_noop("The file is larger than 20 MB.")
MSG_TOO_MANY_ROWS_TEMPLATE = gettext_noop("The file has more than {limit} rows.")
MSG_TOO_MANY_ROWS = MSG_TOO_MANY_ROWS_TEMPLATE.format(limit=f"{MAX_ROWS:,}")
MSG_CHOOSE_KIND = gettext_noop("Choose one of: {kinds}.")
MSG_NOT_UPLOADER = gettext_noop("Only the person who uploaded the file can import it.")
MSG_NO_ROWS = gettext_noop("The file has a header row but no data rows.")
MSG_CANNOT_IMPORT = gettext_noop("Your role cannot import {kind}.")
MSG_NOT_READY = gettext_noop("Only a checked file without errors can be imported.")


class _DryRun(Exception):
    """Raised inside the import's transaction to roll every row back."""


def import_can_create(*, actor: User, kind: str) -> bool:
    if kind == ImportKind.MEASUREMENTS:
        return measurement_can_write(actor=actor)
    return actor.is_superuser or actor.role in RECORD_ROLES


def progress_key(job_id: int) -> str:
    return f"imports:{job_id}:progress"


def import_progress(*, job: ImportJob) -> int:
    """Rows handled so far by the running pass (all of them once it finished)."""
    if job.is_finished:
        return job.rows_total
    return min(cache.get(progress_key(job.pk), 0), job.rows_total)


@transaction.atomic
def import_job_create(
    *, actor: User, kind: str, filename: str, content: bytes, dry_run: bool = True
) -> ImportJob:
    """Store the file and schedule its dry run, or (``dry_run=False``) its import at once: the
    import checks every row too and writes nothing if one fails."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _(MSG_CHOOSE_KIND).format(kinds=", ".join(ImportKind.values))})
    if not import_can_create(actor=actor, kind=kind):
        raise PermissionDenied(_(MSG_CANNOT_IMPORT).format(kind=ImportKind(kind).label.lower()))
    if len(content) > MAX_FILE_BYTES:
        raise ValidationError({"file": _(MSG_TOO_LARGE)})
    try:
        file_format(filename)
    except FileError as error:
        raise ValidationError({"file": str(error)}) from error
    job = ImportJob.objects.create(
        kind=kind,
        created_by=actor,
        filename=filename[:255],
        content=content,
        status=ImportStatus.VALIDATING if dry_run else ImportStatus.IMPORTING,
    )
    outbox_enqueue(task=IMPORT_TASK, args=[job.pk])
    return job


@transaction.atomic
def import_job_start(*, actor: User, job: ImportJob) -> ImportJob:
    """The "Import" step: the checked file is imported in the background."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.created_by_id != actor.pk:
        raise PermissionDenied(_(MSG_NOT_UPLOADER))
    if job.status != ImportStatus.VALID:
        raise Conflict(_(MSG_NOT_READY))
    job.status = ImportStatus.IMPORTING
    job.save(update_fields=["status"])
    cache.set(progress_key(job.pk), 0, PROGRESS_TIMEOUT_SECONDS)
    outbox_enqueue(task=IMPORT_TASK, args=[job.pk])
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run the pass the job waits for: the dry run, or the import. Quietly does nothing for a job
    that is gone or finished (a task delivered twice)."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status not in (ImportStatus.VALIDATING, ImportStatus.IMPORTING):
        return None
    # The row errors are stored for the uploader to read later: written in their language.
    with language_of(job.created_by):
        return _run(job)


def _run(job: ImportJob) -> ImportJob:
    write = job.status == ImportStatus.IMPORTING
    outcome = Outcome()
    try:
        table = read_table(bytes(job.content), filename=job.filename)
    except FileError as error:
        outcome.add_error(1, "", str(error))
        return _finish(job, outcome, write=write)
    for column in missing_columns(job.kind, table.columns):
        outcome.add_error(1, column.key, _(MSG_MISSING_COLUMN).format(name=column.header))
    if not table.rows:
        outcome.add_error(1, "", _(MSG_NO_ROWS))
    if len(table.rows) > MAX_ROWS:
        outcome.add_error(1, "", _(MSG_TOO_MANY_ROWS_TEMPLATE).format(limit=f"{MAX_ROWS:,}"))
    if outcome.errors:
        return _finish(job, outcome, write=write)
    # The total is committed at once, outside the import's transaction, for the progress bar.
    job.rows_total = len(table.rows)
    job.save(update_fields=["rows_total"])
    parsed = []
    for number, cells in table.rows:
        values, errors = parse_row(job.kind, cells)
        for key, message in errors.items():
            outcome.add_error(number, key, message)
        if not errors:
            parsed.append((number, values))
    parsed = refuse_duplicates(job.kind, parsed, outcome)

    def progress(done: int) -> None:
        cache.set(progress_key(job.pk), done, PROGRESS_TIMEOUT_SECONDS)

    try:
        with transaction.atomic():
            rows_write(actor=job.created_by, kind=job.kind, rows=parsed, outcome=outcome, progress=progress)
            if outcome.errors or not write:
                raise _DryRun
    except _DryRun:
        pass
    return _finish(job, outcome, write=write)


def _finish(job: ImportJob, outcome: Outcome, *, write: bool) -> ImportJob:
    errors = sorted(outcome.errors, key=lambda e: (e["row"], e["column"]))
    job.errors = errors[:MAX_ERRORS_KEPT]
    job.error_count = len(errors)
    job.counts = {name: outcome.counts.get(name, 0) for name in ("create", "update", "unchanged")}
    if write:
        job.status = ImportStatus.FAILED if errors else ImportStatus.DONE
        job.content = b""  # imported or refused: only the outcome is kept
    else:
        job.status = ImportStatus.INVALID if errors else ImportStatus.VALID
    job.finished_at = timezone.now()
    job.save(update_fields=["errors", "error_count", "counts", "status", "content", "finished_at"])
    cache.delete(progress_key(job.pk))
    logger.info("Import %s %s: %s rows, %s errors", job.pk, job.status, job.rows_total, len(errors))
    return job
