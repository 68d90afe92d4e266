"""The pages and lists of the front of the loop on a seeded database (docs/performance.md).

    BENCH_DATABASE=<a kept, seeded database> python -m bench.front_pages [--rounds 15] [--served]

The large seed holds 50,000 ideas and 202,000 comments (bench.seed_ideas); the bench lead's
initiative carries a 2,000-comment thread. Each page is asked by the bench admin (who sees
everything) and the lead pages also by the bench lead, round by round in alternating order after
one warm-up each; reported: wall-clock and CPU median and 90th percentile, the answer's size, and
the load average before and after. ``--served`` loads ``config.wsgi`` first, as gunicorn does.
"""

import argparse
import os
import statistics

from bench import db
from bench.money import _load, _timed

BUDGET_MS = 300


def _pages() -> list[tuple[str, str, str]]:
    """(name, who, url) of every page and list timed."""
    from django.db.models import Count

    from improvement.models import Comment, Experiment, Idea

    # The initiative the seed gave the long thread (bench.seed_ideas.LONG_THREAD).
    long_thread = (
        Comment.objects.filter(initiative__isnull=False)
        .values("initiative_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("initiative_id", flat=True)
        .first()
    )
    idea = Idea.objects.filter(status="submitted").order_by("-id").values_list("id", flat=True).first()
    experiment = (
        Comment.objects.filter(experiment__isnull=False).values_list("experiment_id", flat=True).first()
    )
    experiment = experiment or Experiment.objects.values_list("id", flat=True).first()
    return [
        ("ideas: triage list", "admin", "/ideas/"),
        ("ideas: triage list, filtered", "admin", "/ideas/?status=submitted&breakpoint_type=interaction"),
        ("ideas: triage list (lead)", "lead", "/ideas/"),
        ("ideas: search", "admin", "/ideas/?q=hand-off"),
        ("idea page", "admin", f"/ideas/{idea}/"),
        ("priorities", "admin", "/priorities/"),
        ("priorities (lead)", "lead", "/priorities/"),
        ("break-points", "admin", "/breakpoints/"),
        ("initiative page, 2,000-comment thread", "admin", f"/initiatives/{long_thread}/"),
        ("experiment page", "admin", f"/experiments/{experiment}/"),
        ("API ideas, page of 100", "admin-api", "/api/v1/ideas/?page_size=100"),
        ("API comments of the long thread", "admin-api", f"/api/v1/comments/?initiative={long_thread}"),
        ("API priorities", "admin-api", "/api/v1/priorities/"),
        ("API break-points", "admin-api", "/api/v1/breakpoints/"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--served", action="store_true", help="load config.wsgi first, as gunicorn does")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    db.setup_django()
    if args.served:
        import config.wsgi  # noqa: F401
    from django.test import Client

    from accounts.models import User
    from bench.interleave import admin_client
    from bench.sizes import ADMIN_EMAIL, LEAD_EMAIL

    clients = {"admin": Client(), "lead": Client(), "admin-api": admin_client()}
    clients["admin"].force_login(User.objects.get(email=ADMIN_EMAIL))
    clients["lead"].force_login(User.objects.get(email=LEAD_EMAIL))

    pages = []
    for name, who, url in _pages():
        _, _, response = _timed(lambda who=who, url=url: clients[who].get(url))
        if response.status_code != 200:
            print(f"{name}: {url} answered {response.status_code}; left out")
            continue
        print(f"{name}: {url} ({who}), {len(response.content):,} bytes")
        pages.append((name, who, url))
    print(f"load average before: {_load()}")
    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in pages}
    for round_number in range(args.rounds):
        for name, who, url in pages if round_number % 2 == 0 else pages[::-1]:
            wall, cpu, response = _timed(lambda who=who, url=url: clients[who].get(url))
            assert response.status_code == 200, (url, response.status_code)
            results[name].append((wall, cpu))
    print(f"load average after: {_load()}")
    for name, timings in results.items():
        walls = sorted(w * 1000 for w, _ in timings)
        cpus = sorted(c * 1000 for _, c in timings)
        p90 = walls[min(len(walls) - 1, int(0.9 * len(walls)))]
        verdict = "within" if statistics.median(walls) <= BUDGET_MS else "OVER"
        print(
            f"{name:<40} wall median {statistics.median(walls):7.1f} ms  p90 {p90:7.1f} ms  "
            f"CPU median {statistics.median(cpus):7.1f} ms  ({verdict} {BUDGET_MS} ms)"
        )


if __name__ == "__main__":
    main()
