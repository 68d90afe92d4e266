"""Input that costs the server in proportion to its size is bounded, and the bound is one query.

Lists of references (an initiative's members, an experiment's guardrail KPIs) are resolved with
one query whatever their length, capped at ``MAX_LIST_ITEMS`` with a field message, duplicates
collapsed. A body over Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` answers 413 in the API's format.
"""

import json

import pytest
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from common.api.errors import MSG_INVALID, MSG_TOO_LARGE, bad_request, error_body
from common.api.fields import MAX_LIST_ITEMS, MSG_TOO_MANY_ITEMS
from common.api.inputs import MSG_NULL_CHARACTER
from improvement.models import Experiment, Initiative
from kpis.models import Kpi
from tests.api.conftest import create, url
from tests.factories import UserFactory

TOO_LARGE = error_body(
    code="too_large", message=MSG_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
)


def _detail(initiative) -> str:
    return f"/api/v1/initiatives/{initiative.pk}/"


def _people(count: int) -> list[int]:
    users = User.objects.bulk_create(
        User(email=f"person{i}@example.com", role=Role.CONTRIBUTOR) for i in range(count)
    )
    return [user.pk for user in users]


def _patch_queries(client, path: str, body: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.patch(path, body, format="json")
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


def test_members_resolve_in_the_same_queries_for_10_and_200_ids(api, lead, initiative):
    people = _people(200)
    client = api(lead)
    # Warm the session and permission caches so both requests start alike.
    client.patch(_detail(initiative), {"members": []}, format="json")

    few = _patch_queries(client, _detail(initiative), {"members": people[:10]})
    client.patch(_detail(initiative), {"members": []}, format="json")
    many = _patch_queries(client, _detail(initiative), {"members": people})

    assert many == few
    assert initiative.members.count() == 200


def test_the_largest_members_list_is_looked_up_with_one_query(api, lead, initiative):
    people = _people(MAX_LIST_ITEMS)
    client = api(lead)
    client.patch(_detail(initiative), {"members": []}, format="json")

    with CaptureQueriesContext(connection) as captured:
        response = client.patch(_detail(initiative), {"members": people}, format="json")

    assert response.status_code == 200
    # One lookup of the ids; the rest is the request's session and the write (whose history rows
    # SQLite inserts in batches of ~250, a constant per batch, not per id).
    lookups = [q for q in captured.captured_queries if '"accounts_user"."id" IN (' in q["sql"]]
    assert len(lookups) == 1
    assert initiative.members.count() == MAX_LIST_ITEMS


def test_repeated_members_collapse_to_one(api, lead, initiative, contributor):
    response = api(lead).patch(
        _detail(initiative), {"members": [contributor.pk] * MAX_LIST_ITEMS}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["members"] == [contributor.pk]
    assert list(initiative.members.all()) == [contributor]


def test_a_members_list_over_the_cap_is_refused_with_a_field_message(api, lead, initiative, contributor):
    count = 20_000
    client = api(lead)
    with CaptureQueriesContext(connection) as captured:
        response = client.patch(_detail(initiative), {"members": [contributor.pk] * count}, format="json")

    assert response.status_code == 400
    assert response.json() == error_body(
        code="invalid",
        message=MSG_INVALID,
        fields={"members": [MSG_TOO_MANY_ITEMS.format(limit=MAX_LIST_ITEMS, count=count)]},
    )
    assert len(captured.captured_queries) < 10
    assert not initiative.members.exists()


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ([999_999], 'Invalid pk "999999" - object does not exist.'),
        ([2**70], f'Invalid pk "{2**70}" - object does not exist.'),
        ([True], "Incorrect type. Expected pk value, received bool."),
        (["five"], "Incorrect type. Expected pk value, received str."),
        ({"5": 5}, 'Expected a list of items but got type "dict".'),
        ("5", 'Expected a list of items but got type "str".'),
    ],
)
def test_a_bad_member_reference_answers_the_field_message(api, lead, initiative, members, message):
    response = api(lead).patch(_detail(initiative), {"members": members}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"members": [message]}
    assert Initiative.objects.get().version == initiative.version


def test_an_inactive_user_is_not_a_member(api, lead, initiative):
    gone = UserFactory(is_active=False)

    response = api(lead).patch(_detail(initiative), {"members": [gone.pk]}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"members": [f'Invalid pk "{gone.pk}" - object does not exist.']}


# --- guardrail KPIs ----------------------------------------------------------------------------


@pytest.fixture
def draft(api, lead, initiative, kpi_catalogue):
    return Experiment.objects.get(pk=create(api(lead), initiative).json()["id"])


def test_guardrails_resolve_in_the_same_queries_for_10_and_400_codes(api, lead, draft):
    codes = list(Kpi.objects.exclude(code="fcr_rate").values_list("code", flat=True))
    client = api(lead)
    client.patch(url(draft), {"guardrail_kpis": []}, format="json")

    few = _patch_queries(client, url(draft), {"guardrail_kpis": (codes * 10)[:10]})
    client.patch(url(draft), {"guardrail_kpis": []}, format="json")
    many = _patch_queries(client, url(draft), {"guardrail_kpis": (codes * MAX_LIST_ITEMS)[:MAX_LIST_ITEMS]})

    assert many == few
    assert sorted(draft.guardrail_kpis.values_list("code", flat=True)) == sorted(codes)


@pytest.mark.parametrize(
    ("guardrails", "message"),
    [
        (["no_such_kpi"], "Object with code=no_such_kpi does not exist."),
        ([5], "Invalid value."),
        (
            ["csat"] * (MAX_LIST_ITEMS + 1),
            MSG_TOO_MANY_ITEMS.format(limit=MAX_LIST_ITEMS, count=MAX_LIST_ITEMS + 1),
        ),
    ],
)
def test_a_bad_guardrail_answers_the_field_message(api, lead, draft, guardrails, message):
    response = api(lead).patch(url(draft), {"guardrail_kpis": guardrails}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"guardrail_kpis": [message]}


def test_a_nul_in_a_guardrail_code_is_refused_on_its_item(api, lead, draft):
    response = api(lead).patch(url(draft), {"guardrail_kpis": ["csat\x00"]}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"guardrail_kpis[0]": [MSG_NULL_CHARACTER]}


def test_variants_are_capped_too(api, lead, initiative, kpi_catalogue):
    variants = [{"key": f"v{i}", "is_control": i == 0} for i in range(MAX_LIST_ITEMS + 1)]

    response = create(api(lead), initiative, variants=variants)

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["variants"]
    assert not Experiment.objects.exists()


# --- bodies over the limit ---------------------------------------------------------------------


def test_a_body_over_the_upload_limit_answers_413_in_the_api_format(api, lead, initiative):
    body = json.dumps({"title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    response = api(lead).patch(_detail(initiative), body, content_type="application/json")

    assert response.status_code == 413
    assert response.json() == TOO_LARGE
    assert Initiative.objects.get().title == initiative.title


def test_a_bulk_upload_over_the_limit_answers_413(token_api, contributor):
    row = {"kpi": "csat", "period": "2026-01-01", "value": 80, "source": "x" * 500}
    body = json.dumps({"rows": [row] * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 500)})

    response = token_api(contributor, "measurements:write").post(
        "/api/v1/measurements/bulk/", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json() == TOO_LARGE


def test_a_body_refused_before_the_api_view_answers_413_in_the_api_format():
    request = RequestFactory().post("/api/v1/initiatives/")

    response = bad_request(request, RequestDataTooBig("too big"))

    assert response.status_code == 413
    assert json.loads(response.content) == TOO_LARGE
