"""The initiative page's history panel: who changed what and when, newest first.

Only what is shown is read: each source (the initiative, its targets, milestones and money lines)
is read newest first in batches of the panel's length, each record with the one before it of the
same object (to diff against), and the sources are merged lazily until the panel is full. An
initiative with thousands of history rows costs the same as one with a hundred.
"""

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.models import Team, User
from improvement.models import Benefit, Cost, Initiative, KpiTarget, Milestone
from kpis.models import Kpi

HISTORY_LIMIT = 100
# Fields that change on every write or hold machine detail, not something a person decided.
HISTORY_HIDDEN_FIELDS = frozenset(
    {"id", "version", "created_at", "updated_at", "evaluation_detail", "overdue_since", "completed_at"}
)
ARCHIVED_FIELD = "archived_at"


@dataclass
class Change:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: User | None
    subject: str
    action: str
    changes: list[Change] = field(default_factory=list)

    @property
    def sentence(self) -> str:
        """ "Milestone “Pilot” created", in the reader's language."""
        return gettext(ACTIONS[self.action]).format(subject=self.subject)


# The tracked fields' names as the history shows them (their models' verbose names, capitalised),
# for the translators; ``initiative_history`` translates each name it shows.
FIELD_NAMES = (
    gettext_noop("Acceptance criteria"),
    gettext_noop("Amount"),
    gettext_noop("Annual discount rate"),
    gettext_noop("Archived at"),
    gettext_noop("Baseline end"),
    gettext_noop("Baseline start"),
    gettext_noop("Baseline value"),
    gettext_noop("Category"),
    gettext_noop("Code"),
    gettext_noop("Cycle"),
    gettext_noop("Cycle started on"),
    gettext_noop("Description"),
    gettext_noop("Due date"),
    gettext_noop("Effort"),
    gettext_noop("End month"),
    gettext_noop("Evaluated at"),
    gettext_noop("Evaluation"),
    gettext_noop("Executive sponsor"),
    gettext_noop("Health"),
    gettext_noop("Impact"),
    gettext_noop("Initiative"),
    gettext_noop("Is primary"),
    gettext_noop("Kind"),
    gettext_noop("Kpi"),
    gettext_noop("Lead"),
    gettext_noop("Monthly amount"),
    gettext_noop("Nature"),
    gettext_noop("Owner"),
    gettext_noop("Payback target months"),
    gettext_noop("Phase"),
    gettext_noop("Problem statement"),
    gettext_noop("Roi horizon (months)"),
    gettext_noop("Scope"),
    gettext_noop("Segment"),
    gettext_noop("Service break-point type"),
    gettext_noop("Smart goal"),
    gettext_noop("Stage"),
    gettext_noop("Start date"),
    gettext_noop("Start month"),
    gettext_noop("Status"),
    gettext_noop("Target date"),
    gettext_noop("Target end date"),
    gettext_noop("Target value"),
    gettext_noop("Team"),
    gettext_noop("Title"),
    gettext_noop("Unit value per month"),
    gettext_noop("Validated"),
    gettext_noop("Validated at"),
    gettext_noop("Validated by"),
)
# One sentence per kind and action, so that a language can order its words (``subject`` names the
# record: "Milestone “Pilot”").
KINDS = {
    "Initiative": gettext_noop("Initiative"),
    "KPI target": gettext_noop("KPI target"),
    "Milestone": gettext_noop("Milestone"),
    "Cost": gettext_noop("Cost"),
    "Benefit": gettext_noop("Benefit"),
}
ACTIONS = {
    "created": gettext_noop("{subject} created"),
    "archived": gettext_noop("{subject} archived"),
    "changed": gettext_noop("{subject} changed"),
}


@dataclass
class _Pending:
    """An entry before its values are written out: (model field, old, new) as stored."""

    when: dt.datetime
    who: User | None
    subject: str
    action: str
    changes: list[tuple] = field(default_factory=list)


def _display(value, model_field, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if model_field.is_relation:
        return names.get((model_field.related_model, value), f"#{value}")
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _related_names(pending: list[_Pending]) -> dict:
    wanted: dict[type, set] = defaultdict(set)
    for entry in pending:
        for model_field, old, new in entry.changes:
            if model_field.is_relation:
                wanted[model_field.related_model].update(v for v in (old, new) if v is not None)
    names = {}
    for model, ids in wanted.items():
        if model in (User, Team, Kpi):
            for obj in model._default_manager.filter(pk__in=ids):
                names[(model, obj.pk)] = str(obj)
    return names


def _subject(record, kind: str) -> str:
    label = getattr(record, "title", None) or getattr(record, "description", None)
    name = gettext(KINDS[kind])
    if kind == "KPI target":
        return name
    return (
        gettext("{kind} “{label}”").format(kind=name, label=label) if label and kind != "Initiative" else name
    )


def _entry(kind: str, record, previous) -> _Pending | None:
    """The record's entry against the object's record before it; None when nothing shown changed."""
    if previous is None or record.history_type == "+":
        return _Pending(record.history_date, record.history_user, _subject(record, kind), "created")
    changes = []
    for model_field in record.tracked_fields:
        if model_field.name in HISTORY_HIDDEN_FIELDS or model_field.name == "initiative":
            continue
        old = getattr(previous, model_field.attname, None)
        new = getattr(record, model_field.attname, None)
        if old != new:
            changes.append((model_field, old, new))
    if not changes:
        return None
    if any(f.name == ARCHIVED_FIELD and old in (None, "") for f, old, _ in changes):
        return _Pending(record.history_date, record.history_user, _subject(record, kind), "archived")
    return _Pending(record.history_date, record.history_user, _subject(record, kind), "changed", changes)


def _newest_first(kind: str, records: QuerySet, batch: int) -> Iterator[_Pending]:
    """The source's entries, newest first, read ``batch`` records at a time (2 queries a batch)."""
    manager = records.model._default_manager
    # The object's record just before this one: the state this one is diffed against.
    before_this = manager.filter(id=OuterRef("id")).filter(
        Q(history_date__lt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
    )
    previous_id = Subquery(before_this.order_by("-history_date", "-history_id").values("history_id")[:1])
    newest = records.annotate(previous_id=previous_id).order_by("-history_date", "-history_id")
    while True:
        page = newest[:batch]
        rows = list(page.select_related("history_user"))
        if not rows:
            return
        previous = {r.history_id: r for r in manager.filter(history_id__in=page.values("previous_id"))}
        for record in rows:
            entry = _entry(kind, record, previous.get(record.previous_id))
            if entry is not None:
                yield entry
        if len(rows) < batch:
            return
        last = rows[-1]
        newest = newest.filter(
            Q(history_date__lt=last.history_date)
            | Q(history_date=last.history_date, history_id__lt=last.history_id)
        )


def initiative_history(*, initiative: Initiative, limit: int = HISTORY_LIMIT) -> list[HistoryEntry]:
    """Who changed what and when: the initiative, its targets, milestones and money lines.

    The newest ``limit`` entries; a record that changed nothing shown makes no entry.
    """
    sources = [
        ("Initiative", Initiative.history.filter(id=initiative.pk)),
        ("KPI target", KpiTarget.history.filter(initiative_id=initiative.pk)),
        ("Milestone", Milestone.history.filter(initiative_id=initiative.pk)),
        ("Cost", Cost.history.filter(initiative_id=initiative.pk)),
        ("Benefit", Benefit.history.filter(initiative_id=initiative.pk)),
    ]
    streams = [_newest_first(kind, records, limit) for kind, records in sources]
    pending = list(islice(heapq.merge(*streams, key=lambda e: e.when, reverse=True), limit))
    names = _related_names(pending)
    return [
        HistoryEntry(
            entry.when,
            entry.who,
            entry.subject,
            entry.action,
            [
                Change(
                    gettext(str(model_field.verbose_name).capitalize()),
                    _display(old, model_field, names),
                    _display(new, model_field, names),
                )
                for model_field, old, new in entry.changes
            ],
        )
        for entry in pending
    ]
