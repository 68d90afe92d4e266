"""Password reset by email: the whole flow, one answer whether or not the account exists, a rate
limit per address and per email, and links that work once and expire."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
RESET = "/accounts/password/reset/"
NEW_PASSWORD = "a-brand-new-passphrase-42"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)


def test_the_login_page_links_to_password_reset(client):
    assert b'href="/accounts/password/reset/"' in client.get("/accounts/login/").content


def test_reset_by_email_end_to_end(client, caplog):
    user = UserFactory(email="forgetful@example.com")
    caplog.set_level("INFO", logger="pdca.audit")

    response = client.post(RESET, {"email": "  Forgetful@Example.com "})

    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.body.count(settings.PDCA_SITE_URL) == 1  # never the request's Host
    page = client.get(_link(message), follow=True)
    assert b"new_password1" in page.content
    done = client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.headers["Location"] == "/accounts/password/reset/complete/"
    assert (
        client.post("/accounts/login/", {"username": user.email, "password": NEW_PASSWORD}).status_code == 302
    )
    client.logout()
    old = client.post("/accounts/login/", {"username": user.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 200
    events = [r.getMessage() for r in caplog.records if r.name == "pdca.audit"]
    assert "password reset requested: email=forgetful@example.com ip=127.0.0.1" in events
    assert "password reset done: email=forgetful@example.com ip=127.0.0.1" in events
    assert any(e.startswith("sign-in: email=forgetful@example.com") for e in events)
    assert any(e.startswith("sign-in failed: email=forgetful@example.com") for e in events)


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client):
    UserFactory(email="known@example.com")

    known = client.post(RESET, {"email": "known@example.com"})
    unknown = client.post(RESET, {"email": "nobody@example.com"})

    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert [m.to for m in mail.outbox] == [["known@example.com"]]


def test_a_used_link_is_refused(client):
    user = UserFactory(email="once@example.com")
    client.post(RESET, {"email": user.email})
    link = _link(mail.outbox[0])
    page = client.get(link, follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert b"This link does not work" in again.content
    assert b"new_password1" not in again.content


def test_an_expired_link_is_refused(client, monkeypatch):
    user = UserFactory(email="late@example.com")
    token = default_token_generator.make_token(user)
    link = f"/accounts/password/reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{token}/"
    later = timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later.replace(tzinfo=None))

    page = client.get(link, follow=True)

    assert b"This link does not work" in page.content


def test_requests_over_the_hourly_limit_are_refused_with_a_clear_message(client):
    user = UserFactory(email="spammed@example.com")
    for _ in range(settings.PASSWORD_RESET_RATE_PER_HOUR):
        assert client.post(RESET, {"email": user.email}).status_code == 302

    refused = client.post(RESET, {"email": user.email})

    assert refused.status_code == 429
    assert b"Too many password reset requests" in refused.content
    assert len(mail.outbox) == settings.PASSWORD_RESET_RATE_PER_HOUR


def test_the_limit_per_email_holds_across_addresses_and_per_address_across_emails(client):
    target = UserFactory(email="target@example.com")
    for n in range(settings.PASSWORD_RESET_RATE_PER_HOUR):
        client.post(RESET, {"email": target.email}, REMOTE_ADDR=f"10.0.0.{n + 1}")
    assert client.post(RESET, {"email": target.email}, REMOTE_ADDR="10.0.1.1").status_code == 429

    for n in range(settings.PASSWORD_RESET_RATE_PER_HOUR):
        client.post(RESET, {"email": f"probe{n}@example.com"}, REMOTE_ADDR="10.9.9.9")
    refused = client.post(RESET, {"email": "other@example.com"}, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429
    # The limit answers the same for an unknown email as for a known one: no enumeration there either.
    assert b"Too many password reset requests" in refused.content
