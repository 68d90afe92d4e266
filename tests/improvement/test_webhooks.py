import hashlib
import hmac
import json
import time

import pytest
from django.core.exceptions import ValidationError
from werkzeug import Response

from accounts.models import Notification
from improvement.models import (
    DeliveryStatus,
    NotificationKind,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
)
from improvement.services.webhook_transport import MSG_URL_PRIVATE, MSG_URL_SCHEME
from improvement.services.webhooks import (
    SIGNATURE_HEADER,
    webhook_event_emit,
    webhook_subscription_create,
)

pytestmark = pytest.mark.django_db

STAGE_CHANGED = WebhookEventType.STAGE_CHANGED


def verify(secret: str, header: str, body: bytes) -> bool:
    """What a receiver does (the README's snippet): recompute the HMAC over "<t>." + body."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(secret.encode(), f"{fields['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


@pytest.fixture
def allow_private(settings):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def subscribe(admin, httpserver, allow_private):
    def make(events=(STAGE_CHANGED,), path="/hook"):
        return webhook_subscription_create(actor=admin, url=httpserver.url_for(path), events=list(events))

    return make


def emit(capture, key="stage.changed:1", data=None):
    with capture(execute=True):
        return webhook_event_emit(type=STAGE_CHANGED, dedupe_key=key, data=data or {"initiative": "IMP-001"})


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt_signed(
    subscribe, httpserver, django_capture_on_commit_callbacks
):
    for status in (500, 500, 200):
        httpserver.expect_ordered_request("/hook", method="POST").respond_with_data("x", status=status)
    subscription = subscribe()

    event = emit(django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert list(delivery.attempts.values_list("number", "status_code", "succeeded")) == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    request = httpserver.log[-1][0]
    body = request.get_data()
    assert verify(subscription.secret, request.headers[SIGNATURE_HEADER], body)
    assert json.loads(body) == {
        "id": str(event.id),
        "type": "stage.changed",
        "created_at": event.created_at.isoformat(),
        "data": {"initiative": "IMP-001"},
    }
    assert request.headers["X-PDCA-Event-Id"] == str(event.id)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_a_tampered_body_does_not_verify(subscribe, httpserver, django_capture_on_commit_callbacks):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscription = subscribe()
    emit(django_capture_on_commit_callbacks)
    request = httpserver.log[0][0]
    assert not verify(subscription.secret, request.headers[SIGNATURE_HEADER], request.get_data() + b" ")


def test_emitting_the_same_event_twice_delivers_it_once(
    subscribe, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe()
    first = emit(django_capture_on_commit_callbacks)
    again = emit(django_capture_on_commit_callbacks)
    assert first.pk == again.pk
    assert WebhookEvent.objects.count() == 1
    assert len(httpserver.log) == 1


def test_only_subscriptions_listening_to_the_event_get_it(
    subscribe, httpserver, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe(events=[WebhookEventType.TARGET_MET])
    emit(django_capture_on_commit_callbacks)
    assert not WebhookDelivery.objects.exists()
    assert httpserver.log == []


def test_a_delivery_gives_up_after_the_last_attempt_and_the_subscription_is_disabled_and_its_owner_told(
    subscribe, httpserver, settings, admin, django_capture_on_commit_callbacks, mailoutbox
):
    settings.PDCA_WEBHOOK_MAX_ATTEMPTS = 2
    settings.PDCA_WEBHOOK_DISABLE_AFTER = 2
    httpserver.expect_request("/hook").respond_with_data("down", status=503)
    subscription = subscribe()

    emit(django_capture_on_commit_callbacks, key="a")
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 1
    emit(django_capture_on_commit_callbacks, key="b")

    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_reason == "Disabled after 2 deliveries in a row failed."
    assert list(WebhookDelivery.objects.values_list("status", "attempt_count")) == [
        (DeliveryStatus.FAILED, 2),
        (DeliveryStatus.FAILED, 2),
    ]
    notice = Notification.objects.get(recipient=admin)
    assert notice.kind == NotificationKind.WEBHOOK_DISABLED
    assert [m.to for m in mailoutbox] == [[admin.email]]
    # A disabled subscription gets nothing more.
    emit(django_capture_on_commit_callbacks, key="c")
    assert len(httpserver.log) == 4


def test_a_timeout_is_a_failed_attempt_that_is_retried(
    subscribe, httpserver, settings, django_capture_on_commit_callbacks
):
    settings.PDCA_WEBHOOK_TIMEOUT_SECONDS = 0.2
    calls = []

    def slow_then_fast(request):
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.5)
        return Response("ok")

    httpserver.expect_request("/hook").respond_with_handler(slow_then_fast)
    subscribe()
    emit(django_capture_on_commit_callbacks)

    # The test server answers one request at a time, so the retry may also wait out the slow one.
    attempts = list(WebhookDelivery.objects.get().attempts.all())
    assert attempts[0].status_code is None
    assert attempts[0].error.startswith("TimeoutError")
    assert attempts[-1].status_code == 200


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)"])
def test_only_http_and_https_urls_are_accepted(admin, url):
    with pytest.raises(ValidationError) as caught:
        webhook_subscription_create(actor=admin, url=url, events=[STAGE_CHANGED])
    assert caught.value.message_dict["url"] == [MSG_URL_SCHEME]


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1:8000/hook", "127.0.0.1"),
        ("http://localhost/hook", None),
        ("https://10.1.2.3/hook", "10.1.2.3"),
        ("http://192.168.0.10/hook", "192.168.0.10"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
        ("http://[::1]/hook", "::1"),
    ],
)
def test_loopback_and_private_addresses_are_refused_unless_allowed(admin, url, address):
    with pytest.raises(ValidationError) as caught:
        webhook_subscription_create(actor=admin, url=url, events=[STAGE_CHANGED])
    message = caught.value.message_dict["url"][0]
    if address:
        assert message == MSG_URL_PRIVATE.format(host=address, address=address)
    else:
        assert "loopback or private" in message


def test_a_private_receiver_is_refused_at_delivery_too_and_logged(
    subscribe, httpserver, settings, django_capture_on_commit_callbacks
):
    httpserver.expect_request("/hook").respond_with_data("ok")
    subscribe()
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = False
    emit(django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "loopback or private" in delivery.attempts.get().error
    assert httpserver.log == []


def test_unknown_events_are_refused(admin, allow_private):
    with pytest.raises(ValidationError) as caught:
        webhook_subscription_create(actor=admin, url="https://example.com/h", events=["stage.moved"])
    assert caught.value.message_dict["events"] == ["Unknown event type: stage.moved."]


def test_only_an_admin_subscribes(lead, allow_private):
    from common.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        webhook_subscription_create(actor=lead, url="https://example.com/h", events=[STAGE_CHANGED])
