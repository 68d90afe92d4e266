"""The record pages and the comments API with 200,000 comments in the data (docs/ideas.md).

    BENCH_DATABASE=pdca_conversation python -m bench.conversation [--keep] [--reuse] [--rounds 15]

Recreates the database (unless ``--reuse``), migrates, and seeds with bulk_create: 500 initiatives
of 10 teams, 200,000 comments spread over them (one initiative carries a 2,000-comment thread),
a mention on every tenth comment and an attachment row on every twentieth. Then times the initiative
page (the long thread and an ordinary one), the conversation page of the long thread, and the
comments API of that initiative, for an admin and for a lead of one team, after one warm-up each.
"""

import argparse
import datetime as dt
import os
import statistics

from bench import db
from bench.money import _load, _timed

BUDGET_MS = 300
INITIATIVES = 500
TEAMS = 10
COMMENTS = 200_000
LONG_THREAD = 2_000
BATCH = 5_000


def seed() -> dict:
    from django.utils import timezone

    from accounts.models import Membership, Role, Team, User
    from improvement.models import Attachment, Comment, Initiative

    now = timezone.now()
    teams = Team.objects.bulk_create(Team(name=f"Team {n}", slug=f"team-{n}") for n in range(TEAMS))
    admin = User.objects.create_user(
        email="admin@bench.test", password="x", role=Role.ADMIN, is_superuser=True
    )
    leads = [
        User.objects.create_user(
            email=f"lead{n}@bench.test", password="x", role=Role.LEAD, full_name=f"Lead {n}"
        )
        for n in range(TEAMS)
    ]
    Membership.objects.bulk_create(
        Membership(user=lead, team=team) for lead, team in zip(leads, teams, strict=True)
    )
    start = timezone.localdate() - dt.timedelta(days=30)
    initiatives = Initiative.objects.bulk_create(
        Initiative(
            code=f"IMP-{n + 1:04d}",
            title=f"Initiative {n}",
            team=teams[n % TEAMS],
            lead=leads[n % TEAMS],
            start_date=start,
            cycle_started_on=start,
            smart_goal="Cut first response time from 90 s to 30 s.",
        )
        for n in range(INITIATIVES)
    )
    long_thread = initiatives[0]
    through = Comment.mentions.through
    made = 0
    while made < COMMENTS:
        rows = []
        for i in range(made, min(made + BATCH, COMMENTS)):
            parent = long_thread if i < LONG_THREAD else initiatives[i % INITIATIVES]
            author = leads[i % TEAMS]
            rows.append(
                Comment(
                    initiative=parent,
                    author=author,
                    body=f"Comment {i}: @lead{(i + 1) % TEAMS}@bench.test the queue times look better today.",
                    created_at=now - dt.timedelta(seconds=COMMENTS - i),
                    updated_at=now - dt.timedelta(seconds=COMMENTS - i),
                )
            )
        created = Comment.objects.bulk_create(rows)
        through.objects.bulk_create(
            through(comment_id=c.pk, user_id=leads[(n + 1) % TEAMS].pk)
            for n, c in enumerate(created, start=made)
            if n % 10 == 0
        )
        Attachment.objects.bulk_create(
            Attachment(
                initiative_id=c.initiative_id,
                comment=c,
                file=f"attachments/2026/12/{c.pk:012d}.csv",
                name=f"evidence-{c.pk}.csv",
                content_type="text/csv",
                size=1234,
                sha256="0" * 64,
                uploaded_by_id=c.author_id,
            )
            for n, c in enumerate(created, start=made)
            if n % 20 == 0
        )
        made += len(rows)
        print(f"  {made:,} comments", flush=True)
    return {"admin": admin.email, "lead": leads[0].email, "long": long_thread.pk, "other": initiatives[10].pk}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true", help="time an already seeded database")
    args = parser.parse_args()
    os.environ.update(db.BENCH_ENVIRONMENT)
    if not args.reuse:
        db.recreate()
    db.setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from improvement.models import Comment, Initiative

    if not args.reuse:
        call_command("migrate", verbosity=0)
        seeded = seed()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        long_id = Comment.objects.order_by("id").values_list("initiative_id", flat=True).first()
        seeded = {
            "admin": "admin@bench.test",
            "lead": "lead0@bench.test",
            "long": long_id,
            "other": Initiative.objects.order_by("id").values_list("id", flat=True)[10],
        }
    print(f"comments: {Comment.objects.count():,}")
    clients = {"admin": Client(), "lead": Client()}
    for who in clients:
        clients[who].force_login(User.objects.get(email=seeded[who]))
    pages = [
        ("initiative page, 2,000-comment thread", f"/initiatives/{seeded['long']}/"),
        ("initiative page, 400-comment thread", f"/initiatives/{seeded['other']}/"),
        ("conversation page, older comments", f"/conversation/initiative/{seeded['long']}/?before=1000"),
        ("API comments of the long thread", f"/api/v1/comments/?initiative={seeded['long']}"),
        ("API comments, everything readable", "/api/v1/comments/"),
    ]
    for who, client in clients.items():
        for _, url in pages:
            response = client.get(url)
            assert response.status_code == 200, (who, url, response.status_code)
    print(f"load average before: {_load()}")
    results: dict[tuple[str, str], list[float]] = {}
    for round_number in range(args.rounds):
        order = pages if round_number % 2 == 0 else pages[::-1]
        for who, client in clients.items():
            for name, url in order:
                wall, _, response = _timed(lambda client=client, url=url: client.get(url))
                results.setdefault((name, who), []).append(wall * 1000)
    print(f"load average after: {_load()}")
    for (name, who), walls in results.items():
        walls.sort()
        median = statistics.median(walls)
        p90 = walls[min(len(walls) - 1, int(0.9 * len(walls)))]
        verdict = "within" if median <= BUDGET_MS else "OVER"
        print(f"{name:<40} {who:<6} median {median:7.1f} ms  p90 {p90:7.1f} ms  ({verdict} {BUDGET_MS} ms)")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        db.drop()


if __name__ == "__main__":
    main()
