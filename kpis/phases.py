"""Phase breaks: the dates a KPI's process changed, where its control chart starts new limits.

A lead (or an admin) marks one by hand; an initiative's move to Do marks one for each KPI it
targets (``phase_break_mark``, called by ``improvement``'s stage service with its own checks done).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.models import Role, User
from common.errors import Conflict, PermissionDenied
from kpis.models import Kpi, PhaseBreak, PhaseSource

PHASE_MARKER_ROLES = frozenset({Role.ADMIN, Role.LEAD})
MSG_CANNOT_MARK = gettext_noop("Only a project lead or an admin marks a change in a KPI's process.")
MSG_PHASE_TAKEN = gettext_noop("{kpi} already has a phase starting on {day}.")
MSG_LABEL_REQUIRED = gettext_noop("Say what changed (a short label).")
MAX_LABEL_LENGTH = 120


def phase_break_can_mark(*, actor: User) -> bool:
    return actor.is_superuser or actor.role in PHASE_MARKER_ROLES


def phase_break_list(*, kpi: Kpi, segment: str | None = None) -> QuerySet[PhaseBreak]:
    qs = PhaseBreak.objects.filter(kpi=kpi).order_by("starts", "segment")
    return qs if segment is None else qs.filter(segment__in={"", segment})


@transaction.atomic
def phase_break_create(
    *, actor: User, kpi: Kpi, starts: dt.date, label: str, segment: str = ""
) -> PhaseBreak:
    if not phase_break_can_mark(actor=actor):
        raise PermissionDenied(_(MSG_CANNOT_MARK))
    label = (label or "").strip()
    if not label or len(label) > MAX_LABEL_LENGTH:
        raise ValidationError({"label": _(MSG_LABEL_REQUIRED)})
    try:
        # A savepoint: the unique key answers a duplicate without breaking the caller's transaction.
        with transaction.atomic():
            return PhaseBreak.objects.create(
                kpi=kpi, segment=segment, starts=starts, label=label, created_by=actor
            )
    except IntegrityError as error:
        raise Conflict(_(MSG_PHASE_TAKEN).format(kpi=kpi.code, day=starts.isoformat())) from error


@transaction.atomic
def phase_break_delete(*, actor: User, phase_break: PhaseBreak) -> None:
    if not phase_break_can_mark(actor=actor):
        raise PermissionDenied(_(MSG_CANNOT_MARK))
    phase_break.delete()


def phase_break_mark(*, kpi: Kpi, segment: str, starts: dt.date, label: str, reference: str) -> PhaseBreak:
    """The break of an initiative's change (``reference``: its code); a break already on that day
    (marked by hand or by another initiative) is kept as it is."""
    found, _created = PhaseBreak.objects.get_or_create(
        kpi=kpi,
        segment=segment,
        starts=starts,
        defaults={
            "label": label[:MAX_LABEL_LENGTH],
            "source": PhaseSource.INITIATIVE,
            "reference": reference,
        },
    )
    return found
