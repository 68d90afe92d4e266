"""Writing the parsed rows of an import through the services that own each record.

Each row goes through the same service as the site's forms and the API (``initiative_create``,
``kpi_target_update``, ``milestone_create``, ``measurement_upsert_many``…), so an import obeys the
same rules and permissions, and their errors are reported on the row and column they came from.
The caller holds the transaction: a failed row rolls back only its own savepoint, so every row is
checked, and the caller then rolls everything back (a dry run, or any error) or commits.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Team, User
from common.errors import DomainError
from improvement import policies
from improvement.import_columns import COLUMNS
from improvement.models import ImportKind, Initiative, KpiTarget, Milestone
from improvement.services.initiatives import initiative_create, initiative_update
from improvement.services.roadmap import milestone_create, milestone_update
from improvement.services.targets import kpi_target_create, kpi_target_update
from kpis.models import Kpi
from kpis.services import MAX_BATCH_ROWS, measurement_can_write, measurement_upsert_many

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"
# Progress is reported every this many rows of the row-by-row kinds.
PROGRESS_EVERY = 100
# Service field names that are not the column's key.
FIELD_COLUMN_KEYS = {"is_primary": "primary", "kpi": "kpi", "initiative": "initiative"}

MSG_UNKNOWN_TEAM = gettext_noop("No team is named {value}.")
MSG_UNKNOWN_USER = gettext_noop("No user has the e-mail address or name {value}.")
MSG_AMBIGUOUS_USER = gettext_noop("Several users are named {value}: use the e-mail address.")
MSG_UNKNOWN_INITIATIVE = gettext_noop("No initiative has the code {value}.")
MSG_UNKNOWN_KPI = gettext_noop("Unknown KPI code: {value}.")
MSG_DUPLICATE = gettext_noop("Row {other} has the same {key}.")
MSG_CANNOT_EDIT = gettext_noop("You cannot change initiative {code}.")
MSG_CANNOT_WRITE_MEASUREMENTS = gettext_noop("Your role cannot record measurements.")

Row = tuple[int, dict[str, object]]


@dataclass
class Outcome:
    errors: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add_error(self, row: int, key: str, message: str) -> None:
        # Stored as JSON: the message in the language active when the file was checked.
        self.errors.append({"row": row, "column": column_header(key), "message": str(message)})


class RowError(Exception):
    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


def column_header(key: str) -> str:
    for columns in COLUMNS.values():
        for column in columns:
            if column.key == key:
                return column.header
    return ""


class _Lookups:
    """Teams, users, initiatives and KPIs named in the file, each looked up once."""

    def __init__(self):
        self._cache: dict[tuple[str, str], object] = {}

    def _get(self, kind: str, value: str, find: Callable[[str], object]):
        if (kind, value) not in self._cache:
            self._cache[(kind, value)] = find(value)
        return self._cache[(kind, value)]

    def team(self, value: str) -> Team:
        team = self._get("team", value, lambda v: Team.objects.filter(Q(name__iexact=v) | Q(slug=v)).first())
        if team is None:
            raise RowError("team", _(MSG_UNKNOWN_TEAM).format(value=value))
        return team

    def user(self, value: str, key: str) -> User:
        def find(v):
            return list(User.objects.filter(Q(email__iexact=v) | Q(full_name=v), is_active=True)[:2])

        found = self._get("user", value, find)
        if not found:
            raise RowError(key, _(MSG_UNKNOWN_USER).format(value=value))
        if len(found) > 1:
            raise RowError(key, _(MSG_AMBIGUOUS_USER).format(value=value))
        return found[0]

    def initiative(self, value: str) -> Initiative:
        initiative = self._get("initiative", value, lambda v: Initiative.objects.filter(code=v).first())
        if initiative is None:
            raise RowError("initiative", _(MSG_UNKNOWN_INITIATIVE).format(value=value))
        return initiative

    def kpi(self, value: str) -> Kpi:
        kpi = self._get("kpi", value, lambda v: Kpi.objects.active().filter(code=v).first())
        if kpi is None:
            raise RowError("kpi", _(MSG_UNKNOWN_KPI).format(value=value))
        return kpi


def _changed(instance, fields: dict) -> dict:
    return {name: value for name, value in fields.items() if getattr(instance, name) != value}


def _require_edit(actor: User, initiative: Initiative) -> None:
    if not policies.can_edit(actor, initiative):
        raise RowError("initiative", _(MSG_CANNOT_EDIT).format(code=initiative.code))


INITIATIVE_FIELDS = (
    "title",
    "category",
    "start_date",
    "target_end_date",
    "problem_statement",
    "smart_goal",
    "scope",
    "breakpoint_type",
    "impact",
    "effort",
)


def _initiative_row(actor: User, values: dict, lookups: _Lookups) -> str:
    fields = {name: values[name] for name in INITIATIVE_FIELDS if name in values}
    fields["team"] = lookups.team(values["team"])
    for role in ("lead", "sponsor"):
        if role in values:
            fields[role] = lookups.user(values[role], role)
    existing = Initiative.objects.filter(code=values["code"]).first()
    if existing is None:
        initiative_create(actor=actor, code=values["code"], **fields)
        return CREATE
    if not policies.can_edit(actor, existing):
        raise RowError("code", _(MSG_CANNOT_EDIT).format(code=existing.code))
    changed = _changed(existing, fields)
    if not changed:
        return UNCHANGED
    initiative_update(actor=actor, initiative=existing, **changed)
    return UPDATE


TARGET_FIELDS = {
    "segment": "segment",
    "baseline_value": "baseline_value",
    "baseline_start": "baseline_start",
    "baseline_end": "baseline_end",
    "target_value": "target_value",
    "target_date": "target_date",
    "primary": "is_primary",
    "unit_value_per_month": "unit_value_per_month",
}


def _target_row(actor: User, values: dict, lookups: _Lookups) -> str:
    initiative = lookups.initiative(values["initiative"])
    kpi = lookups.kpi(values["kpi"])
    fields = {name: values[key] for key, name in TARGET_FIELDS.items() if key in values}
    fields.setdefault("segment", "")
    _require_edit(actor, initiative)
    existing = (
        KpiTarget.objects.active()
        .select_related("initiative", "kpi")
        .filter(initiative=initiative, kpi=kpi, segment=fields["segment"])
        .first()
    )
    if existing is None:
        kpi_target_create(actor=actor, initiative=initiative, kpi=kpi, **fields)
        return CREATE
    changed = _changed(existing, fields)
    if not changed:
        return UNCHANGED
    kpi_target_update(actor=actor, target=existing, **changed)
    return UPDATE


MILESTONE_FIELDS = ("due_date", "phase", "status", "description", "acceptance_criteria")


def _milestone_row(actor: User, values: dict, lookups: _Lookups) -> str:
    initiative = lookups.initiative(values["initiative"])
    fields = {name: values[name] for name in MILESTONE_FIELDS if name in values}
    if "owner" in values:
        fields["owner"] = lookups.user(values["owner"], "owner")
    _require_edit(actor, initiative)
    existing = (
        Milestone.objects.filter(initiative=initiative, title=values["title"], archived_at__isnull=True)
        .select_related("initiative")
        .order_by("id")
        .first()
    )
    if existing is None:
        milestone_create(actor=actor, initiative=initiative, title=values["title"], **fields)
        return CREATE
    changed = _changed(existing, fields)
    if not changed:
        return UNCHANGED
    milestone_update(actor=actor, milestone=existing, **changed)
    return UPDATE


ROW_WRITERS = {
    ImportKind.INITIATIVES: _initiative_row,
    ImportKind.TARGETS: _target_row,
    ImportKind.MILESTONES: _milestone_row,
}
# A record's natural key in the file, and how an error on a repeated key reads.
NATURAL_KEYS = {
    ImportKind.INITIATIVES: (("code",), "code"),
    ImportKind.TARGETS: (("initiative", "kpi", "segment"), "initiative, KPI and segment"),
    ImportKind.MILESTONES: (("initiative", "title"), "initiative and title"),
    ImportKind.MEASUREMENTS: (("kpi", "segment", "period", "source"), "KPI, segment, period and source"),
}


def refuse_duplicates(kind: str, rows: list[Row], outcome: Outcome) -> list[Row]:
    """The rows whose natural key no earlier row of the file has; an error for each other one."""
    names, description = NATURAL_KEYS[kind]
    seen: dict[tuple, int] = {}
    unique = []
    for number, values in rows:
        key = tuple(values.get(name) or "" for name in names)
        if key in seen:
            outcome.add_error(number, names[-1], _(MSG_DUPLICATE).format(other=seen[key], key=description))
            continue
        seen[key] = number
        unique.append((number, values))
    return unique


def _service_errors(error: ValidationError) -> list[tuple[str, str]]:
    if not hasattr(error, "error_dict"):
        return [("", message) for message in error.messages]
    return [
        (FIELD_COLUMN_KEYS.get(name, name) if name != "__all__" else "", message)
        for name, messages in error.message_dict.items()
        for message in messages
    ]


def rows_write(
    *, actor: User, kind: str, rows: list[Row], outcome: Outcome, progress: Callable[[int], None]
) -> None:
    """Write ``rows`` (parsed, without duplicates) in the caller's transaction, recording per row."""
    if kind == ImportKind.MEASUREMENTS:
        _measurements_write(actor=actor, rows=rows, outcome=outcome, progress=progress)
        return
    write = ROW_WRITERS[kind]
    lookups = _Lookups()
    for done, (number, values) in enumerate(rows, start=1):
        try:
            with transaction.atomic():
                outcome.counts[write(actor, values, lookups)] += 1
        except RowError as error:
            outcome.add_error(number, error.key, error.message)
        except ValidationError as error:
            for key, message in _service_errors(error):
                outcome.add_error(number, key, message)
        except DomainError as error:
            outcome.add_error(number, "", str(error))
        if done % PROGRESS_EVERY == 0:
            progress(done)
    progress(len(rows))


def _measurements_write(*, actor: User, rows: list[Row], outcome: Outcome, progress) -> None:
    """Batches of the bulk upsert (COPY on PostgreSQL), each checked whole; a refused batch rolls
    back its own savepoint and the next batches are still checked."""
    if not measurement_can_write(actor=actor):
        outcome.add_error(rows[0][0] if rows else 1, "", _(MSG_CANNOT_WRITE_MEASUREMENTS))
        return
    for start in range(0, len(rows), MAX_BATCH_ROWS):
        batch = rows[start : start + MAX_BATCH_ROWS]
        try:
            result = measurement_upsert_many(actor=actor, rows=[values for _, values in batch])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                index, _dot, key = name.removeprefix("rows[").partition("].")
                for message in messages:
                    outcome.add_error(batch[int(index)][0], key, message)
        else:
            outcome.counts[CREATE] += result.created
            outcome.counts[UPDATE] += result.updated
            outcome.counts[UNCHANGED] += result.unchanged
        progress(start + len(batch))
