"""The API's PDF reports: an initiative's A3, and portfolio packs started, polled and downloaded."""

import pytest

from improvement.models import PortfolioPack
from tests.api.conftest import queries_for
from tests.factories import InitiativeFactory
from tests.improvement.pdf_helpers import pdf_text

pytestmark = pytest.mark.django_db

PACKS = "/api/v1/portfolio-packs/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_a3_by_suffix_or_accept_for_a_token_with_progress_read(token_api, viewer, initiative):
    client = token_api(viewer, "progress:read")

    answer = client.get(f"/api/v1/initiatives/{initiative.pk}/a3.pdf")
    by_accept = client.get(f"/api/v1/initiatives/{initiative.pk}/a3/", HTTP_ACCEPT="application/pdf")

    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert f'filename="{initiative.code}-A3.pdf"' in answer["Content-Disposition"]
    assert initiative.title in pdf_text(answer.content)
    assert by_accept.status_code == 200 and by_accept.content.startswith(b"%PDF-")


def test_an_a3_the_caller_may_not_read_is_the_json_404(api, other_lead, initiative, conforms):
    answer = api(other_lead).get(f"/api/v1/initiatives/{initiative.pk}/a3.pdf")

    assert answer.status_code == 404
    assert answer["Content-Type"] == "application/json"
    conforms(answer, "GET /api/v1/initiatives/{id}/a3/")


def test_json_only_is_refused_406(api, lead, initiative):
    answer = api(lead).get(f"/api/v1/initiatives/{initiative.pk}/a3/", HTTP_ACCEPT="application/json")

    assert answer.status_code == 406


def test_a_pack_is_started_polled_and_downloaded(
    token_api, executive, initiative, conforms, django_capture_on_commit_callbacks
):
    client = token_api(executive, "progress:read")

    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(PACKS)

    assert started.status_code == 202, started.content
    conforms(started, "POST /api/v1/portfolio-packs/")
    assert started.json()["status"] == "queued"
    assert started["Location"] == f"{PACKS}{started.json()['id']}/"
    polled = client.get(started["Location"])
    conforms(polled, "GET /api/v1/portfolio-packs/{id}/")
    body = polled.json()
    assert (body["status"], body["progress"], body["initiatives"]) == ("done", 100, 1)
    assert body["download_url"] == f"{PACKS}{body['id']}/download.pdf"
    answer = client.get(body["download_url"])
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert initiative.code in pdf_text(answer.content)
    assert [p["id"] for p in client.get(PACKS).json()["results"]] == [body["id"]]


def test_a_pack_not_ready_or_not_the_callers_answers_404(api, lead, other_lead):
    pack = PortfolioPack.objects.create(requested_by=lead, as_of="2026-01-31")

    assert api(lead).get(f"{PACKS}{pack.pk}/download.pdf").status_code == 404
    assert api(other_lead).get(f"{PACKS}{pack.pk}/").status_code == 404
    assert api(other_lead).get(PACKS).json()["results"] == []


def test_a_second_pack_while_one_is_queued_is_a_400_and_nothing_changes(api, lead):
    PortfolioPack.objects.create(requested_by=lead, as_of="2026-01-31")

    answer = api(lead).post(PACKS)

    assert answer.status_code == 400
    assert PortfolioPack.objects.count() == 1


def test_an_idempotency_key_replays_the_first_answer(api, lead, settings):
    InitiativeFactory()
    client = api(lead)

    first = client.post(PACKS, HTTP_IDEMPOTENCY_KEY="pack-1")
    again = client.post(PACKS, HTTP_IDEMPOTENCY_KEY="pack-1")

    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"]
    assert PortfolioPack.objects.count() == 1


def test_the_pack_list_costs_the_same_queries_for_more_packs(api, executive):
    client = api(executive)
    PortfolioPack.objects.create(requested_by=executive, as_of="2026-01-31")
    few = queries_for(client, PACKS)
    for day in range(1, 4):
        PortfolioPack.objects.create(as_of=f"2026-02-{day:02d}")

    assert queries_for(client, PACKS) == few
