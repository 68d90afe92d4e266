"""A database that is down or does not answer: 503 + Retry-After (JSON under /api/, a page elsewhere),
and on PostgreSQL a request's wait for an answer is bounded."""

import time

import pytest
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import RequestFactory

from common.api.errors import server_error
from common.db_unavailable import MSG_UNAVAILABLE, RETRY_AFTER_SECONDS
from common.postgresql.base import DatabaseAnswerTimeout, answer_deadline_on


def database_down(monkeypatch):
    """From now on every statement fails as with a database gone."""

    def refuse(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)


@pytest.mark.django_db
def test_an_api_call_while_the_database_is_down_answers_503_json_with_retry_after(client, lead, monkeypatch):
    client.force_login(lead)
    database_down(monkeypatch)
    response = client.get("/api/v1/milestones/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["code"] == "database_unavailable"
    assert response.json()["message"] == MSG_UNAVAILABLE


@pytest.mark.django_db
def test_a_page_while_the_database_is_down_answers_a_503_page(client, lead, monkeypatch):
    client.force_login(lead)
    database_down(monkeypatch)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert b"Temporarily unavailable" in response.content


@pytest.mark.parametrize(("path", "kind"), [("/api/v1/kpis/", "application/json"), ("/", "text/html")])
def test_a_database_error_raised_outside_a_view_is_a_503_too(path, kind):
    request = RequestFactory().get(path)
    try:
        raise OperationalError("the session could not be read")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Content-Type"].startswith(kind)
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_other_errors_outside_a_view_stay_500():
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        response = server_error(RequestFactory().get("/api/v1/kpis/"))
    assert response.status_code == 500


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the answer deadline is PostgreSQL's backend"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_in_a_request_a_statement_waits_no_longer_than_the_answer_timeout(settings):
    settings.DATABASE_ANSWER_TIMEOUT = 1
    connection.ensure_connection()
    token = answer_deadline_on.set(True)
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseAnswerTimeout), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")
    finally:
        answer_deadline_on.reset(token)
        connection.close()
    assert time.monotonic() - started < 2
    with connection.cursor() as cursor:  # a new connection works
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_outside_a_request_a_long_statement_runs_to_the_end(settings):
    settings.DATABASE_ANSWER_TIMEOUT = 0.5
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(1.2), 7")
        assert cursor.fetchone()[1] == 7


@pytest.mark.postgres
@pytest.mark.django_db
def test_connections_run_without_jit_compilation():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        jit = cursor.fetchone()[0]

    assert jit == "off"
