"""``/api/v1/chat-destinations/``: the address never answered back, scopes, ETag and If-Match,
idempotent creation, test messages and the delivery log."""

import pytest

from accounts.models import WORK_SCOPES
from improvement.models import ChatDestination, ChatEventType, DeliveryStatus
from improvement.services.chat import chat_destination_create

URL = "/api/v1/chat-destinations/"
HOOK = "https://hooks.slack.com/services/T000/B000/abcdefSECRETwxyz"


@pytest.fixture(autouse=True)
def any_host(settings):
    settings.PDCA_CHAT_ANY_HOST = True
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True


def body(team, **kw):
    return {"team": team.pk, "kind": "slack", "name": "#care", "url": HOOK, "events": ["stage.changed"], **kw}


def test_a_lead_adds_one_and_the_address_is_never_answered_back(api, lead, team, conforms):
    created = api(lead).post(URL, body(team), format="json")

    assert created.status_code == 201, created.json()
    conforms(created, "POST /api/v1/chat-destinations/")
    answer = created.json()
    assert answer["url_masked"] == "https://hooks.slack.com/…wxyz"
    assert "SECRET" not in created.content.decode()
    assert answer["team"] == {"id": team.pk, "name": team.name}
    assert ChatDestination.objects.get().url == HOOK
    listed = api(lead).get(URL)
    conforms(listed, "GET /api/v1/chat-destinations/")
    assert "SECRET" not in listed.content.decode()


def test_creating_twice_with_one_idempotency_key_makes_one(api, lead, team):
    client = api(lead)
    first = client.post(URL, body(team), format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(URL, body(team), format="json", HTTP_IDEMPOTENCY_KEY="k1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert ChatDestination.objects.count() == 1


def test_a_refused_address_is_a_400_on_url_and_saves_nothing(api, lead, team, settings):
    settings.PDCA_CHAT_ANY_HOST = False

    refused = api(lead).post(URL, body(team, url="https://example.com/hook"), format="json")

    assert refused.status_code == 400
    assert "hooks.slack.com" in str(refused.json())
    assert not ChatDestination.objects.exists()


def test_tokens_read_but_never_write(token_api, lead, team):
    chat_destination_create(actor=lead, team=team, kind="slack", url=HOOK, events=["stage.changed"])
    client = token_api(lead, *WORK_SCOPES)

    assert client.get(URL).status_code == 200
    assert client.post(URL, body(team), format="json").status_code == 403
    assert ChatDestination.objects.count() == 1


def test_change_honours_if_match_and_get_answers_an_etag(api, lead, team):
    made = chat_destination_create(actor=lead, team=team, kind="slack", url=HOOK, events=["stage.changed"])
    client = api(lead)
    read = client.get(f"{URL}{made.pk}/")
    etag = read["ETag"]

    assert client.get(f"{URL}{made.pk}/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    changed = client.patch(
        f"{URL}{made.pk}/", {"events": [ChatEventType.DIGEST]}, format="json", HTTP_IF_MATCH=etag
    )
    assert changed.status_code == 200 and changed.json()["events"] == ["digest.weekly"]
    stale = client.patch(f"{URL}{made.pk}/", {"name": "x"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    bad = client.patch(f"{URL}{made.pk}/", {"events": []}, format="json")
    assert bad.status_code == 400
    made.refresh_from_db()
    assert (made.name, made.events) == ("Slack", ["digest.weekly"])


def test_remove_then_it_is_gone(api, lead, team):
    made = chat_destination_create(actor=lead, team=team, kind="teams", url=HOOK, events=["stage.changed"])

    assert api(lead).delete(f"{URL}{made.pk}/").status_code == 204
    assert not ChatDestination.objects.exists()


def test_a_test_message_answers_its_delivery_and_shows_in_the_log(
    api, lead, team, httpserver, conforms, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    made = chat_destination_create(
        actor=lead, team=team, kind="slack", url=httpserver.url_for("/hook"), events=["digest.weekly"]
    )
    client = api(lead)

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"{URL}{made.pk}/test/")

    assert sent.status_code == 202, sent.json()
    assert sent.json()["event"]["type"] == "chat.test"
    conforms(sent, "POST /api/v1/chat-destinations/{id}/test/")
    log = client.get(f"{URL}{made.pk}/deliveries/")
    conforms(log, "GET /api/v1/chat-destinations/{id}/deliveries/")
    [delivery] = log.json()["results"]
    assert delivery["status"] == DeliveryStatus.SUCCEEDED
    assert [a["status_code"] for a in delivery["attempts"]] == [200]


def test_other_teams_destinations_are_invisible(api, lead, other_lead, team):
    made = chat_destination_create(actor=lead, team=team, kind="slack", url=HOOK, events=["stage.changed"])
    outsider = api(other_lead)

    assert outsider.get(URL).json()["results"] == []
    assert outsider.get(f"{URL}{made.pk}/").status_code == 404
    assert outsider.delete(f"{URL}{made.pk}/").status_code == 404
    assert outsider.post(URL, body(team), format="json").status_code == 400
