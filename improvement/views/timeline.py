"""Milestones laid out on a 90-day track, as positions the template draws with plain HTML and CSS."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext

from common.dates import date_shift
from improvement.models import Milestone

WINDOW_DAYS = 90
TICK_DAYS = 15


@dataclass
class TimelineRow:
    milestone: Milestone
    left: float
    overdue: bool
    before_window: bool
    after_window: bool


@dataclass
class TimelineGroup:
    label: str
    initiative_pk: int | None
    rows: list[TimelineRow] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.rows if row.overdue)


@dataclass
class Timeline:
    start: dt.date
    end: dt.date
    ticks: list[tuple[float, dt.date]]
    today_left: float | None
    groups: list[TimelineGroup]

    @property
    def is_empty(self) -> bool:
        return not any(group.rows for group in self.groups)


def _left(day: dt.date, start: dt.date, days: int) -> float:
    return round(min(max((day - start).days / days, 0.0), 1.0) * 100, 2)


def build_timeline(
    milestones: list[Milestone],
    *,
    start: dt.date,
    today: dt.date,
    by_initiative: bool,
    days: int = WINDOW_DAYS,
) -> Timeline:
    end = date_shift(start, days)
    groups: dict[object, TimelineGroup] = {}
    for milestone in milestones:
        if by_initiative:
            key = milestone.initiative_id
            label = f"{milestone.initiative.code} {milestone.initiative.title}"
            group = groups.setdefault(key, TimelineGroup(label=label, initiative_pk=key))
        else:
            key = milestone.phase
            group = groups.setdefault(
                key,
                TimelineGroup(
                    label=milestone.get_phase_display() or gettext("Other milestones"), initiative_pk=None
                ),
            )
        group.rows.append(
            TimelineRow(
                milestone=milestone,
                left=_left(milestone.due_date, start, days),
                overdue=milestone.is_overdue(today=today),
                before_window=milestone.due_date < start,
                after_window=milestone.due_date > end,
            )
        )
    ticks = [
        (_left(date_shift(start, offset), start, days), date_shift(start, offset))
        for offset in range(0, days + 1, TICK_DAYS)
    ]
    today_left = _left(today, start, days) if start <= today <= end else None
    return Timeline(start=start, end=end, ticks=ticks, today_left=today_left, groups=list(groups.values()))
