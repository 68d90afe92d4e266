"""Read-only share links on the site: the public page, its refusals, its log, and the share panel."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from common.errors import PermissionDenied
from improvement.models import ShareLink, ShareLinkView
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from improvement.services import shares
from kpis.models import Kpi
from tests.factories import (
    InitiativeFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    StatusUpdateFactory,
    UserFactory,
)
from tests.improvement.pdf_helpers import pdf_text

pytestmark = pytest.mark.django_db


def share_url(token: str) -> str:
    return reverse("improvement:share", args=[token])


def _report(initiative):
    """An initiative with a target and its measurements, a milestone and a status update."""
    kpi = Kpi.objects.get(code="fcr_rate")
    KpiTargetFactory(initiative=initiative, kpi=kpi, baseline_value=70, target_value=85)
    for days in range(3):
        MeasurementFactory(kpi=kpi, period=timezone.localdate() - dt.timedelta(days=days), value=75 + days)
    MilestoneFactory(initiative=initiative, title="Pilot in two queues")
    StatusUpdateFactory(initiative=initiative, narrative="Callbacks cut waiting by a third.")


def test_a_lead_shares_and_a_stranger_reads_the_report_without_forms_or_links(login, lead, initiative):
    _report(initiative)
    page = login(lead).post(reverse("improvement:share_initiative", args=[initiative.pk]), {"days": 7})
    address = re.search(r'value="(http://testserver/share/[^"]+)"', page.content.decode()).group(1)

    response = Client().get(address, HTTP_USER_AGENT="Mozilla/5.0 (Slides)", REMOTE_ADDR="203.0.113.77")

    html = response.content.decode()
    assert response.status_code == 200
    for shown in [
        initiative.title,
        initiative.smart_goal,
        "First-contact resolution rate",
        "Pilot in two queues",
        "Callbacks cut waiting by a third.",
        "Total investment",
        "PDCA stage",
    ]:
        assert shown in html, shown
    assert "<form" not in html
    assert "<input" not in html
    # No address into the site: only the stylesheet, icon and chart scripts under /static/, and the
    # A3 of this same link (relative: /share/<token>/a3.pdf).
    hrefs = re.findall(r'(?:href|src|action)="([^"]+)"', html)
    assert hrefs and all(h.startswith("/static/") or h == "a3.pdf" for h in hrefs), hrefs
    assert "<nav" not in html
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"]
    assert 'name="robots" content="noindex' in html
    # No session read or written, no cookie set.
    assert not response.cookies
    assert response.wsgi_request.session.accessed is False
    assert "Cookie" not in response.get("Vary", "")
    view = ShareLinkView.objects.get()
    assert (view.network, view.user_agent) == ("203.0.113.0/24", "Mozilla/5.0 (Slides)")


def test_the_created_page_shows_the_address_once_and_only_its_digest_is_kept(login, lead, initiative):
    page = login(lead).post(reverse("improvement:share_initiative", args=[initiative.pk]), {"days": 14})
    token = re.search(r"/share/([^/\"]+)/", page.content.decode()).group(1)

    link = ShareLink.objects.get()
    assert page["Cache-Control"] == "private, no-store"
    assert token not in str(ShareLink.objects.values().get())
    assert link.key_hash not in token
    assert (link.expires_at - link.created_at) == dt.timedelta(days=14)
    # The initiative page lists the link without its address.
    detail = login(lead).get(reverse("improvement:initiative_detail", args=[initiative.pk])).content.decode()
    assert f"{link.prefix}…" in detail and token not in detail


@pytest.mark.parametrize("days", [0, 91, "x"])
def test_a_link_lasts_1_to_90_days(login, lead, initiative, days):
    page = login(lead).post(reverse("improvement:share_initiative", args=[initiative.pk]), {"days": days})

    assert page.status_code == 400
    assert not ShareLink.objects.exists()


def test_expired_revoked_and_tampered_links_are_refused_and_change_nothing(lead, initiative):
    expired, expired_token = shares.share_link_create(actor=lead, initiative=initiative, days=1)
    ShareLink.objects.filter(pk=expired.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    revoked, revoked_token = shares.share_link_create(actor=lead, initiative=initiative)
    shares.share_link_revoke(actor=lead, link=revoked)
    _, good = shares.share_link_create(actor=lead, initiative=initiative)
    raw, signature = good.rsplit(".", 1)
    tampered = [
        raw[:-1] + ("A" if raw[-1] != "A" else "B") + "." + signature,
        raw + "." + signature[::-1],
        raw,
    ]
    client = Client()

    for token in [expired_token, revoked_token]:
        response = client.get(share_url(token))
        assert response.status_code == 410
        assert "expired or was revoked" in response.content.decode()
        assert response["Cache-Control"] == "private, no-store"
    for token in tampered:
        assert client.get(share_url(token)).status_code == 404
    assert not ShareLinkView.objects.exists()
    assert initiative.title not in client.get(share_url(revoked_token)).content.decode()


def test_a_shared_initiative_offers_its_a3_to_whoever_holds_the_address(lead, initiative):
    _report(initiative)
    _, token = shares.share_link_create(actor=lead, initiative=initiative)
    revoked, revoked_token = shares.share_link_create(actor=lead, initiative=initiative)
    shares.share_link_revoke(actor=lead, link=revoked)
    client = Client()

    response = client.get(reverse("improvement:share_a3", args=[token]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert initiative.title in pdf_text(response.content)
    assert not response.cookies
    assert client.get(reverse("improvement:share_a3", args=[revoked_token])).status_code == 410
    assert client.get(reverse("improvement:share_a3", args=[token + "x"])).status_code == 404


def test_a_link_stops_when_its_creators_account_is_closed(lead, initiative):
    _, token = shares.share_link_create(actor=lead, initiative=initiative)
    lead.is_active = False
    lead.save(update_fields=["is_active"])

    assert Client().get(share_url(token)).status_code == 410


def test_every_view_is_logged_and_the_count_shown_on_the_page(login, lead, initiative):
    _, token = shares.share_link_create(actor=lead, initiative=initiative)
    for _ in range(3):
        Client().get(share_url(token), REMOTE_ADDR="2001:db8:85a3:1:2:3:4:5")

    page = login(lead).get(reverse("improvement:initiative_detail", args=[initiative.pk])).content.decode()

    assert ShareLinkView.objects.count() == 3
    assert set(ShareLinkView.objects.values_list("network", flat=True)) == {"2001:db8:85a3::/48"}
    assert re.search(r'class="num share-views"[^>]*>3<', page)


def test_a_viewer_cannot_share_and_sees_no_panel(login, viewer, initiative):
    client = login(viewer)

    page = client.get(reverse("improvement:initiative_detail", args=[initiative.pk])).content.decode()
    response = client.post(reverse("improvement:share_initiative", args=[initiative.pk]), {"days": 7})

    assert 'id="share"' not in page
    assert response.status_code == 403
    assert not ShareLink.objects.exists()
    with pytest.raises(PermissionDenied):
        shares.share_link_create(actor=viewer, initiative=initiative)


def test_only_editors_revoke(login, lead, initiative, team):
    link, token = shares.share_link_create(actor=lead, initiative=initiative)
    contributor = UserFactory(role=Role.CONTRIBUTOR)
    other = InitiativeFactory(team=team)

    refused = login(contributor).post(reverse("improvement:share_revoke", args=[link.pk]))
    done = login(lead).post(reverse("improvement:share_revoke", args=[link.pk]))

    assert refused.status_code == 404
    assert done.status_code == 302 and done["Location"].endswith(f"/initiatives/{initiative.pk}/#share")
    link.refresh_from_db()
    assert link.revoked_at is not None and link.revoked_by == lead
    assert Client().get(share_url(token)).status_code == 410
    assert other.share_links.count() == 0


def test_the_page_of_initiative_a_reaches_nothing_of_initiative_b(lead, team, initiative):
    other = InitiativeFactory(team=team, title="Self-service password reset")
    StatusUpdateFactory(initiative=other, narrative="Secret narrative of B")
    MilestoneFactory(initiative=other, title="Milestone of B")
    _, token = shares.share_link_create(actor=lead, initiative=initiative)
    client = Client()

    html = client.get(share_url(token)).content.decode()

    assert other.title not in html and "Secret narrative of B" not in html and "Milestone of B" not in html
    # The token opens only its own page: nothing else in the site answers it.
    assert client.get(reverse("improvement:initiative_detail", args=[other.pk])).status_code == 302
    assert client.get(f"/api/v1/initiatives/{other.pk}/").status_code in (401, 403)
    assert client.get(share_url(token) + "../").status_code in (302, 404)


def test_queries_do_not_grow_with_the_report(lead, team):
    def queries(initiative) -> int:
        _, token = shares.share_link_create(actor=lead, initiative=initiative)
        with CaptureQueriesContext(connection) as captured:
            assert Client().get(share_url(token)).status_code == 200
        return len(captured.captured_queries)

    small = InitiativeFactory(team=team, lead=lead)
    MilestoneFactory(initiative=small)
    StatusUpdateFactory(initiative=small)
    large = InitiativeFactory(team=team, lead=lead)
    for code in ["fcr_rate", "csat", "average_handle_time"]:
        KpiTargetFactory(initiative=large, kpi=Kpi.objects.get(code=code), baseline_value=50, target_value=60)
    for _ in range(8):
        MilestoneFactory(initiative=large)
        StatusUpdateFactory(initiative=large)
    KpiTargetFactory(
        initiative=small, kpi=Kpi.objects.get(code="fcr_rate"), baseline_value=50, target_value=60
    )

    assert queries(small) == queries(large)


def test_an_experiments_results_are_shared_read_only(login, lead, initiative):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Callback offer",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=[{"key": "control", "is_control": True}, {"key": "t1"}],
        mde=0.1,
    )
    ex.experiment_start(actor=lead, experiment=experiment)
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": "control", "users": 5000, "conversions": 500},
            {"variant": "t1", "users": 5000, "conversions": 600},
        ],
    )
    panel = login(lead).get(reverse("improvement:experiment_detail", args=[experiment.pk])).content.decode()
    assert reverse("improvement:share_experiment", args=[experiment.pk]) in panel
    link, token = shares.share_link_create(actor=lead, experiment=experiment)

    response = Client().get(share_url(token))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Callback offer" in html and "Difference vs control" in html and "significant" in html
    assert "<form" not in html and "Sample-size planner" not in html
    assert all(h.startswith("/static/") for h in re.findall(r'(?:href|src|action)="([^"]+)"', html))
    assert link.views.count() == 1


def test_the_address_never_reaches_the_logs(lead, initiative, caplog):
    _, token = shares.share_link_create(actor=lead, initiative=initiative)

    with caplog.at_level("INFO", logger="pdca.request"):
        Client().get(share_url(token))
        Client().get(share_url(token + "x"))

    lines = [r.getMessage() for r in caplog.records] + [str(getattr(r, "path", "")) for r in caplog.records]
    assert any("/share/[redacted]/" in line for line in lines)
    leaked = [line for line in lines if token in line]
    assert not leaked, leaked


def test_an_experiments_page_costs_the_same_queries_for_two_arms_as_for_four(lead, initiative):
    def queries(arms: int) -> int:
        experiment = ex.experiment_create(
            actor=lead,
            initiative=initiative,
            name=f"{arms} arms",
            primary_kpi=Kpi.objects.get(code="fcr_rate"),
            variants=[{"key": "control", "is_control": True}] + [{"key": f"t{i}"} for i in range(1, arms)],
            mde=0.1,
        )
        ex.experiment_start(actor=lead, experiment=experiment)
        data.experiment_data_replace(
            actor=lead,
            experiment=experiment,
            rows=[
                {"variant": v.key, "users": 4000, "conversions": 400 + 10 * i}
                for i, v in enumerate(experiment.variants.all())
            ],
        )
        _, token = shares.share_link_create(actor=lead, experiment=experiment)
        with CaptureQueriesContext(connection) as captured:
            assert Client().get(share_url(token)).status_code == 200
        return len(captured.captured_queries)

    assert queries(2) == queries(4)
