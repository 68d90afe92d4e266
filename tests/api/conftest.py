import json

import pytest
import requests
import schemathesis
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient
from schemathesis.core.transport import Response as SchemathesisResponse

from accounts.services import token_create
from improvement.services import experiments as ex
from kpis.models import Kpi
from tests.factories import InitiativeFactory


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and idempotency answers live in the cache; no test sees another's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def api(db):
    """A client signed in (session) as the given user."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def token_api(db):
    """A client that sends ``Authorization: Bearer`` with a new token of ``user`` with ``scopes``."""

    def make(user, *scopes: str) -> APIClient:
        _, secret = token_create(actor=user, name="integration", scopes=scopes or ["progress:read"])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.fixture
def initiative(team, lead):
    return InitiativeFactory(team=team, lead=lead, title="Chat first response under 30 s")


def queries_for(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


@pytest.fixture(scope="session")
def openapi():
    """The API's own OpenAPI document, loaded by schemathesis (the checker .ci/fuzz_api runs)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))


@pytest.fixture
def conforms(openapi):
    """``conforms(response, "GET /api/v1/milestones/{id}/")`` fails unless the answer — status,
    content type and body — is one the schema documents for that operation."""

    def check(response, operation: str) -> None:
        method, path = operation.split(" ", 1)
        request = requests.Request(method, f"http://testserver{response.wsgi_request.get_full_path()}")
        answer = SchemathesisResponse(
            status_code=response.status_code,
            headers={name.lower(): [value] for name, value in response.headers.items()},
            content=response.content,
            request=request.prepare(),
            elapsed=0.0,
            verify=False,
        )
        documented = openapi[path][method]
        assert documented.responses.find_by_status_code(response.status_code) is not None, (
            f"{operation} does not document {response.status_code}"
        )
        documented.validate_response(answer)

    return check


# --- experiments: fixtures and helpers of the test_experiments_* modules ---------------------------


URL = "/api/v1/experiments/"
AB = [{"key": "control", "is_control": True}, {"key": "callback", "name": "Offer a callback"}]


@pytest.fixture
def fcr():
    return Kpi.objects.get(code="fcr_rate")


@pytest.fixture
def aht():
    return Kpi.objects.get(code="average_handle_time")


def create(client, initiative, **fields):
    body = {"initiative": initiative.pk, "name": "Callback offer", "primary_kpi": "fcr_rate", "variants": AB}
    return client.post(URL, {**body, **fields}, format="json")


@pytest.fixture
def running(initiative, lead, fcr):
    experiment = ex.experiment_create(
        actor=lead, initiative=initiative, name="Callback offer", primary_kpi=fcr, variants=AB, mde=0.1
    )
    return ex.experiment_start(actor=lead, experiment=experiment)


def url(experiment, action=""):
    return f"{URL}{experiment.pk}/{action + '/' if action else ''}"
