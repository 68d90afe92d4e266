import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import InitiativeFactory


@pytest.fixture
def login(db):
    """A client signed in as the given user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def initiative(team, lead):
    return InitiativeFactory(team=team, lead=lead, title="Chat first response under 30 s")


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # a streamed answer runs its queries as it is read
    assert response.status_code == 200
    return len(captured.captured_queries)
