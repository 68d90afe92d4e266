"""The PDF reports on a seeded database (docs/performance.md, docs/exports.md).

    BENCH_DATABASE=<a kept copy of a seeded database> python -m bench.pdf [--rounds 20]

1. The A3 of the busiest initiative (most KPI targets, an experiment if any): the site's download
   (``/initiatives/{id}/a3.pdf``) by the admin, ``--rounds`` times; median, min, max and CPU.
2. A portfolio pack of every initiative, as the background job builds it: ``pack_request`` by the
   admin, then the job (in-process, as without a broker), with the progress the pack page would show
   sampled as it moves; wall time of the job and of each part, pages and size, the load average.
   A second pack follows, so "what moved" is compared against the first one's snapshot.
Writes the last A3 and pack to ``--out`` (default /tmp) for looking at.
"""

import argparse
import os
import threading
import time
from pathlib import Path

from bench import db
from bench.money import _load, _report, _timed


def _busiest_initiative():
    from django.db.models import Count

    from improvement.models import Initiative

    return (
        Initiative.objects.annotate(n_targets=Count("targets", distinct=True), n_exp=Count("experiments"))
        .order_by("-n_exp", "-n_targets", "pk")
        .first()
    )


def _a3(client, initiative, rounds: int, out: Path) -> None:
    url = f"/initiatives/{initiative.pk}/a3.pdf"
    client.get(url)  # warm: fonts and templates load once per process
    results = []
    for _ in range(rounds):
        wall, cpu, response = _timed(lambda: client.get(url))
        assert response.status_code == 200, response.status_code
        results.append((wall, cpu))
    (out / "bench-a3.pdf").write_bytes(response.content)
    print(f"load before A3: {_load()}")
    _report(f"A3 of {initiative.code} ({len(response.content):,} bytes)", results)


def _pack(admin, out: Path, label: str) -> None:
    """Ask for a pack as the site does; without a broker its job runs in-process right after the
    request's commit, so the call's time is the job's (plus a millisecond of request)."""
    from django.db import connection

    from improvement.models import PortfolioPack
    from improvement.services.packs import pack_request

    before = PortfolioPack.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    seen: list[tuple[float, int]] = []
    started = time.perf_counter()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            found = PortfolioPack.objects.filter(pk__gt=before).values_list("progress", flat=True).first()
            if found is not None:
                seen.append((time.perf_counter() - started, found))
            connection.close()
            done.wait(0.5)

    watcher = threading.Thread(target=watch)
    print(f"load before {label}: {_load()}")
    watcher.start()
    wall, cpu, pack = _timed(lambda: pack_request(actor=admin))
    done.set()
    watcher.join()
    pack.refresh_from_db()
    data = pack.file.read()
    (out / f"bench-{label}.pdf").write_bytes(data)
    print(
        f"{label}: {pack.initiatives:,} initiatives, {wall:.2f} s wall, {cpu:.2f} s CPU (process), "
        f"{len(data) / 1e6:.1f} MB, status {pack.status}; load after: {_load()}"
    )
    print("  progress seen (s, %): " + ", ".join(f"{t:.1f}:{p}" for t, p in seen))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--out", default="/tmp")
    args = parser.parse_args()
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_MEDIA_ROOT", str(Path(args.out) / "bench-media"))
    db.setup_django()
    from django.test import Client

    from accounts.models import User
    from bench.sizes import ADMIN_EMAIL

    admin = User.objects.get(email=ADMIN_EMAIL)
    client = Client()
    client.force_login(admin)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _a3(client, _busiest_initiative(), args.rounds, out)
    _pack(admin, out, "pack-1")
    _pack(admin, out, "pack-2")
    print(f"CPUs: {os.cpu_count()}")


if __name__ == "__main__":
    main()
