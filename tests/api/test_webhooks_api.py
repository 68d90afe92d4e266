"""``/api/v1/webhooks/``: subscriptions (secret once), private URLs refused, scoping, delivery log."""

import pytest

from accounts.models import Scope
from improvement.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from improvement.services.webhooks import webhook_subscription_create
from tests.api.conftest import queries_for

URL = "/api/v1/webhooks/"
STAGE_CHANGED = WebhookEventType.STAGE_CHANGED.value
FEW, MANY = 5, 50


@pytest.fixture
def allow_private(settings):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True


def subscribe(admin, *, owner=None, name="hook"):
    return webhook_subscription_create(
        actor=admin, url="https://example.com/hook", events=[STAGE_CHANGED], name=name, owner=owner
    )


def deliver(subscription, n: int, *, attempts: int = 2) -> None:
    for i in range(n):
        event = WebhookEvent.objects.create(
            type=STAGE_CHANGED, dedupe_key=f"{subscription.pk}:{i}", data={"i": i}
        )
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event=event, status=DeliveryStatus.FAILED, attempt_count=attempts
        )
        for number in range(1, attempts + 1):
            WebhookAttempt.objects.create(
                delivery=delivery, number=number, status_code=500, error="HTTP 500", response_excerpt="boom"
            )


def test_the_secret_is_answered_once_on_create(api, admin, allow_private, conforms):
    client = api(admin)

    created = client.post(
        URL, {"name": "CRM", "url": "https://example.com/hook", "events": [STAGE_CHANGED]}, format="json"
    )

    assert created.status_code == 201, created.json()
    conforms(created, "POST /api/v1/webhooks/")
    body = created.json()
    subscription = WebhookSubscription.objects.get()
    assert body["secret"] == subscription.secret and body["secret"].startswith("whsec_")
    assert body["owner"]["id"] == admin.pk
    assert body["events"] == [STAGE_CHANGED]
    detail = client.get(f"{URL}{subscription.pk}/")
    conforms(detail, "GET /api/v1/webhooks/{id}/")
    assert "secret" not in detail.json()
    assert all("secret" not in row for row in client.get(URL).json()["results"])


def test_a_private_url_is_refused_with_400_on_url(api, admin, settings):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = False

    response = api(admin).post(
        URL, {"url": "http://127.0.0.1:8080/hook", "events": [STAGE_CHANGED]}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "The input is not valid.",
        "fields": {
            "url": ["The host 127.0.0.1 resolves to a loopback or private address (127.0.0.1); refused."]
        },
        "non_field_errors": [],
        "details": [],
    }
    assert not WebhookSubscription.objects.exists()


def test_only_an_admin_creates_or_enables(api, lead, admin, allow_private):
    mine = subscribe(admin, owner=lead)
    client = api(lead)

    created = client.post(URL, {"url": "https://example.com/h", "events": [STAGE_CHANGED]}, format="json")
    enabled = client.post(f"{URL}{mine.pk}/enable/")

    assert created.status_code == 403, created.json()
    assert enabled.status_code == 403, enabled.json()
    assert WebhookSubscription.objects.count() == 1


def test_another_users_subscription_answers_404(api, admin, lead, other_lead, allow_private):
    mine = subscribe(admin, owner=lead, name="mine")
    theirs = subscribe(admin, owner=other_lead, name="theirs")
    client = api(lead)

    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.get(f"{URL}{theirs.pk}/deliveries/").status_code == 404
    assert [row["id"] for row in client.get(URL).json()["results"]] == [mine.pk]
    assert {row["id"] for row in api(admin).get(URL).json()["results"]} == {mine.pk, theirs.pk}


def test_a_token_cannot_read_or_manage_webhooks(token_api, admin, allow_private):
    subscription = subscribe(admin)
    client = token_api(admin, *Scope.values)

    listed = client.get(URL)
    created = client.post(URL, {"url": "https://example.com/h", "events": [STAGE_CHANGED]}, format="json")
    deliveries = client.get(f"{URL}{subscription.pk}/deliveries/")

    for response in (listed, created, deliveries):
        assert response.status_code == 403
        assert response.json()["code"] == "session_only"


def test_enable_switches_a_disabled_subscription_back_on(api, admin, allow_private):
    subscription = subscribe(admin)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False,
        consecutive_failures=5,
        disabled_reason="Disabled after 5 deliveries in a row failed.",
    )

    response = api(admin).post(f"{URL}{subscription.pk}/enable/")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["is_active"], body["consecutive_failures"], body["disabled_reason"]) == (True, 0, "")
    assert "secret" not in body


def test_filters_and_updated_since(api, admin, lead, allow_private):
    active = subscribe(admin, owner=lead, name="a")
    disabled = subscribe(admin, owner=lead, name="b")
    WebhookSubscription.objects.filter(pk=disabled.pk).update(is_active=False)
    client = api(lead)

    assert [r["id"] for r in client.get(f"{URL}?is_active=true").json()["results"]] == [active.pk]
    assert [r["id"] for r in client.get(f"{URL}?ordering=name").json()["results"]] == [active.pk, disabled.pk]
    assert client.get(f"{URL}?updated_since=2999-01-01T00:00:00Z").json()["results"] == []


@pytest.mark.parametrize("who", ["lead", "admin"])
def test_the_list_costs_the_same_queries_for_5_and_50_rows(api, admin, lead, allow_private, who):
    client = api({"lead": lead, "admin": admin}[who])
    page = f"{URL}?page_size={MANY + 10}"
    for _ in range(FEW):
        subscribe(admin, owner=lead)
    few = queries_for(client, page)

    for _ in range(MANY - FEW):
        subscribe(admin, owner=lead)
    many = queries_for(client, page)

    assert few == many


def test_deliveries_are_listed_with_their_attempts(api, admin, lead, allow_private, conforms):
    subscription = subscribe(admin, owner=lead)
    deliver(subscription, 3)
    other = subscribe(admin, owner=lead)
    deliver(other, 1)
    client = api(lead)

    response = client.get(f"{URL}{subscription.pk}/deliveries/?page_size=2")

    assert response.status_code == 200, response.json()
    conforms(response, "GET /api/v1/webhooks/{id}/deliveries/")
    body = response.json()
    newest = WebhookDelivery.objects.filter(subscription=subscription).order_by("-id")
    assert [row["id"] for row in body["results"]] == [d.pk for d in newest[:2]]
    first = body["results"][0]
    assert first["status"] == "failed"
    assert first["event"]["type"] == STAGE_CHANGED
    assert [a["number"] for a in first["attempts"]] == [1, 2]
    assert first["attempts"][0]["status_code"] == 500
    rest = client.get(body["next"]).json()
    assert [row["id"] for row in rest["results"]] == [newest[2].pk]
    assert rest["next"] is None


def test_the_delivery_log_costs_the_same_queries_for_5_and_50_rows(api, admin, lead, allow_private):
    subscription = subscribe(admin, owner=lead)
    client = api(lead)
    page = f"{URL}{subscription.pk}/deliveries/?page_size={MANY + 10}"
    deliver(subscription, FEW)
    few = queries_for(client, page)

    WebhookEvent.objects.all().delete()  # and their deliveries
    deliver(subscription, MANY)
    assert queries_for(client, page) == few
