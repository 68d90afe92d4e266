"""Measurements (bulk upsert), the KPI catalogue, teams, "me" and API tokens."""

import datetime as dt

import pytest

from accounts.models import ApiToken, Role, Team
from accounts.services import MSG_SCOPE_NOT_FOR_ROLE, MSG_TEAM_NAME_NO_SLUG, _hash_secret
from common.api.errors import MSG_INVALID, error_body
from common.api.permissions import MSG_MISSING_SCOPE, MSG_SESSION_ONLY
from kpis.models import Measurement
from kpis.services import MAX_BATCH_ROWS, MAX_SAMPLE_SIZE, MSG_BAD_SAMPLE, MSG_CANNOT_WRITE, MSG_UNKNOWN_KPI
from tests.factories import KpiFactory, MeasurementFactory

BULK = "/api/v1/measurements/bulk/"


@pytest.fixture
def kpi(db):
    return KpiFactory(code="chat_csat", min_value=0, max_value=100)


def row(period: str, value: float, **extra) -> dict:
    return {"kpi": "chat_csat", "period": period, "value": value, **extra}


def test_a_batch_is_upserted_by_natural_key_and_answers_counts(token_api, contributor, kpi):
    client = token_api(contributor, "measurements:write")
    MeasurementFactory(kpi=kpi, period="2026-01-01", value=80, source="helpdesk")
    MeasurementFactory(kpi=kpi, period="2026-01-02", value=81, source="helpdesk")

    response = client.post(
        BULK,
        {
            "rows": [
                row("2026-01-01", 80, source="helpdesk"),
                row("2026-01-02", 85, source="helpdesk"),
                row("2026-01-03", 90, source="helpdesk", segment="chat", sample_size=120),
            ]
        },
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 1}
    assert sorted(Measurement.objects.values_list("period", "value")) == [
        (dt.date(2026, 1, d), v) for d, v in ((1, 80), (2, 85), (3, 90))
    ]


def test_resending_the_same_batch_changes_nothing(token_api, contributor, kpi):
    client = token_api(contributor, "measurements:write")
    batch = {"rows": [row("2026-01-01", 80), row("2026-01-02", 81)]}

    first = client.post(BULK, batch, format="json").json()
    again = client.post(BULK, batch, format="json").json()

    assert first == {"created": 2, "updated": 0, "unchanged": 0}
    assert again == {"created": 0, "updated": 0, "unchanged": 2}
    assert Measurement.objects.count() == 2


def test_one_bad_row_refuses_the_whole_batch_with_an_error_per_row(token_api, contributor, kpi):
    client = token_api(contributor, "measurements:write")

    response = client.post(
        BULK,
        {
            "rows": [
                row("2026-01-01", 80),
                {"kpi": "nope", "period": "2026-01-02", "value": 1},
                row("2026-01-03", 101),
            ]
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "rows[1].kpi": [MSG_UNKNOWN_KPI.format(code="nope")],
        "rows[2].value": [f"The value 101.0 is above the highest valid value 100.0 for {kpi.name}."],
    }
    assert not Measurement.objects.exists()


def test_a_malformed_row_is_refused_before_anything_is_written(token_api, contributor, kpi):
    response = token_api(contributor, "measurements:write").post(
        BULK, {"rows": [row("2026-01-01", 80), row("yesterday", "high")]}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"rows[1].period", "rows[1].value"}
    assert not Measurement.objects.exists()


def test_a_sample_size_beyond_what_the_database_stores_is_refused(token_api, contributor, kpi):
    # It used to reach the INSERT and fail there (500: SQLite overflow, PostgreSQL out of range).
    rows = [row("2026-01-01", 80, sample_size=MAX_SAMPLE_SIZE), row("2026-01-02", 80, sample_size=2**64)]

    response = token_api(contributor, "measurements:write").post(BULK, {"rows": rows}, format="json")

    assert response.status_code == 400
    assert response.json() == error_body(
        code="invalid", message=MSG_INVALID, fields={"rows[1].sample_size": [MSG_BAD_SAMPLE]}
    )
    assert not Measurement.objects.exists()


def test_a_batch_beyond_the_limit_is_refused(token_api, contributor, kpi):
    rows = [row("2026-01-01", 1, segment=str(i)) for i in range(MAX_BATCH_ROWS + 1)]

    response = token_api(contributor, "measurements:write").post(BULK, {"rows": rows}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "rows": [f"Ensure this field has no more than {MAX_BATCH_ROWS} elements."]
    }
    assert not Measurement.objects.exists()


def test_a_full_batch_of_ten_thousand_rows_is_accepted(token_api, contributor, kpi):
    rows = [row("2026-01-01", i % 100, segment=f"s{i}") for i in range(MAX_BATCH_ROWS)]

    response = token_api(contributor, "measurements:write").post(BULK, {"rows": rows}, format="json")

    assert response.json() == {"created": MAX_BATCH_ROWS, "updated": 0, "unchanged": 0}


def test_a_viewer_cannot_push_measurements_even_with_the_scope(token_api, viewer, kpi):
    """A contributor's token keeps its scope when its owner becomes a viewer; the role still decides."""
    viewer.role = Role.CONTRIBUTOR
    client = token_api(viewer, "measurements:write")
    viewer.role = Role.VIEWER
    viewer.save(update_fields=["role"])

    response = client.post(BULK, {"rows": [row("2026-01-01", 1)]}, format="json")

    assert response.status_code == 403
    assert response.json()["message"] == MSG_CANNOT_WRITE
    assert not Measurement.objects.exists()


def test_a_token_without_the_write_scope_cannot_push(token_api, admin, kpi):
    response = token_api(admin, "progress:read").post(BULK, {"rows": [row("2026-01-01", 1)]}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert response.json()["message"] == MSG_MISSING_SCOPE.format(scope="measurements:write")


def test_one_measurement_is_created_then_updated(token_api, contributor, kpi):
    client = token_api(contributor, "measurements:write", "progress:read")

    created = client.post("/api/v1/measurements/", row("2026-02-01", 70), format="json")
    updated = client.post("/api/v1/measurements/", row("2026-02-01", 72), format="json")

    assert (created.status_code, updated.status_code) == (201, 200)
    assert created.json()["id"] == updated.json()["id"]
    assert Measurement.objects.get().value == 72


def test_measurements_sync_by_cursor_and_filters(api, viewer, kpi):
    other = KpiFactory()
    for day in range(1, 4):
        MeasurementFactory(kpi=kpi, period=f"2026-03-0{day}")
    MeasurementFactory(kpi=other, period="2026-03-01")
    client = api(viewer)

    first = client.get("/api/v1/measurements/", {"kpi": "chat_csat", "page_size": 2}).json()
    rest = client.get(first["next"]).json()
    ranged = client.get("/api/v1/measurements/", {"kpi": "chat_csat", "period_after": "2026-03-02"}).json()

    assert len(first["results"]) + len(rest["results"]) == 3
    assert rest["next"] is None
    assert sorted(m["period"] for m in ranged["results"]) == ["2026-03-02", "2026-03-03"]


def test_only_an_admin_changes_the_kpi_catalogue(api, admin, lead):
    body = {"code": "new_kpi", "name": "New KPI", "unit": "count", "direction": "higher"}

    refused = api(lead).post("/api/v1/kpis/", body, format="json")
    created = api(admin).post("/api/v1/kpis/", body, format="json")

    assert refused.status_code == 403
    assert created.status_code == 201
    assert created.json()["code"] == "new_kpi"


def test_me_names_the_caller_and_their_teams(token_api, lead, team):
    response = token_api(lead, "measurements:write").get("/api/v1/users/me/")

    assert response.status_code == 200
    assert response.json() == {
        "id": lead.pk,
        "email": lead.email,
        "full_name": lead.full_name,
        "role": "lead",
        "teams": [{"id": team.pk, "name": team.name}],
    }


def test_a_member_sees_only_their_teams(api, viewer, team, other_team):
    names = [t["name"] for t in api(viewer).get("/api/v1/teams/").json()["results"]]

    assert names == [team.name]


def test_a_team_name_without_a_letter_or_digit_is_refused(api, admin, team):
    # Found by fuzzing the session-only operations: "," became the slug "", which the schema forbids.
    client = api(admin)
    refused = error_body(code="invalid", message=MSG_INVALID, fields={"name": [MSG_TEAM_NAME_NO_SLUG]})

    created = client.post("/api/v1/teams/", {"name": ","}, format="json")
    renamed = client.patch(f"/api/v1/teams/{team.pk}/", {"name": "!!"}, format="json")

    assert created.status_code == renamed.status_code == 400
    assert created.json() == renamed.json() == refused
    assert list(Team.objects.values_list("slug", flat=True)) == [team.slug]


def test_a_token_secret_is_shown_once_and_stored_hashed(api, lead):
    client = api(lead)

    created = client.post("/api/v1/tokens/", {"name": "BI", "scopes": ["progress:read"]}, format="json")
    listed = client.get("/api/v1/tokens/").json()["results"]

    assert created.status_code == 201
    secret = created.json()["secret"]
    token = ApiToken.objects.get()
    assert token.key_hash == _hash_secret(secret)
    assert "secret" not in listed[0]
    assert "secret" not in client.get(f"/api/v1/tokens/{token.pk}/").json()


def test_an_unknown_scope_is_refused(api, lead):
    response = api(lead).post("/api/v1/tokens/", {"name": "BI", "scopes": ["everything"]}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"scopes[0]": ['"everything" is not a valid choice.']}
    assert not ApiToken.objects.exists()


def test_a_viewer_cannot_mint_a_write_token(api, viewer):
    response = api(viewer).post(
        "/api/v1/tokens/", {"name": "BI", "scopes": ["progress:read", "measurements:write"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "scopes": [
            MSG_SCOPE_NOT_FOR_ROLE.format(
                role="Viewer", scope="measurements:write", allowed="progress:read, ideas:write"
            )
        ]
    }
    assert not ApiToken.objects.exists()


def test_a_token_cannot_manage_tokens(token_api, admin):
    client = token_api(admin, "progress:read", "initiatives:write", "measurements:write", "experiments:write")

    listed = client.get("/api/v1/tokens/")
    created = client.post("/api/v1/tokens/", {"name": "x", "scopes": ["progress:read"]}, format="json")

    assert listed.status_code == created.status_code == 403
    assert created.json()["message"] == MSG_SESSION_ONLY
    assert ApiToken.objects.count() == 1


def test_a_user_revokes_their_token_and_cannot_see_others(api, lead, other_lead):
    client = api(lead)
    mine = client.post("/api/v1/tokens/", {"name": "BI", "scopes": ["progress:read"]}, format="json").json()
    theirs = (
        api(other_lead)
        .post("/api/v1/tokens/", {"name": "BI", "scopes": ["progress:read"]}, format="json")
        .json()
    )

    revoked = client.post(f"/api/v1/tokens/{mine['id']}/revoke/")
    foreign = client.post(f"/api/v1/tokens/{theirs['id']}/revoke/")

    assert revoked.status_code == 200
    assert revoked.json()["revoked"] is True
    assert foreign.status_code == 404
    assert ApiToken.objects.get(pk=theirs["id"]).revoked_at is None
