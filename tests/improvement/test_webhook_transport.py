"""The webhook address guard: one resolution, checked, and the connection made to a checked address
with the URL's host kept for the Host header, TLS SNI and the certificate check."""

import re
import socket
import ssl
import subprocess
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from pytest_httpserver import HTTPServer

from improvement.models import DeliveryStatus, WebhookDelivery, WebhookEventType
from improvement.services.webhook_transport import MSG_DEADLINE, MSG_URL_PRIVATE, WebhookTarget, webhook_post
from improvement.services.webhooks import webhook_event_emit, webhook_subscription_create

pytestmark = pytest.mark.django_db

STAGE_CHANGED = WebhookEventType.STAGE_CHANGED
PUBLIC = "93.184.216.34"
REBINDING_HOST = "rebind.example.test"
TLS_HOST = "hooks.example.test"
_real_getaddrinfo = socket.getaddrinfo


class Resolver:
    """A DNS that answers ``answers`` in turn for ``host`` (the last one repeats) and records every
    lookup, numeric ones (a connection to a literal address) included."""

    def __init__(self, host: str, answers: list[str]):
        self.host, self.answers, self.lookups = host, list(answers), []

    def __call__(self, host, port, *args, **kwargs):
        self.lookups.append(host)
        if host != self.host:
            if host == PUBLIC:  # the outside world is out of reach in tests
                raise socket.gaierror(socket.EAI_NONAME, "unreachable in tests")
            return _real_getaddrinfo(host, port, *args, **kwargs)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return _real_getaddrinfo(answer, port, *args, **kwargs)


def emit(capture):
    with capture(execute=True):
        webhook_event_emit(type=STAGE_CHANGED, dedupe_key="k", data={"initiative": "IMP-001"})


def test_a_host_rebinding_to_loopback_after_the_check_is_never_connected_to(
    admin, httpserver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = False
    settings.PDCA_WEBHOOK_MAX_ATTEMPTS = 1
    httpserver.expect_request("/hook").respond_with_data("internal secret")
    # Public for the subscription's check and the delivery's check, loopback for any later lookup.
    resolver = Resolver(REBINDING_HOST, [PUBLIC, PUBLIC, "127.0.0.1"])
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    url = f"http://{REBINDING_HOST}:{httpserver.port}/hook"
    webhook_subscription_create(actor=admin, url=url, events=[STAGE_CHANGED])

    emit(django_capture_on_commit_callbacks)

    attempt = WebhookDelivery.objects.get().attempts.get()
    assert httpserver.log == []
    assert attempt.status_code is None and attempt.response_excerpt == ""
    assert resolver.lookups.count(REBINDING_HOST) == 2


def test_the_connection_to_the_checked_address_keeps_the_urls_host(
    admin, httpserver, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    monkeypatch.setattr(socket, "getaddrinfo", Resolver(TLS_HOST, ["127.0.0.1"]))
    url = f"http://{TLS_HOST}:{httpserver.port}/hook?source=pdca"
    webhook_subscription_create(actor=admin, url=url, events=[STAGE_CHANGED])

    emit(django_capture_on_commit_callbacks)

    assert WebhookDelivery.objects.get().status == DeliveryStatus.SUCCEEDED
    request, _response = httpserver.log[0]
    assert request.headers["Host"] == f"{TLS_HOST}:{httpserver.port}"
    assert request.query_string == b"source=pdca"


@pytest.mark.parametrize(
    ("literal", "shown"),
    [
        ("64:ff9b::7f00:1", "127.0.0.1"),  # NAT64 of loopback
        ("64:ff9b::a00:5", "10.0.0.5"),
        ("2002:7f00:1::1", "127.0.0.1"),  # 6to4 of loopback
        ("2002:c0a8:a::", "192.168.0.10"),
        ("::ffff:169.254.169.254", "169.254.169.254"),  # IPv4-mapped
        ("::7f00:1", "127.0.0.1"),  # IPv4-compatible (deprecated)
        ("64:ff9b:1::1", "64:ff9b:1::1"),  # a site's own NAT64 translator
    ],
)
def test_ipv6_forms_of_private_ipv4_addresses_are_refused(admin, settings, literal, shown):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError) as caught:
        webhook_subscription_create(actor=admin, url=f"http://[{literal}]/hook", events=[STAGE_CHANGED])
    assert caught.value.message_dict["url"] == [MSG_URL_PRIVATE.format(host=literal, address=shown)]


def test_a_nat64_form_of_a_public_address_is_accepted(admin, settings):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = False
    url = "http://[64:ff9b::5db8:d822]/hook"  # 93.184.216.34

    assert webhook_subscription_create(actor=admin, url=url, events=[STAGE_CHANGED]).url == url


@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS receiver on loopback with a self-signed certificate for TLS_HOST only."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={TLS_HOST}",
         "-addext", f"subjectAltName=DNS:{TLS_HOST}", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    server = HTTPServer(ssl_context=server_context)
    server.expect_request("/hook").respond_with_data("tls ok")
    server.start()
    yield server, ssl.create_default_context(cafile=str(cert))
    server.stop()


def pinned(host: str, port: int) -> WebhookTarget:
    """A target as the checked resolution returns it, dialling loopback (TLS_HOST is in no DNS)."""
    return WebhookTarget("https", host, port, "/hook", addresses=((socket.AF_INET, ("127.0.0.1", port)),))


def test_https_to_a_pinned_address_sends_sni_and_checks_the_certificate_for_the_urls_host(tls_server):
    server, trusting = tls_server

    answer = webhook_post(pinned(TLS_HOST, server.port), body=b"{}", headers={}, timeout=5, context=trusting)

    assert answer[:2] == (200, "tls ok")
    assert server.log[0][0].headers["Host"] == f"{TLS_HOST}:{server.port}"


def test_https_to_the_right_address_under_another_name_fails_the_certificate_check(tls_server):
    server, trusting = tls_server

    with pytest.raises(ssl.SSLCertVerificationError):
        webhook_post(
            pinned("other.example.test", server.port), body=b"{}", headers={}, timeout=5, context=trusting
        )
    assert server.log == []


@pytest.fixture
def trickling_receiver():
    """A receiver that reads the request, then answers one byte every 0.2 s: every read finishes well
    within a socket timeout, but the answer takes 10 s in all."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n" + b"x" * 30:
                if stop.wait(0.2):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    server.close()
    thread.join(timeout=5)


def test_a_trickling_receiver_cannot_hold_an_attempt_past_its_deadline(trickling_receiver):
    target = WebhookTarget("http", "127.0.0.1", trickling_receiver, "/hook", addresses=())

    started = time.monotonic()
    with pytest.raises(TimeoutError, match=re.escape(MSG_DEADLINE.format(seconds=1))):
        webhook_post(target, body=b"{}", headers={}, timeout=1)

    assert time.monotonic() - started < 1.5


def test_a_trickled_answer_is_a_failed_attempt_logged_within_the_deadline(
    admin, settings, trickling_receiver, django_capture_on_commit_callbacks
):
    settings.PDCA_WEBHOOKS_ALLOW_PRIVATE = True
    settings.PDCA_WEBHOOK_TIMEOUT_SECONDS = 1
    settings.PDCA_WEBHOOK_MAX_ATTEMPTS = 1
    url = f"http://127.0.0.1:{trickling_receiver}/hook"
    webhook_subscription_create(actor=admin, url=url, events=[STAGE_CHANGED])

    emit(django_capture_on_commit_callbacks)

    delivery = WebhookDelivery.objects.get()
    attempt = delivery.attempts.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert attempt.error == "TimeoutError: " + MSG_DEADLINE.format(seconds=1)
    assert attempt.duration_ms < 1500
