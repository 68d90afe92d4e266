"""``/api/v1/share-links/``: create (idempotent), list with view counts, revoke; scopes and roles."""

import pytest
from django.test import Client

from accounts.models import Scope
from improvement.models import ShareLink, ShareLinkView
from improvement.services import experiments as ex
from kpis.models import Kpi
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/share-links/"


def test_a_lead_creates_a_link_that_opens_once_shown(api, lead, initiative, conforms):
    response = api(lead).post(URL, {"initiative": initiative.pk, "days": 30}, format="json")

    body = response.json()
    assert response.status_code == 201, body
    conforms(response, "POST /api/v1/share-links/")
    assert body["url"].endswith(f"/share/{body['token']}/") and body["state"] == "active"
    assert body["initiative"] == initiative.pk and body["experiment"] is None
    page = Client().get(body["url"])
    assert page.status_code == 200 and initiative.title in page.content.decode()
    listed = api(lead).get(URL).json()["results"]
    assert [(row["id"], row["view_count"]) for row in listed] == [(body["id"], 1)]
    assert "token" not in listed[0] and "url" not in listed[0]


def test_the_create_is_idempotent_with_a_key(api, lead, initiative):
    client = api(lead)
    headers = {"HTTP_IDEMPOTENCY_KEY": "share-1"}

    first = client.post(URL, {"initiative": initiative.pk}, format="json", **headers)
    again = client.post(URL, {"initiative": initiative.pk}, format="json", **headers)
    other = client.post(URL, {"initiative": initiative.pk, "days": 3}, format="json", **headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert ShareLink.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days": 91}, "days"),
        ({"days": 0}, "days"),
        ({}, "target"),
        ({"experiment": 999999}, "experiment"),
    ],
)
def test_bad_input_is_a_400_per_field_and_creates_nothing(api, lead, initiative, body, field):
    data = {"initiative": initiative.pk, **body} if field != "target" and "experiment" not in body else body

    response = api(lead).post(URL, data, format="json")

    assert response.status_code == 400, response.json()
    assert field in str(response.json())
    assert not ShareLink.objects.exists()


def test_both_targets_at_once_are_refused(api, lead, initiative):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="E",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=[{"key": "control", "is_control": True}, {"key": "t1"}],
    )
    response = api(lead).post(URL, {"initiative": initiative.pk, "experiment": experiment.pk}, format="json")

    assert response.status_code == 400 and "target" in response.json()["fields"]


def test_revoke_stops_the_link_and_keeps_the_log(api, lead, initiative):
    client = api(lead)
    created = client.post(URL, {"initiative": initiative.pk}, format="json").json()
    Client().get(created["url"])

    revoked = client.post(f"{URL}{created['id']}/revoke/")

    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    assert Client().get(created["url"]).status_code == 410
    assert ShareLinkView.objects.count() == 1
    assert client.post(f"{URL}{created['id']}/revoke/").json()["revoked_at"] == revoked.json()["revoked_at"]


def test_lists_show_only_links_the_caller_may_manage(api, lead, other_lead, viewer, initiative):
    api(lead).post(URL, {"initiative": initiative.pk}, format="json")
    theirs = InitiativeFactory(team=other_lead.memberships.get().team, lead=other_lead)
    api(other_lead).post(URL, {"initiative": theirs.pk}, format="json")

    assert len(api(lead).get(URL).json()["results"]) == 1
    assert len(api(other_lead).get(URL).json()["results"]) == 1
    assert api(viewer).get(URL).json()["results"] == []


def test_a_list_answers_an_etag_and_304(api, lead, initiative):
    client = api(lead)
    client.post(URL, {"initiative": initiative.pk}, format="json")
    first = client.get(URL)

    again = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


def test_a_token_needs_initiatives_write_to_create(token_api, lead, initiative):
    reader = token_api(lead, Scope.PROGRESS_READ)
    writer = token_api(lead, Scope.INITIATIVES_WRITE)

    assert reader.post(URL, {"initiative": initiative.pk}, format="json").status_code == 403
    assert writer.post(URL, {"initiative": initiative.pk}, format="json").status_code == 201
    assert reader.get(URL).status_code == 200
