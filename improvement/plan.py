"""The standard 90-day plan: 15 milestones in three 30-day phases. Pure: no Django imports.

Day 1 is the start date. Phase k (0, 1, 2) covers days 30k+1 … 30k+30; its i-th milestone
(i = 1…5) is due on day 30k + 6i, so the last milestone of each phase falls on the phase's last day:
due date = start + (30k + 6i − 1) days.
"""

import datetime as dt
from dataclasses import dataclass

from improvement.words import gettext as _
from improvement.words import gettext_noop

PHASE_DAYS = 30
MILESTONES_PER_PHASE = 5
DAYS_BETWEEN_MILESTONES = PHASE_DAYS // MILESTONES_PER_PHASE

STANDARD_PLAN: list[tuple[str, list[str]]] = [
    (
        "assess",
        [
            gettext_noop("Complete the performance diagnosis"),
            gettext_noop("Set clear improvement targets"),
            gettext_noop("Form the cross-functional team"),
            gettext_noop("Write the detailed implementation plan"),
            gettext_noop("Prepare resources and tools"),
        ],
    ),
    (
        "pilot",
        [
            gettext_noop("Choose a representative pilot area"),
            gettext_noop("Implement the key measures"),
            gettext_noop("Collect feedback data"),
            gettext_noop("Analyse pilot results and problems"),
            gettext_noop("Adjust the plan"),
        ],
    ),
    (
        "rollout",
        [
            gettext_noop("Phased full rollout"),
            gettext_noop("Change management and communication"),
            gettext_noop("Performance tracking mechanism"),
            gettext_noop("Celebrate and share early wins"),
            gettext_noop("Continuous-improvement plan"),
        ],
    ),
]


@dataclass(frozen=True)
class PlannedMilestone:
    phase: str
    title: str
    day: int
    due_date: dt.date


def standard_plan(start_date: dt.date) -> list[PlannedMilestone]:
    """The plan from ``start_date``, its titles in the active language (they become the milestones')."""
    planned = []
    for phase_index, (phase, titles) in enumerate(STANDARD_PLAN):
        for position, title in enumerate(titles, start=1):
            day = PHASE_DAYS * phase_index + DAYS_BETWEEN_MILESTONES * position
            planned.append(
                PlannedMilestone(
                    phase=phase, title=_(title), day=day, due_date=start_date + dt.timedelta(days=day - 1)
                )
            )
    return planned
