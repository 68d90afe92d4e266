"""A schema a generated client can use, and query parameters that are refused rather than ignored."""

import json

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from common.api.errors import MSG_INVALID, MSG_PRECONDITION_FAILED
from common.api.filters import MSG_UNKNOWN_ORDERING
from common.api.pagination import MSG_PAGE, MSG_PAGE_SIZE, PagePagination
from common.api.viewsets import MSG_NOT_A_BOOLEAN
from improvement.models import Milestone, MilestoneStatus
from tests.api.conftest import url
from tests.factories import InitiativeFactory, KpiFactory, MeasurementFactory, MilestoneFactory

pytestmark = pytest.mark.django_db

INITIATIVES = "/api/v1/initiatives/"
OBSERVATIONS = "/api/v1/experiments/{id}/observations/"
SEGMENT_OBSERVATIONS = "/api/v1/experiments/{id}/segment-observations/"
STALE = '"not-the-current-etag"'


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))


def operations(document):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


def invalid(fields: dict) -> dict:
    body = {"code": "invalid", "message": MSG_INVALID, "fields": fields}
    return {**body, "non_field_errors": [], "details": []}


# --- the schema ----------------------------------------------------------------------------------


def test_json_bodies_are_declared_as_json_only_and_uploads_keep_csv_and_multipart(document):
    declared = {
        (method, path): sorted(operation["requestBody"]["content"])
        for method, path, operation in operations(document)
        if "requestBody" in operation
    }

    uploads = {key: types for key, types in declared.items() if types != ["application/json"]}
    raw = ["application/json", "multipart/form-data", "text/csv"]
    assert uploads == {
        ("POST", OBSERVATIONS): raw,
        ("POST", SEGMENT_OBSERVATIONS): raw,
        ("POST", "/api/v1/experiments/{id}/cluster-data/"): ["application/json", "text/csv"],
        ("POST", "/api/v1/kpis/{code}/survey-answers/"): ["application/json", "multipart/form-data"],
        ("POST", "/api/v1/imports/"): ["multipart/form-data"],
        ("POST", "/api/v1/attachments/"): ["multipart/form-data"],
    }


def test_a_form_encoded_body_is_refused_with_415(api, lead, team):
    response = api(lead).post(INITIATIVES, {"title": "Form post", "team": team.pk})

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


@pytest.mark.parametrize(
    "operation",
    [
        "PATCH /api/v1/initiatives/{id}/",
        "POST /api/v1/initiatives/{id}/transition/",
        "POST /api/v1/initiatives/{id}/decide/",
        "POST /api/v1/milestones/{id}/complete/",
        "POST /api/v1/experiments/{id}/start/",
        "POST /api/v1/experiments/{id}/stop/",
        "POST /api/v1/experiments/{id}/conclude/",
        "POST /api/v1/benefits/{id}/validate/",
        "PATCH /api/v1/costs/{id}/",
        "PATCH /api/v1/benefits/{id}/",
        "PATCH /api/v1/targets/{id}/",
    ],
)
def test_every_action_that_honours_if_match_documents_the_header_and_412(document, operation):
    method, path = operation.split(" ")
    documented = document["paths"][path][method.lower()]

    assert "412" in documented["responses"]
    assert ("If-Match", "header") in {(p["name"], p["in"]) for p in documented["parameters"]}


def test_an_action_that_ignores_if_match_does_not_document_412(document):
    assert "412" not in document["paths"]["/api/v1/experiments/{id}/data/"]["post"]["responses"]


def test_lists_document_404_for_a_page_past_the_end_and_include_archived(document):
    for method, path, operation in operations(document):
        if method == "GET" and "{" not in path and "count" in json.dumps(operation["responses"]["200"]):
            names = {parameter["name"] for parameter in operation["parameters"]}
            assert "404" in operation["responses"], path
            assert "include_archived" in names, path


# --- what the documented answers are backed by ------------------------------------------------------


def test_a_stale_if_match_on_completing_a_milestone_answers_412_and_changes_nothing(api, lead, initiative):
    milestone = MilestoneFactory(initiative=initiative)

    response = api(lead).post(f"/api/v1/milestones/{milestone.pk}/complete/", HTTP_IF_MATCH=STALE)

    assert response.status_code == 412
    assert response.json()["message"] == MSG_PRECONDITION_FAILED
    assert Milestone.objects.get(pk=milestone.pk).status != MilestoneStatus.DONE


def test_a_stale_if_match_on_starting_an_experiment_answers_412(api, lead, running):
    response = api(lead).post(url(running, "stop"), HTTP_IF_MATCH=STALE)

    assert response.status_code == 412


# --- query parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "0", "-1", "ten", "1.5", ""])
def test_a_page_size_that_is_not_a_whole_number_answers_400_on_page_size(api, lead, initiative, value):
    response = api(lead).get(INITIATIVES, {"page_size": value})

    assert response.status_code == 400
    assert response.json() == invalid({"page_size": [MSG_PAGE_SIZE.format(max=PagePagination.max_page_size)]})


@pytest.mark.parametrize("value", ["abc", "0", "last", "-2"])
def test_a_page_that_is_not_a_whole_number_answers_400_on_page(api, lead, initiative, value):
    response = api(lead).get(INITIATIVES, {"page": value})

    assert response.status_code == 400
    assert response.json() == invalid({"page": [MSG_PAGE]})


def test_a_page_past_the_end_answers_404(api, lead, initiative):
    assert api(lead).get(INITIATIVES, {"page": 2}).status_code == 404


def test_a_cursor_the_server_never_issued_answers_404_and_a_bad_page_size_400(api, lead, team):
    MeasurementFactory(kpi=KpiFactory())
    client = api(lead)

    assert client.get("/api/v1/measurements/", {"cursor": "not a cursor!"}).status_code == 404
    assert client.get("/api/v1/measurements/", {"page_size": "true"}).status_code == 400


def test_an_unknown_ordering_answers_400_naming_the_choices(api, lead, team):
    InitiativeFactory(team=team, lead=lead)

    response = api(lead).get(INITIATIVES, {"ordering": "-title,priority"})

    assert response.status_code == 400
    message = response.json()["fields"]["ordering"][0]
    assert message.startswith(MSG_UNKNOWN_ORDERING.split("{")[0] + "priority.")
    assert api(lead).get(INITIATIVES, {"ordering": "-updated_at"}).status_code == 200


def test_include_archived_that_is_not_a_boolean_answers_400(api, lead, initiative):
    response = api(lead).get(INITIATIVES, {"include_archived": "maybe"})

    assert response.status_code == 400
    assert response.json() == invalid({"include_archived": [MSG_NOT_A_BOOLEAN]})
    assert api(lead).get(INITIATIVES, {"include_archived": "false"}).status_code == 200


def test_every_operation_with_a_body_documents_413_for_a_body_over_the_limit(document):
    for path, operations in document["paths"].items():
        for method in ("post", "put", "patch"):
            if method in operations:
                assert "413" in operations[method]["responses"], f"{method.upper()} {path}"


def test_every_page_size_parameter_says_its_minimum_and_its_cap(document):
    sizes = [
        parameter
        for operations in document["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "page_size"
    ]

    assert sizes
    for parameter in sizes:
        assert parameter["schema"]["minimum"] == 1
        assert f"capped at {settings.API_MAX_PAGE_SIZE}" in parameter["description"]
