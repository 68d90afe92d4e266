"""The timed cases: each hot path called through Django's test ``Client`` with warm-up runs, then
repeated runs (median and p95)."""

import datetime as dt
import json
import statistics
import time
from collections.abc import Callable

from bench.interleave import ROUNDS, run_pairs
from bench.raw import LIST_PAGE
from bench.sizes import ADMIN_EMAIL, LEAD_EMAIL
from bench.sync import SYNC_PAGE, full_sync, since_sync

MEASUREMENT_PAGE = 1_000
BULK_ROWS = 10_000
OBSERVATIONS = 1_000_000
# The measurements list filtered by a KPI and 90 days that end half a year ago (both sizes hold them).
RANGE_DAYS = 90
RANGE_ENDS_DAYS_AGO = 180


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(fn: Callable[[int], None], *, warmup: int, repeat: int) -> dict:
    """Call ``fn(i)`` ``warmup`` times untimed, then ``repeat`` times timed; milliseconds."""
    for i in range(warmup):
        fn(i)
    times = []
    for i in range(repeat):
        started = time.perf_counter()
        fn(warmup + i)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
        "min_ms": round(min(times), 2),
        "runs": repeat,
        "warmup": warmup,
    }


def _expect(response, status: int = 200):
    if response.status_code != status:
        body = response.content[:500].decode(errors="replace")
        raise AssertionError(f"{response.status_code} (expected {status}) from {response.request}: {body}")
    return response


def _observations_csv(n: int) -> bytes:
    import numpy as np

    rng = np.random.default_rng(8)
    arms = rng.integers(0, 2, n)
    values = rng.normal(6.0, 2.0, n) - 0.05 * arms
    labels = np.where(arms == 1, "treatment", "control")
    lines = [f"{label},{value:.3f}" for label, value in zip(labels.tolist(), values.tolist(), strict=True)]
    return ("variant,value\n" + "\n".join(lines) + "\n").encode()


def run_cases(seeded: dict, *, quick: bool, log=print) -> dict:
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Scope, User
    from accounts.services import token_create
    from improvement.models import Initiative, KpiTarget
    from kpis.models import Measurement

    admin = User.objects.get(email=ADMIN_EMAIL)
    lead = User.objects.get(email=LEAD_EMAIL)
    _, secret = token_create(actor=admin, name="bench", scopes=Scope.values)
    _, lead_secret = token_create(actor=lead, name="bench", scopes=[Scope.PROGRESS_READ])
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    lead_api = Client(HTTP_AUTHORIZATION=f"Bearer {lead_secret}")
    site = Client()
    site.force_login(admin)

    # An initiative with two targets, money and milestones: the detail every integration pulls.
    initiative_id = (
        KpiTarget.objects.filter(initiative__status="active", initiative__archived_at=None)
        .values_list("initiative_id", flat=True)
        .order_by("-initiative_id")
        .first()
    )
    assert Initiative.objects.filter(pk=initiative_id).exists()
    few, many = (2, 5) if quick else (3, 20)
    results: dict[str, dict] = {}

    def case(name: str, fn, *, warmup: int = few, repeat: int = many, **extra) -> None:
        started = time.perf_counter()
        results[name] = {**measure(fn, warmup=warmup, repeat=repeat), **extra}
        log(
            f"  {name:<36} median {results[name]['median_ms']:>9.2f} ms   "
            f"p95 {results[name]['p95_ms']:>9.2f} ms   ({time.perf_counter() - started:.1f} s)"
        )

    def get(client, url):
        return lambda i: _expect(client.get(url))

    list_url = f"/api/v1/initiatives/?page_size={LIST_PAGE}"
    case("api_initiatives_list", get(api, list_url), note="admin, page 1 of 100, ordered by code")
    case(
        "api_initiatives_list_filtered",
        get(api, f"{list_url}&status=active&stage=do&ordering=-start_date"),
        note="status=active&stage=do, newest first",
    )
    case("api_initiatives_list_lead", get(lead_api, list_url), note="a lead: team-scoped visibility")
    case(
        "api_initiative_progress",
        get(api, f"/api/v1/initiatives/{initiative_id}/progress/"),
        note=f"initiative {initiative_id}",
    )
    initiatives = Initiative.objects.count()

    def sync_all(i: int) -> None:
        assert full_sync(api) == initiatives

    case(
        "api_initiatives_full_sync",
        sync_all,
        warmup=1,
        repeat=3 if quick else 5,
        note=f"change cursor from empty, pages of {SYNC_PAGE}, {initiatives:,} initiatives",
    )
    _, since_pages, since_last = since_sync(api)

    def since_all(i: int) -> None:
        assert since_sync(api)[0] == initiatives

    case(
        "api_initiatives_since_sync",
        since_all,
        warmup=1,
        repeat=3 if quick else 5,
        note=f"updated_since, keyset pages of {SYNC_PAGE}, {since_pages} pages",
    )
    case("api_initiatives_since_deep_page", get(api, since_last), note=f"updated_since, page {since_pages}")
    case("api_portfolio_summary", get(api, "/api/v1/portfolio/summary/"), note="every initiative")
    case(
        "api_measurements_page",
        get(api, f"/api/v1/measurements/?page_size={MEASUREMENT_PAGE}"),
        note="cursor, first page of 1,000",
    )

    # The first KPI's rows have the lowest ids: walking the id index from the top reaches them last.
    kpi_code = Measurement.objects.order_by("id").values_list("kpi__code", flat=True).first()
    last = timezone.localdate() - dt.timedelta(days=RANGE_ENDS_DAYS_AGO)
    ranged = f"kpi={kpi_code}&period_after={last - dt.timedelta(days=RANGE_DAYS - 1)}&period_before={last}"
    case(
        "api_measurements_kpi_period",
        get(api, f"/api/v1/measurements/?{ranged}"),
        note=f"kpi + {RANGE_DAYS} days, default page size and order (newest period first)",
    )
    case(
        "api_measurements_kpi_period_oldest_first",
        get(api, f"/api/v1/measurements/?{ranged}&ordering=period"),
        note="the same, oldest period first",
    )
    chart_url = f"/api/v1/kpis/{kpi_code}/control-chart/"
    chart_answer = _expect(api.get(chart_url)).content
    case("api_control_chart", get(api, chart_url), note=f"{kpi_code}, the whole service, defaults")

    # App ÷ raw baseline, interleaved in this process (bench.interleave, bench.pairs): each pair's
    # answers asserted byte-identical, then timed in alternating rounds, with a verdict per target.
    log("  app ÷ raw, interleaved:")
    pairs = run_pairs(api, {"kpi_code": kpi_code}, rounds=5 if quick else ROUNDS, log=log)

    # Re-pushes the latest 10,000 values with new numbers: every run updates 10,000 rows.
    keys = list(
        Measurement.objects.order_by("-period", "id").values_list(
            "kpi__code", "segment", "period", "source", "value", "kpi__max_value"
        )[:BULK_ROWS]
    )

    def moved(value: float, high: float | None, i: int) -> float:
        step = 0.001 * (i + 1)
        return round(value - step if high is not None and value + step > high else value + step, 3)

    def bulk(i: int) -> None:
        rows = [
            {"kpi": code, "segment": segment, "period": period.isoformat(), "source": source}
            | {"value": moved(value, high, i)}
            for code, segment, period, source, value, high in keys
        ]
        body = json.dumps({"rows": rows})
        response = _expect(api.post("/api/v1/measurements/bulk/", body, content_type="application/json"))
        assert response.json()["updated"] + response.json()["created"] == BULK_ROWS, response.json()

    case("api_measurements_bulk_upsert", bulk, warmup=1, repeat=3 if quick else 7, note="10,000 rows")

    experiment_id = seeded["bench_experiment_id"]
    csv = _observations_csv(OBSERVATIONS)
    observations_url = f"/api/v1/experiments/{experiment_id}/observations/"
    results_url = f"/api/v1/experiments/{experiment_id}/results/"

    def upload(i: int) -> None:
        answer = _expect(api.post(observations_url, csv, content_type="text/csv")).json()
        assert answer["observations"] == OBSERVATIONS, answer

    def analysis(i: int) -> None:
        upload(i)
        assert _expect(api.get(results_url)).json()["users"] == OBSERVATIONS

    spare = {"warmup": 1, "repeat": 3 if quick else 7}
    case("experiment_analysis", analysis, note="CSV upload of 1,000,000 rows + results", **spare)
    case("experiment_upload", upload, note="the CSV upload alone", **spare)
    case("experiment_results", get(api, results_url), note="results from the folded totals")

    case("page_dashboard", get(site, "/dashboard/"), note="admin: the whole portfolio")
    case("page_initiative", get(site, f"/initiatives/{initiative_id}/"), note=f"initiative {initiative_id}")
    case("page_roadmap", get(site, "/roadmap/"), note="admin: every team, 90-day window")
    case(
        "page_my_work",
        get(site, "/my-work/"),
        note="admin: the benefits awaiting validation (paged) and what needs attention",
    )

    write_side_cases(case, get, site)

    return {
        "cases": results,
        "pairs": pairs,
        "control_chart_bytes": len(chart_answer),
        "initiative_id": initiative_id,
        "timestamp": timezone.now().isoformat(),
    }


# --- the admin's measurements changelist and the board --------------------------------------------

ADMIN_MEASUREMENTS = "/admin/kpis/measurement/"


def write_side_cases(case, get, site) -> None:
    """The admin's measurements changelist (plain, searched, filtered by KPI) and the PDCA board."""
    from kpis.models import Kpi

    kpi = Kpi.objects.order_by("pk").first()
    case("admin_measurements", get(site, ADMIN_MEASUREMENTS), note="admin changelist, page 1")
    case(
        "admin_measurements_search",
        get(site, f"{ADMIN_MEASUREMENTS}?q={kpi.code}"),
        note=f"search q={kpi.code} (a KPI code)",
    )
    case(
        "admin_measurements_kpi_filter",
        get(site, f"{ADMIN_MEASUREMENTS}?kpi__id__exact={kpi.pk}"),
        note="filtered by one KPI",
    )
    case("page_board", get(site, "/board/"), note="admin: the PDCA board, capped columns")
