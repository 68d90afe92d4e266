"""Conventions every endpoint shares: auth, the error format, ETags, idempotency, sync, limits."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from accounts.api.auth import MSG_BAD_TOKEN
from accounts.services import token_create, token_revoke
from common.api import idempotency
from common.api.errors import (
    MSG_BAD_REQUEST,
    MSG_FORBIDDEN,
    MSG_INVALID,
    MSG_NOT_FOUND,
    MSG_PRECONDITION_FAILED,
    MSG_SERVER_ERROR,
)
from common.api.idempotency import MSG_KEY_REUSED
from common.api.pagination import PagePagination
from common.api.throttling import CallerRateThrottle
from improvement.models import Initiative, Milestone
from improvement.services.initiatives import MSG_CANNOT_EDIT
from improvement.services.roadmap import milestone_archive
from kpis.models import Measurement
from tests.factories import InitiativeFactory, KpiFactory, MilestoneFactory

INITIATIVES = "/api/v1/initiatives/"
BULK = "/api/v1/measurements/bulk/"


def detail(initiative) -> str:
    return f"{INITIATIVES}{initiative.pk}/"


def error(code: str, message: str, fields=None, details=None) -> dict:
    return {
        "code": code,
        "message": message,
        "fields": fields or {},
        "non_field_errors": [],
        "details": details or [],
    }


def test_an_anonymous_call_answers_401_with_a_bearer_challenge(anon, initiative):
    response = anon.get(detail(initiative))

    assert response.status_code == 401
    assert response.json() == error("not_authenticated", "Authentication credentials were not provided.")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_token_answers_401(anon, initiative):
    anon.credentials(HTTP_AUTHORIZATION="Bearer pdca_nope_nope")

    response = anon.get(detail(initiative))

    assert response.status_code == 401
    assert response.json() == error("authentication_failed", MSG_BAD_TOKEN)


def test_a_revoked_token_stops_working(anon, lead, initiative):
    token, secret = token_create(actor=lead, name="bi", scopes=["progress:read"])
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert anon.get(detail(initiative)).status_code == 200

    token_revoke(actor=lead, token=token)

    assert anon.get(detail(initiative)).status_code == 401


def test_another_teams_initiative_is_indistinguishable_from_a_missing_one(api, other_lead, initiative):
    client = api(other_lead)

    hidden = client.get(detail(initiative))
    missing = client.get(f"{INITIATIVES}999999/")
    hidden_write = client.patch(detail(initiative), {"title": "Mine now"}, format="json")

    assert hidden.status_code == missing.status_code == hidden_write.status_code == 404
    assert hidden.json() == missing.json() == error("not_found", MSG_NOT_FOUND)
    initiative.refresh_from_db()
    assert initiative.title == "Chat first response under 30 s"


@pytest.mark.parametrize(
    "url", ["/api/v1/initiatives/abc/", "/api/v1/initiatives/1.5/transition/", "/api/v2/initiatives/"]
)
def test_an_api_address_that_matches_no_route_answers_the_json_404(api, lead, url):
    response = api(lead).get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == error("not_found", MSG_NOT_FOUND)


def test_a_site_address_that_matches_no_route_keeps_the_html_404(client, db):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_body_django_refuses_to_read_answers_the_json_400(api, lead, running, settings):
    # The observations upload is the one action that still reads forms (multipart).
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 2
    form = {"mode": "add", "variant": "control", "value": "1"}

    response = api(lead).post(f"/api/v1/experiments/{running.pk}/observations/", form)

    assert response.status_code == 400
    assert response.json() == error("bad_request", MSG_BAD_REQUEST)
    assert not running.variants.filter(data__users__gt=0).exists()


@pytest.mark.urls("tests.api.failing_urls")
def test_a_permission_denied_outside_drf_answers_the_json_403(client, db):
    response = client.get("/api/forbidden/")

    assert response.status_code == 403
    assert response.json() == error("permission_denied", MSG_FORBIDDEN)


@pytest.mark.urls("tests.api.failing_urls")
def test_a_crash_answers_the_json_500_under_the_api_and_the_html_page_elsewhere(client, db):
    client.raise_request_exception = False

    api_crash = client.get("/api/crash/")
    page_crash = client.get("/crash/")

    assert api_crash.status_code == page_crash.status_code == 500
    assert api_crash.json() == error("server_error", MSG_SERVER_ERROR)
    assert page_crash["Content-Type"].startswith("text/html")


def test_a_visible_initiative_the_caller_cannot_edit_answers_403(api, viewer, initiative):
    response = api(viewer).patch(detail(initiative), {"title": "Viewer edit"}, format="json")

    assert response.status_code == 403
    assert response.json() == error("permission_denied", MSG_CANNOT_EDIT)
    initiative.refresh_from_db()
    assert initiative.title == "Chat first response under 30 s"


def test_bad_input_answers_400_per_field_and_writes_nothing(api, lead, team):
    response = api(lead).post(
        INITIATIVES, {"team": team.pk, "start_date": "not a date", "impact": 9}, format="json"
    )

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"] == MSG_INVALID
    assert body["fields"] == {
        "title": ["This field is required."],
        "start_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
        "impact": ["Ensure this value is less than or equal to 5."],
    }
    assert not Initiative.objects.exists()


def test_a_detail_answers_304_while_its_etag_is_current(api, lead, initiative):
    client = api(lead)
    first = client.get(detail(initiative))
    etag = first["ETag"]

    again = client.get(detail(initiative), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag

    client.patch(detail(initiative), {"title": "Chat replies under 20 s"}, format="json")
    changed = client.get(detail(initiative), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_a_list_answers_304_until_a_row_changes(api, lead, initiative):
    client = api(lead)
    etag = client.get(INITIATIVES)["ETag"]

    assert client.get(INITIATIVES, HTTP_IF_NONE_MATCH=etag).status_code == 304
    MilestoneFactory(initiative=initiative)
    assert client.get(INITIATIVES, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_update_against_a_stale_etag_answers_412_and_changes_nothing(api, lead, initiative):
    client = api(lead)
    stale = client.get(detail(initiative))["ETag"]
    client.patch(detail(initiative), {"title": "First writer"}, format="json")

    response = client.patch(
        detail(initiative), {"title": "Second writer"}, format="json", HTTP_IF_MATCH=stale
    )

    assert response.status_code == 412
    assert response.json() == error("precondition_failed", MSG_PRECONDITION_FAILED)
    initiative.refresh_from_db()
    assert initiative.title == "First writer"


def test_an_update_with_the_current_etag_succeeds_and_answers_the_next_etag(api, lead, initiative):
    client = api(lead)
    current = client.get(detail(initiative))["ETag"]

    response = client.patch(
        detail(initiative), {"title": "Agreed title"}, format="json", HTTP_IF_MATCH=current
    )

    assert response.status_code == 200
    assert response["ETag"] == client.get(detail(initiative))["ETag"]
    initiative.refresh_from_db()
    assert initiative.title == "Agreed title"


def test_a_retried_create_with_the_same_idempotency_key_writes_once(api, lead, initiative):
    client = api(lead)
    body = {"initiative": initiative.pk, "title": "Pilot in chat", "due_date": "2030-01-31"}

    first = client.post("/api/v1/milestones/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retry = client.post("/api/v1/milestones/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true"
    assert Milestone.objects.filter(initiative=initiative).count() == 1


def test_an_idempotency_key_reused_for_another_body_is_refused(api, lead, initiative):
    client = api(lead)
    url = "/api/v1/milestones/"
    client.post(
        url,
        {"initiative": initiative.pk, "title": "A", "due_date": "2030-01-31"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )

    response = client.post(
        url,
        {"initiative": initiative.pk, "title": "B", "due_date": "2030-01-31"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )

    assert response.status_code == 409
    assert response.json() == error("idempotency_key_reused", MSG_KEY_REUSED)
    assert list(Milestone.objects.values_list("title", flat=True)) == ["A"]


def test_a_refused_create_can_be_corrected_and_retried_with_the_same_key(api, lead, initiative):
    client = api(lead)
    url = "/api/v1/milestones/"
    bad = client.post(
        url, {"initiative": initiative.pk, "title": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    good = client.post(
        url,
        {"initiative": initiative.pk, "title": "A", "due_date": "2030-01-31"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-3",
    )

    assert (bad.status_code, good.status_code) == (400, 201)


def test_a_retry_taking_the_lock_just_after_the_first_attempt_finished_replays_its_answer(
    api, lead, initiative, monkeypatch
):
    """The first attempt can store its answer and free the lock between a retry's look-up and the
    retry taking the lock; the retry must then replay, not create a second milestone."""
    client = api(lead)
    body = {"initiative": initiative.pk, "title": "Pilot in chat", "due_date": "2030-01-31"}
    first = client.post("/api/v1/milestones/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-race")

    class LooksTooEarly:
        """The cache as the retry sees it: its first look-up comes before the answer was stored."""

        looked = False

        def get(self, key, default=None):
            if not self.looked:
                self.looked = True
                return default
            return cache.get(key, default)

        def __getattr__(self, name):
            return getattr(cache, name)

    monkeypatch.setattr(idempotency, "cache", LooksTooEarly())
    retry = client.post("/api/v1/milestones/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-race")

    assert (retry.status_code, retry.json(), retry.get("Idempotent-Replayed")) == (201, first.json(), "true")
    assert Milestone.objects.filter(initiative=initiative).count() == 1


def test_a_late_retry_of_a_measurement_batch_replays_and_keeps_a_later_correction(token_api, contributor):
    """The retried batch writes nothing, so the correction made in between stands. (The bulk upsert
    used to ignore the key and write the old values back: a lost update .ci/load_check found.)"""
    KpiFactory(code="chat_csat", min_value=0, max_value=100)
    client = token_api(contributor, "measurements:write")
    original = {"rows": [{"kpi": "chat_csat", "period": "2026-01-01", "value": 80, "source": "helpdesk"}]}
    correction = {"rows": [{"kpi": "chat_csat", "period": "2026-01-01", "value": 85, "source": "helpdesk"}]}

    first = client.post(BULK, original, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")
    client.post(BULK, correction, format="json", HTTP_IDEMPOTENCY_KEY="batch-1-fix")
    retry = client.post(BULK, original, format="json", HTTP_IDEMPOTENCY_KEY="batch-1")

    assert first.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert (retry.status_code, retry.json(), retry.get("Idempotent-Replayed")) == (200, first.json(), "true")
    assert list(Measurement.objects.values_list("value", flat=True)) == [85]


def test_updated_since_returns_changes_including_archived_rows_flagged(api, lead, initiative):
    client = api(lead)
    kept = MilestoneFactory(initiative=initiative, title="Kept")
    gone = MilestoneFactory(initiative=initiative, title="Gone")
    milestone_archive(actor=lead, milestone=gone)
    since = (timezone.now() - dt.timedelta(minutes=1)).isoformat()

    working = client.get("/api/v1/milestones/").json()["results"]
    synced = client.get("/api/v1/milestones/", {"updated_since": since}).json()["results"]
    future = client.get("/api/v1/milestones/", {"updated_since": "2999-01-01T00:00:00Z"}).json()["results"]

    assert [m["id"] for m in working] == [kept.pk]
    assert {(m["id"], m["archived"]) for m in synced} == {(kept.pk, False), (gone.pk, True)}
    assert future == []


def test_an_archived_record_stays_readable_by_its_address(api, lead, initiative):
    gone = MilestoneFactory(initiative=initiative)
    milestone_archive(actor=lead, milestone=gone)

    response = api(lead).get(f"/api/v1/milestones/{gone.pk}/")

    assert response.status_code == 200
    assert response.json()["archived"] is True


def test_page_size_is_capped(api, lead, team, monkeypatch):
    monkeypatch.setattr(PagePagination, "max_page_size", 2)
    for _ in range(3):
        InitiativeFactory(team=team, lead=lead)

    body = api(lead).get(INITIATIVES, {"page_size": 1000}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2


def test_requests_beyond_the_rate_are_throttled_per_token(token_api, anon, lead, initiative, monkeypatch):
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"caller": "2/minute"})
    client = token_api(lead, "progress:read")

    statuses = [client.get(detail(initiative)).status_code for _ in range(3)]
    other_token = token_api(lead, "progress:read").get(detail(initiative))

    assert statuses == [200, 200, 429]
    assert other_token.status_code == 200


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert "/api/v1/initiatives/{id}/transition/" in (tmp_path / "schema.yml").read_text()


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_docs_page_are_served(anon, db, url):
    assert anon.get(url).status_code == 200
