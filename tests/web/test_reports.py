"""The PDF reports in the site: the A3 on the initiative page, the portfolio packs' pages."""

import pytest
from django.urls import reverse

from improvement.models import PackStatus, PortfolioPack
from tests.factories import InitiativeFactory
from tests.improvement.pdf_helpers import pdf_text
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db

PACKS = reverse("improvement:pack_list")
START = reverse("improvement:pack_start")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_initiative_page_offers_its_a3_as_pdf(login, lead, initiative):
    client = login(lead)
    a3 = reverse("improvement:initiative_a3", args=[initiative.pk])

    page = client.get(reverse("improvement:initiative_detail", args=[initiative.pk])).content.decode()
    response = client.get(a3)

    assert f'href="{a3}"' in page and "Download A3 (PDF)" in page
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{initiative.code}-A3.pdf"'
    assert initiative.title in pdf_text(response.content)


def test_an_initiative_the_reader_may_not_read_has_no_a3(login, other_lead, initiative):
    response = login(other_lead).get(reverse("improvement:initiative_a3", args=[initiative.pk]))

    assert response.status_code == 404


def test_building_a_pack_shows_its_page_then_the_download(
    login, executive, initiative, django_capture_on_commit_callbacks
):
    client = login(executive)
    assert "Review packs (PDF)" in client.get(reverse("improvement:dashboard")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START)

    pack = PortfolioPack.objects.get()
    detail = reverse("improvement:pack_detail", args=[pack.pk])
    download = reverse("improvement:pack_download", args=[pack.pk])
    assert response.status_code == 302 and response["Location"] == detail
    page = client.get(detail).content.decode()
    assert "Download the pack (PDF)" in page and download in page
    assert 'http-equiv="refresh"' not in page  # ready: no more reloading
    assert download in client.get(PACKS).content.decode()
    response = client.get(download)
    assert response["Content-Type"] == "application/pdf"
    assert initiative.code in pdf_text(b"".join(response.streaming_content))


def test_a_pack_being_built_shows_its_progress_and_reloads(login, executive):
    pack = PortfolioPack.objects.create(
        requested_by=executive, as_of="2026-01-31", status=PackStatus.RUNNING, progress=45
    )

    page = login(executive).get(reverse("improvement:pack_detail", args=[pack.pk])).content.decode()

    assert 'value="45"' in page and "45 %" in page
    assert 'http-equiv="refresh"' in page
    assert login(executive).get(reverse("improvement:pack_download", args=[pack.pk])).status_code == 404


def test_another_persons_pack_is_not_found_and_scheduled_ones_are_for_executives(
    login, executive, lead, viewer
):
    mine = PortfolioPack.objects.create(requested_by=lead, as_of="2026-01-31")
    scheduled = PortfolioPack.objects.create(as_of="2026-02-01")

    assert login(viewer).get(reverse("improvement:pack_detail", args=[mine.pk])).status_code == 404
    assert login(lead).get(reverse("improvement:pack_detail", args=[scheduled.pk])).status_code == 404
    assert login(executive).get(reverse("improvement:pack_detail", args=[scheduled.pk])).status_code == 200
    assert login(executive).get(reverse("improvement:pack_detail", args=[mine.pk])).status_code == 404


def test_packs_start_only_by_post_and_one_at_a_time(login, lead):
    client = login(lead)
    PortfolioPack.objects.create(requested_by=lead, as_of="2026-01-31")  # still queued

    assert client.get(START).status_code == 405
    response = client.post(START)

    assert response.status_code == 400
    assert PortfolioPack.objects.count() == 1


def test_the_pack_list_shows_only_the_readers_packs(login, lead, other_lead):
    PortfolioPack.objects.create(requested_by=other_lead, as_of="2026-01-31")
    InitiativeFactory()

    page = login(lead).get(PACKS).content.decode()

    assert "No pack yet." in page


def test_the_pack_list_costs_the_same_queries_for_more_packs(login, executive):
    client = login(executive)
    PortfolioPack.objects.create(requested_by=executive, as_of="2026-01-31")
    PortfolioPack.objects.create(as_of="2026-02-01")
    few = queries_for(client, PACKS)
    for day in range(2, 8):
        PortfolioPack.objects.create(as_of=f"2026-02-{day:02d}")

    assert queries_for(client, PACKS) == few
