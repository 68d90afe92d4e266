"""Seed the front of the loop and the conversations: ideas in every state, and comments (some with
@mentions) on initiatives, ideas, milestones and experiments. Part of ``bench.seed``.

Large: 50,000 ideas and 200,000 comments; one initiative (the bench lead's) carries a long thread so
the page's bound on a thread is measured, not the typical dozen.
"""

import datetime as dt

from bench.sizes import SEGMENTS, TEAMS, Size

IDEA_STATUSES = (["submitted", "accepted", "declined", "merged", "draft"], [55, 15, 20, 5, 5])
BREAKPOINTS = (["interaction", "process", "technical"], [50, 32, 18])
# Where the comments go: initiatives mostly, then ideas, milestones, experiments.
COMMENT_PARENTS = (["initiative", "idea", "milestone", "experiment"], [60, 20, 15, 5])
LONG_THREAD = 2_000
MENTION_SHARE = 0.1


def seed_ideas(copy, *, size: Size, rnd, now, kpis: list, team_users: dict[int, list[int]]) -> int:
    """The ideas (ids 1..n); returns n."""
    count = size.ideas

    def rows():
        for pk in range(1, count + 1):
            team = rnd.randint(1, TEAMS)
            submitter = rnd.choice(team_users[team])
            status = rnd.choices(*IDEA_STATUSES)[0]
            kpi = rnd.choice(kpis)
            current = round(rnd.uniform(20, 80), 1)
            better = 1 if kpi.direction == "higher" else -1
            created = now - dt.timedelta(minutes=pk * 3)
            decided = status in ("accepted", "declined", "merged")
            yield (
                pk,
                f"Idea {pk}: shorten the {rnd.choice(['chat', 'phone', 'email'])} hand-off",
                "Customers are passed between teams and repeat their story.",
                kpi.pk,
                rnd.choice(SEGMENTS),
                rnd.choices(*BREAKPOINTS)[0],
                team,
                rnd.randint(1, 5),
                rnd.randint(1, 5),
                current,
                round(current + better * rnd.uniform(1, 15), 1),
                round(rnd.uniform(0.01, 2.0), 4) if pk % 3 else None,
                rnd.randint(500, 50_000) if pk % 3 else None,
                status,
                submitter,
                None if status == "draft" else created,
                team_users[team][0] if decided else None,
                created + dt.timedelta(days=2) if decided else None,
                "Covered by the hand-off initiative." if status == "declined" else "",
                pk - 1 if status == "merged" and pk > 1 else None,
                created,
                created,
            )

    copy(
        "improvement_idea",
        [
            "id",
            "title",
            "problem",
            "kpi_id",
            "segment",
            "breakpoint_type",
            "team_id",
            "value",
            "difficulty",
            "current_value",
            "target_value",
            "unit_value",
            "monthly_volume",
            "status",
            "submitted_by_id",
            "submitted_at",
            "decided_by_id",
            "decided_at",
            "decision_reason",
            "merged_into_id",
            "created_at",
            "updated_at",
        ],
        rows(),
    )
    return count


def seed_comments(
    copy,
    *,
    size: Size,
    rnd,
    now,
    initiatives: list[dict],
    team_users: dict[int, list[int]],
    long_thread_on: int,
) -> None:
    """The comments: spread over the parents, plus one long thread on ``long_thread_on``."""
    milestones = size.milestones
    bodies = [
        "Pilot numbers are in: @user{} please check the queue split before Friday.",
        "Agreed. The script change is live for the chat team.",
        "Attached the call-back log from last week; the spike is on Mondays.",
    ]
    mentions: list[tuple[int, int]] = []

    def rows():
        for k in range(size.comments + LONG_THREAD):
            pk = k + 1
            if k >= size.comments:
                kind, parent = "initiative", long_thread_on
            else:
                kind = rnd.choices(*COMMENT_PARENTS)[0]
                parent = rnd.randint(
                    1,
                    {
                        "initiative": size.initiatives,
                        "idea": size.ideas,
                        "milestone": milestones,
                        "experiment": size.experiments,
                    }[kind],
                )
            team = initiatives[(parent - 1) % len(initiatives)]["team_id"]
            author = rnd.choice(team_users[team])
            body = rnd.choice(bodies)
            if "{}" in body:
                mentioned = rnd.choice(team_users[team])
                body = body.format(mentioned)
                if rnd.random() < MENTION_SHARE * 3 and mentioned != author:
                    mentions.append((pk, mentioned))
            created = now - dt.timedelta(minutes=k)
            yield (
                pk,
                author,
                body,
                parent if kind == "initiative" else None,
                parent if kind == "idea" else None,
                parent if kind == "milestone" else None,
                parent if kind == "experiment" else None,
                created,
                created,
            )

    copy(
        "improvement_comment",
        [
            "id",
            "author_id",
            "body",
            "initiative_id",
            "idea_id",
            "milestone_id",
            "experiment_id",
            "created_at",
            "updated_at",
        ],
        rows(),
    )
    copy("improvement_comment_mentions", ["comment_id", "user_id"], iter(mentions))
