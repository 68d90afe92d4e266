"""The standard 90-day plan: 15 milestones in three 30-day phases. Pure: no Django imports.

Day 1 is the start date. Phase k (0, 1, 2) covers days 30k+1 … 30k+30; its i-th milestone
(i = 1…5) is due on day 30k + 6i, so the last milestone of each phase falls on the phase's last day:
due date = start + (30k + 6i − 1) days.
"""

import datetime as dt
from dataclasses import dataclass

PHASE_DAYS = 30
MILESTONES_PER_PHASE = 5
DAYS_BETWEEN_MILESTONES = PHASE_DAYS // MILESTONES_PER_PHASE

STANDARD_PLAN: list[tuple[str, list[str]]] = [
    (
        "assess",
        [
            "Complete the performance diagnosis",
            "Set clear improvement targets",
            "Form the cross-functional team",
            "Write the detailed implementation plan",
            "Prepare resources and tools",
        ],
    ),
    (
        "pilot",
        [
            "Choose a representative pilot area",
            "Implement the key measures",
            "Collect feedback data",
            "Analyse pilot results and problems",
            "Adjust the plan",
        ],
    ),
    (
        "rollout",
        [
            "Phased full rollout",
            "Change management and communication",
            "Performance tracking mechanism",
            "Celebrate and share early wins",
            "Continuous-improvement plan",
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
    planned = []
    for phase_index, (phase, titles) in enumerate(STANDARD_PLAN):
        for position, title in enumerate(titles, start=1):
            day = PHASE_DAYS * phase_index + DAYS_BETWEEN_MILESTONES * position
            planned.append(
                PlannedMilestone(
                    phase=phase, title=title, day=day, due_date=start_date + dt.timedelta(days=day - 1)
                )
            )
    return planned
