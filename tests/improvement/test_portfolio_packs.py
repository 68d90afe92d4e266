"""Portfolio packs: built in the background with progress, compared with the last pack, mailed monthly."""

import csv
import datetime as dt
import io

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, Role
from accounts.notifications import notification_mute_set
from improvement import tasks
from improvement.currency import format_amount
from improvement.models import Health, NotificationKind, PackStatus, PortfolioPack, Stage
from improvement.reports.pack_data import MSG_GONE
from improvement.services.packs import MSG_BUSY, pack_request, pack_send_scheduled
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    MilestoneFactory,
    UserFactory,
)
from tests.improvement.pdf_helpers import needs_pdftoppm, pdf_text, pdf_to_png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def portfolio(team, lead):
    good = InitiativeFactory(team=team, lead=lead, code="IMP-001", title="Callback offer", stage=Stage.DO)
    CostFactory(initiative=good, amount=10000)
    BenefitFactory(initiative=good, monthly_amount=2500)
    late = InitiativeFactory(
        team=team, lead=lead, code="IMP-002", title="Knowledge base", health=Health.AT_RISK
    )
    past = timezone.localdate() - dt.timedelta(days=3)
    MilestoneFactory(initiative=late, title="Write the articles", due_date=past)
    CostFactory(initiative=late, amount=5000)
    return good, late


def _build(user, captured) -> PortfolioPack:
    with captured(execute=True):
        pack = pack_request(actor=user)
    pack.refresh_from_db()
    return pack


def test_a_pack_is_built_in_the_background_and_stored(
    portfolio, executive, django_capture_on_commit_callbacks
):
    pack = _build(executive, django_capture_on_commit_callbacks)

    assert pack.status == PackStatus.DONE and pack.progress == 100
    assert pack.initiatives == 2
    assert pack.file.name.startswith("packs/portfolio-pack-")
    text = pdf_text(pack.file.read())
    assert "Portfolio review pack" in text
    # Ranked by ROI as on the dashboard: the initiative that pays back first.
    ranked = text[text.index("Initiatives ranked by ROI (2)") :]
    assert ranked.index("1 IMP-001 Callback offer") < ranked.index("2 IMP-002 Knowledge base")
    assert "At risk (1) and why" in text
    assert "the lead reports it at risk; 1 milestone past due" in text
    assert "This is the first pack" in text
    assert pack.snapshot["initiatives"]["IMP-001"][:2] == ["Do", "On track"]


def test_the_next_pack_says_what_moved_since_the_last(
    portfolio, executive, team, lead, django_capture_on_commit_callbacks
):
    good, late = portfolio
    first = _build(executive, django_capture_on_commit_callbacks)
    good.stage, good.health = Stage.CHECK, Health.OFF_TRACK
    good.save(update_fields=["stage", "health"])
    late.delete()
    InitiativeFactory(team=team, lead=lead, code="IMP-003", title="Chatbot triage")

    second = _build(executive, django_capture_on_commit_callbacks)

    text = pdf_text(second.file.read())
    assert second.previous == first
    assert f"Since {first.as_of.isoformat()}: 3 initiatives changed." in text
    assert "moved from Do to Check; health On track to Off track; now at risk" in text
    assert "IMP-003 Chatbot triage new in the portfolio (Plan, On track)" in text
    assert f"IMP-002 {MSG_GONE}" in text


def test_a_second_pack_while_one_is_building_is_refused(executive):
    pack_request(actor=executive)  # not built: no commit in this test's transaction

    with pytest.raises(ValidationError, match=MSG_BUSY):
        pack_request(actor=executive)
    assert PortfolioPack.objects.count() == 1


def test_a_pack_covers_only_what_its_reader_reads(
    portfolio, other_team, other_lead, django_capture_on_commit_callbacks
):
    InitiativeFactory(team=other_team, lead=other_lead, code="IMP-900", title="Other team's work")

    pack = _build(other_lead, django_capture_on_commit_callbacks)

    text = pdf_text(pack.file.read())
    assert "IMP-900" in text and "IMP-001" not in text
    assert pack.initiatives == 1


def test_ten_thousand_rows_lay_out_page_by_page(executive, team, lead):
    """The ranked table splits a page-full at a time (no per-page re-measuring of the rest)."""
    from improvement.reports.pack_data import pack_compose
    from improvement.reports.pack_pdf import pack_pdf

    InitiativeFactory(team=team, lead=lead)
    content = pack_compose(user=executive, as_of=timezone.localdate(), previous=None)
    content.rows = content.rows * 2000
    shares = []

    document = pack_pdf(content=content, title="Pack", on_progress=shares.append)

    assert document.startswith(b"%PDF-")
    assert shares and shares[-1] == 1.0 and shares == sorted(shares)


def test_the_monthly_pack_is_mailed_to_executives_who_did_not_mute_it(
    portfolio, executive, admin, mailoutbox
):
    muted = UserFactory(role=Role.EXECUTIVE)
    notification_mute_set(actor=muted, kind=NotificationKind.PORTFOLIO_PACK, muted=True)
    today = timezone.localdate()

    pack_id = tasks.send_portfolio_pack.delay(today.isoformat()).get()
    tasks.send_portfolio_pack.delay(today.isoformat()).get()  # a second run mails nobody twice

    pack = PortfolioPack.objects.get(pk=pack_id)
    assert pack.requested_by is None and pack.status == PackStatus.DONE
    assert [m.to for m in mailoutbox] == [[executive.email]]
    [(name, content, media_type)] = mailoutbox[0].attachments
    assert name == f"portfolio-pack-{today.isoformat()}.pdf" and media_type == "application/pdf"
    assert "Monthly portfolio review pack" in pdf_text(content)
    assert Notification.objects.filter(kind=NotificationKind.PORTFOLIO_PACK).count() == 1


def test_the_monthly_pack_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["portfolio-review-pack"]
    assert entry["task"] == tasks.send_portfolio_pack.name


def test_without_an_admin_or_executive_no_scheduled_pack_is_built(portfolio):
    assert pack_send_scheduled(today=timezone.localdate()) is None
    assert not PortfolioPack.objects.exists()


@needs_pdftoppm
def test_the_pack_renders_to_png(portfolio, executive, tmp_path, django_capture_on_commit_callbacks):
    pack = _build(executive, django_capture_on_commit_callbacks)

    pages = pdf_to_png(pack.file.read(), tmp_path, first=1, last=3)

    assert len(pages) >= 2


def test_the_packs_figures_are_the_portfolio_csvs(
    portfolio, executive, client, django_capture_on_commit_callbacks
):
    pack = _build(executive, django_capture_on_commit_callbacks)
    client.force_login(executive)
    answer = client.get(reverse("improvement:dashboard_csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))

    text = pdf_text(pack.file.read())

    for row in rows:
        figures = [
            format_amount(float(row[name]), currency=settings.PDCA_CURRENCY)
            for name in ("Total cost", "Net benefit", "NPV")
        ]
        roi = f"{float(row['ROI %']):.1f}" if row["ROI %"] else "—"
        assert (
            f"{row['Code']} {row['Title']} {row['Team']} {row['Stage']} {row['Health']} "
            + " ".join([figures[0], figures[1], roi])
            in text
        )
        assert figures[2] in text
