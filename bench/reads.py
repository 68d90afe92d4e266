"""The reads that ``make bench`` times and that must not grow with the table: each one's caller and URL
on a seeded database (bench.cases times them once per size, bench.growth both sizes together)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bench.raw import LIST_PAGE
from bench.sync import since_sync

MEASUREMENT_PAGE = 1_000
# The measurements list filtered by a KPI and 90 days that end half a year ago (both sizes hold them).
RANGE_DAYS = 90
RANGE_ENDS_DAYS_AGO = 180
ADMIN_MEASUREMENTS = "/admin/kpis/measurement/"
# Who asks: the admin's API token, the lead's (team-scoped) token, the admin signed in to the site.
CALLERS = ("api", "lead_api", "site")
# The roadmap's first page holds what the seed's random draw put there: at xlarge 70 milestones on
# 25 initiatives, at large 54 (5.07 and 5.10 a page's initiative on average). Its growth is timed on
# a page of as many milestones at both sizes too.
ROADMAP_ROWS = 60
ROADMAP_PAGES_SEARCHED = 40
ROADMAP_ROW = b'<li class="timeline-row">'


@dataclass(frozen=True)
class Read:
    caller: str
    url: str
    note: str
    # Called (untimed) before each timed request: what a write does to the answers kept in the cache.
    before: Callable[[], None] | None = None


def milestone_completed() -> None:
    """What marking a milestone done can do to the kept answers, at once (its commit): the roll-up's
    answers and the first rows at risk are computed again at the next read (improvement/receivers.py;
    the roll-up's when its count at risk moved, the worst case here)."""
    from improvement.selectors.initiatives import initiatives_at_risk_written
    from improvement.selectors.portfolio_rollup_cache import rollup_revision_new

    rollup_revision_new()
    initiatives_at_risk_written()


def milestone_owner_changed() -> None:
    """What giving a milestone another owner does: ``milestone_completed``'s drops, and the
    roadmap's owner choices too."""
    from improvement.selectors.roadmap import milestone_owners_written

    milestone_completed()
    milestone_owners_written()


def bench_initiative() -> int:
    """An initiative with two targets, money and milestones: the detail every integration pulls."""
    from improvement.models import KpiTarget

    return (
        KpiTarget.objects.filter(initiative__status="active", initiative__archived_at=None)
        .values_list("initiative_id", flat=True)
        .order_by("-initiative_id")
        .first()
    )


def bench_kpi_code() -> str:
    """The first KPI's rows have the lowest ids: walking the id index from the top reaches them last."""
    from kpis.models import Measurement

    return Measurement.objects.order_by("id").values_list("kpi__code", flat=True).first()


def roadmap_page_of(site, rows: int) -> int | None:
    """The first roadmap page (of the admin's, ``site``) that shows ``rows`` milestones, within the
    first ``ROADMAP_PAGES_SEARCHED`` pages; None if none does."""
    for page in range(1, ROADMAP_PAGES_SEARCHED + 1):
        response = site.get(f"/roadmap/?page={page}")
        if response.status_code != 200:
            return None
        if response.content.count(ROADMAP_ROW) == rows:
            return page
    return None


def reads(clients: dict) -> dict[str, Read]:
    """Every timed read by case name, in the order bench.cases times them. The admin's token client
    walks the ``updated_since`` read once to find its last page; the signed-in admin looks for a
    roadmap page of ``ROADMAP_ROWS`` milestones."""
    from django.utils import timezone

    from kpis.models import Kpi

    initiative_id, kpi_code = bench_initiative(), bench_kpi_code()
    _, since_pages, since_last = since_sync(clients["api"])
    roadmap_page = roadmap_page_of(clients["site"], ROADMAP_ROWS)
    last = timezone.localdate() - dt.timedelta(days=RANGE_ENDS_DAYS_AGO)
    ranged = f"kpi={kpi_code}&period_after={last - dt.timedelta(days=RANGE_DAYS - 1)}&period_before={last}"
    admin_kpi = Kpi.objects.order_by("pk").first()
    list_url = f"/api/v1/initiatives/?page_size={LIST_PAGE}"
    measurements = "/api/v1/measurements/"
    return {
        "api_initiatives_list": Read("api", list_url, "admin, page 1 of 100, ordered by code"),
        "api_initiatives_list_filtered": Read(
            "api",
            f"{list_url}&status=active&stage=do&ordering=-start_date",
            "status=active&stage=do, newest first",
        ),
        "api_initiatives_list_lead": Read("lead_api", list_url, "a lead: team-scoped visibility"),
        "api_initiative_progress": Read(
            "api", f"/api/v1/initiatives/{initiative_id}/progress/", f"initiative {initiative_id}"
        ),
        "api_initiatives_since_deep_page": Read("api", since_last, f"updated_since, page {since_pages}"),
        "api_portfolio_summary": Read("api", "/api/v1/portfolio/summary/", "every initiative"),
        "api_measurements_page": Read(
            "api", f"{measurements}?page_size={MEASUREMENT_PAGE}", "cursor, first page of 1,000"
        ),
        "api_measurements_kpi_period": Read(
            "api",
            f"{measurements}?{ranged}",
            f"kpi + {RANGE_DAYS} days, default page size and order (newest period first)",
        ),
        "api_measurements_kpi_period_oldest_first": Read(
            "api", f"{measurements}?{ranged}&ordering=period", "the same, oldest period first"
        ),
        "api_control_chart": Read(
            "api", f"/api/v1/kpis/{kpi_code}/control-chart/", f"{kpi_code}, the whole service, defaults"
        ),
        "page_dashboard": Read("site", "/dashboard/", "admin: the whole portfolio"),
        "page_initiative": Read("site", f"/initiatives/{initiative_id}/", f"initiative {initiative_id}"),
        "page_roadmap": Read("site", "/roadmap/", "admin: every team, 90-day window"),
        "page_my_work": Read(
            "site", "/my-work/", "admin: the benefits awaiting validation (paged) and what needs attention"
        ),
        "admin_measurements": Read("site", ADMIN_MEASUREMENTS, "admin changelist, page 1"),
        "admin_measurements_search": Read(
            "site", f"{ADMIN_MEASUREMENTS}?q={admin_kpi.code}", f"search q={admin_kpi.code} (a KPI code)"
        ),
        "admin_measurements_kpi_filter": Read(
            "site", f"{ADMIN_MEASUREMENTS}?kpi__id__exact={admin_kpi.pk}", "filtered by one KPI"
        ),
        "page_board": Read("site", "/board/", "admin: the PDCA board, capped columns"),
        **{
            f"{page}_after_write": Read(
                "site", url, f"{who}, the first read after a milestone is done", before=milestone_completed
            )
            for page, url, who in (
                ("page_dashboard", "/dashboard/", "admin"),
                ("page_my_work", "/my-work/", "admin"),
                ("page_roadmap", "/roadmap/", "admin"),
            )
        },
        **(
            {
                f"page_roadmap_of_{ROADMAP_ROWS}_milestones{after}": Read(
                    "site",
                    f"/roadmap/?page={roadmap_page}",
                    f"admin: page {roadmap_page}, the first of {ROADMAP_ROWS} milestones{note}",
                    before=before,
                )
                for after, note, before in (
                    ("", "", None),
                    ("_after_owner_change", ", after a milestone's owner changes", milestone_owner_changed),
                )
            }
            if roadmap_page
            else {}
        ),
        "page_roadmap_after_owner_change": Read(
            "site",
            "/roadmap/",
            "admin, the first read after a milestone's owner changes",
            before=milestone_owner_changed,
        ),
    }


def clients() -> dict:
    """A test Client per caller of ``CALLERS``, on the current database (a token made, a session
    signed in)."""
    from django.test import Client

    from accounts.models import Scope, User
    from accounts.services import token_create
    from bench.sizes import ADMIN_EMAIL, LEAD_EMAIL

    admin = User.objects.get(email=ADMIN_EMAIL)
    lead = User.objects.get(email=LEAD_EMAIL)
    _, secret = token_create(actor=admin, name="bench", scopes=Scope.values)
    _, lead_secret = token_create(actor=lead, name="bench", scopes=[Scope.PROGRESS_READ])
    site = Client()
    site.force_login(admin)
    return {
        "api": Client(HTTP_AUTHORIZATION=f"Bearer {secret}"),
        "lead_api": Client(HTTP_AUTHORIZATION=f"Bearer {lead_secret}"),
        "site": site,
    }
