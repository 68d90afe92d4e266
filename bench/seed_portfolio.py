"""Seed the portfolio: teams and their people, the initiatives, their 90-day milestones.

Each step writes through ``copy`` (``bench.seed.Copier``) and draws from the run's one ``rnd`` in a
fixed order, so a seed always writes the same data.
"""

import datetime as dt

from bench.sizes import (
    ADMIN_EMAIL,
    LEAD_EMAIL,
    MILESTONES_PER_INITIATIVE,
    PASSWORD,
    PLAN_DAYS,
    PORTFOLIO_YEARS,
    TEAMS,
    Size,
)

CATEGORIES = [
    "response_speed",
    "process_simplification",
    "personalisation",
    "self_service",
    "knowledge_base",
    "staffing_training",
    "quality_assurance",
    "other",
]


def seed_people(copy, *, size: Size, rnd, now) -> dict[int, list[int]]:
    """Teams, users (the bench admin and lead first) and memberships; the users' ids of each team,
    its lead first."""
    from django.contrib.auth.hashers import make_password

    copy(
        "accounts_team",
        ["id", "name", "slug", "description", "created_at", "updated_at"],
        ((i, f"Team {i:02d}", f"team-{i:02d}", "", now, now) for i in range(1, TEAMS + 1)),
    )
    password = make_password(PASSWORD)
    users = [(1, ADMIN_EMAIL, "Bench Admin", "admin", True), (2, LEAD_EMAIL, "Bench Lead", "lead", False)]
    team_users: dict[int, list[int]] = {team: [] for team in range(1, TEAMS + 1)}
    next_id = 3
    roles = ["lead", "contributor", "contributor", "viewer", "executive", "finance"]
    for team in range(1, TEAMS + 1):
        for k in range(size.users_per_team):
            role = "lead" if k == 0 else rnd.choice(roles)
            users.append((next_id, f"user{next_id}@example.com", f"User {next_id}", role, False))
            team_users[team].append(next_id)
            next_id += 1
    # The bench lead belongs to the first team: its lists are the team-scoped case.
    team_users[1].append(2)
    copy(
        "accounts_user",
        [
            "id",
            "password",
            "is_superuser",
            "email",
            "full_name",
            "role",
            "is_active",
            "is_staff",
            "date_joined",
            "calendar_feed_generation",
        ],
        ((uid, password, su, email, name, role, True, su, now, 0) for uid, email, name, role, su in users),
    )
    copy(
        "accounts_membership",
        ["user_id", "team_id", "created_at", "updated_at"],
        ((uid, team, now, now) for team, uids in team_users.items() for uid in uids),
    )
    return team_users


def initiative_table_columns() -> list[str]:
    """The initiative table's columns that the API's list reads (``INITIATIVE_VALUES``), in its order.

    The seed writes exactly these: a column added to the list is one the seed must fill (a row
    without it fails loudly), and the raw baseline of bench.raw reads what was seeded.
    """
    from improvement.api.initiatives.columns import INITIATIVE_VALUES
    from improvement.models import Initiative

    own = {field.attname for field in Initiative._meta.concrete_fields}
    return [name for name in INITIATIVE_VALUES if name in own]


def seed_initiatives(copy, *, size: Size, rnd, now, today, team_users: dict[int, list[int]]) -> list[dict]:
    """The initiatives, spread over ``PORTFOLIO_YEARS`` (the older ones mostly closed), and their
    members; each row a dict of ``initiative_table_columns``."""
    initiatives = []
    portfolio_days = 365 * PORTFOLIO_YEARS
    for pk in range(1, size.initiatives + 1):
        team = (pk - 1) % TEAMS + 1
        start = today - dt.timedelta(days=int(portfolio_days * (1 - pk / size.initiatives)))
        age = (today - start).days
        if age > 2 * PLAN_DAYS:
            status = rnd.choices(["standardised", "abandoned", "active", "on_hold"], [70, 15, 10, 5])[0]
        else:
            status = rnd.choices(["active", "on_hold"], [90, 10])[0]
        stage = "act" if status == "standardised" else rnd.choice(["plan", "do", "check", "act"])
        # The values are drawn in this order (a dict evaluates in order): the same seed, the same data.
        initiatives.append(
            {
                "id": pk,
                "code": f"INI-{pk:05d}",
                "title": f"Initiative {pk}: {rnd.choice(CATEGORIES).replace('_', ' ')} for team {team}",
                "problem_statement": "Customers wait too long and repeat themselves across channels.",
                "smart_goal": "Cut the median first response time by 20 % within 90 days.",
                "scope": "",
                "category": rnd.choice(CATEGORIES),
                "breakpoint_type": rnd.choice(["interaction", "process", "technical"]),
                "team_id": team,
                "lead_id": team_users[team][0],
                "sponsor_id": 1 if pk % 7 == 0 else None,
                "impact": rnd.randint(1, 5),
                "effort": rnd.randint(1, 5),
                "health": rnd.choices(["on_track", "at_risk", "off_track"], [70, 20, 10])[0],
                "start_date": start,
                "target_end_date": start + dt.timedelta(days=PLAN_DAYS + rnd.randint(0, 90)),
                "stage": stage,
                "status": status,
                "cycle": 1,
                "cycle_started_on": start,
                "version": 1,
                "archived_at": None,
                "created_at": now,
                "updated_at": now,
            }
        )
    columns = initiative_table_columns()
    copy("improvement_initiative", columns, (tuple(row[name] for name in columns) for row in initiatives))
    copy(
        "improvement_initiative_members",
        ["initiative_id", "user_id"],
        (
            (row["id"], uid)
            for row in initiatives
            for uid in team_users[row["team_id"]][1:3]
            if uid != row["lead_id"]
        ),
    )
    return initiatives


def seed_milestones(copy, *, rnd, now, today, initiatives: list[dict], team_users: dict[int, list[int]]):
    """The standard plan's milestones of each initiative: done when past (mostly), owned in turn."""

    def milestones():
        for row in initiatives:
            start, status = row["start_date"], row["status"]
            owners = team_users[row["team_id"]]
            for k in range(MILESTONES_PER_INITIATIVE):
                due = start + dt.timedelta(days=6 * (k + 1))
                if status == "standardised" or (due < today and rnd.random() < 0.85):
                    state, completed = "done", now
                elif status == "abandoned":
                    state, completed = "cancelled", None
                else:
                    state = rnd.choices(["planned", "in_progress", "blocked"], [60, 30, 10])[0]
                    completed = None
                phase = ("assess", "pilot", "rollout")[k * 3 // MILESTONES_PER_INITIATIVE]
                yield (
                    row["id"],
                    f"Step {k + 1} of the 90-day plan",
                    "",
                    "",
                    owners[k % len(owners)],
                    due,
                    state,
                    phase,
                    completed,
                    1,
                    now,
                    now,
                )

    copy(
        "improvement_milestone",
        [
            "initiative_id",
            "title",
            "description",
            "acceptance_criteria",
            "owner_id",
            "due_date",
            "status",
            "phase",
            "completed_at",
            "version",
            "created_at",
            "updated_at",
        ],
        milestones(),
    )
