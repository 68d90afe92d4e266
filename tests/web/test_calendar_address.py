"""The calendar-feed address is a secret: it stays out of the logs, and its owner can replace it."""

import io
import logging

import pytest
from django.test import Client
from django.urls import reverse

from common.logging import REDACTED
from improvement.views.calendar import MSG_ROTATED, calendar_token

pytestmark = pytest.mark.django_db

ROTATE = reverse("improvement:calendar_rotate")


def feed(token: str) -> str:
    return reverse("improvement:calendar_feed", args=[token])


@pytest.fixture
def log_lines(settings):
    """What the site's console handler writes, with the access line switched on as in production."""
    console = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    previous_stream = console.setStream(stream)
    access = logging.getLogger("pdca.request")
    previous_level = access.level
    access.setLevel(logging.INFO)
    yield stream.getvalue
    access.setLevel(previous_level)
    console.setStream(previous_stream)


def test_the_feed_token_is_redacted_in_the_access_log(client, contributor, log_lines):
    token = calendar_token(contributor)

    assert client.get(feed(token)).status_code == 200
    assert client.get(feed(token + "x")).status_code == 404

    lines = log_lines()
    assert f"GET /calendar/{REDACTED}.ics 200" in lines
    assert f"Not Found: /calendar/{REDACTED}.ics" in lines
    assert token not in lines


def test_getting_a_new_address_retires_the_old_one(login, contributor):
    page = login(contributor)
    old = calendar_token(contributor)
    assert Client().get(feed(old)).status_code == 200

    response = page.post(ROTATE, follow=True)

    contributor.refresh_from_db()
    new = calendar_token(contributor)
    assert new != old
    assert response.redirect_chain == [(reverse("improvement:calendar"), 302)]
    assert MSG_ROTATED in response.content.decode()
    assert feed(new) in response.content.decode()
    assert Client().get(feed(old)).status_code == 404
    assert Client().get(feed(new)).status_code == 200


def test_the_page_offers_the_button_and_a_get_does_not_rotate(login, contributor):
    page = login(contributor)
    old = calendar_token(contributor)

    assert f'action="{ROTATE}"' in page.get(reverse("improvement:calendar")).content.decode()
    assert page.get(ROTATE).status_code == 405
    contributor.refresh_from_db()
    assert calendar_token(contributor) == old


def test_rotating_leaves_other_peoples_addresses_working(login, contributor, lead):
    theirs = calendar_token(lead)

    login(contributor).post(ROTATE)

    assert Client().get(feed(theirs)).status_code == 200
