"""Input at the edges of what Python and the database represent answers 400, never 500.

Each case was a 500 on PostgreSQL (and some on SQLite): an offset beyond ±14:00, a NUL character in a
looked-up code, a deeply nested body. The answer names the parameter or field.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from common.api.errors import MSG_INVALID, error_body
from common.api.filters import MSG_DATETIME_RANGE, MSG_UTC_OFFSET
from common.api.inputs import MSG_NULL_CHARACTER
from common.api.parsers import MAX_JSON_DEPTH, MSG_JSON_TOO_DEEP, json_depth
from common.dates import DATE_MAX, MSG_DATE_RANGE
from improvement.models import Experiment, Initiative, KpiTarget, Milestone
from improvement.services.roadmap import MSG_PLAN_PAST_RANGE, PLAN_SPAN, initiative_apply_standard_plan

SYNC_LISTS = [
    "initiatives",
    "targets",
    "milestones",
    "costs",
    "benefits",
    "status-updates",
    "transitions",
    "experiments",
    "kpis",
    "measurements",
    "teams",
    "tokens",
    "webhooks",
]


def invalid(fields: dict) -> dict:
    return error_body(code="invalid", message=MSG_INVALID, fields=fields)


@pytest.mark.parametrize("resource", SYNC_LISTS)
@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("2026-01-01T00:00:00+16:00", MSG_UTC_OFFSET),
        ("2026-01-01T00:00:00-14:30", MSG_UTC_OFFSET),
        ("9999-12-31T23:00:00-10:00", MSG_DATETIME_RANGE),
        ("0001-01-01T00:00:00+01:00", MSG_DATETIME_RANGE),
    ],
)
def test_updated_since_outside_the_representable_range_is_a_400_naming_it(
    api, admin, resource, since, message
):
    response = api(admin).get(f"/api/v1/{resource}/", {"updated_since": since})

    assert response.status_code == 400, response.content
    assert response.json() == invalid({"updated_since": [message]})


@pytest.mark.parametrize(
    ("since", "message"),
    [
        ("0581-06-06T11:06:35-22:22", MSG_UTC_OFFSET),
        ("2026-01-01T00:00:00+16:00", MSG_UTC_OFFSET),
        ("9999-12-31T23:00:00-10:00", MSG_DATETIME_RANGE),
    ],
)
def test_the_kpi_alerts_since_outside_the_representable_range_is_a_400_naming_it(api, admin, since, message):
    response = api(admin).get("/api/v1/kpi-alerts/", {"since": since, "level": "warning"})

    assert response.status_code == 400, response.content
    assert response.json() == invalid({"since": [message]})


@pytest.mark.parametrize("since", ["2026-01-01T00:00:00+14:00", "2026-01-01T00:00:00-12:00"])
def test_updated_since_at_the_widest_real_offsets_still_filters(api, admin, initiative, since):
    response = api(admin).get("/api/v1/initiatives/", {"updated_since": since})

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [initiative.pk]


def test_a_nul_in_a_target_kpi_code_is_a_400_on_the_field(api, lead, initiative):
    response = api(lead).post(
        "/api/v1/targets/",
        {"initiative": initiative.pk, "kpi": "fcr\x00rate", "baseline_value": 60, "target_value": 75},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == invalid({"kpi": [MSG_NULL_CHARACTER]})
    assert not KpiTarget.objects.exists()


def test_a_nul_in_an_experiments_primary_kpi_is_a_400_on_the_field(api, lead, initiative):
    response = api(lead).post(
        "/api/v1/experiments/",
        {
            "initiative": initiative.pk,
            "name": "Callback offer",
            "primary_kpi": "fcr_rate\x00",
            "variants": [{"key": "control", "is_control": True}, {"key": "callback\x00"}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == invalid(
        {"primary_kpi": [MSG_NULL_CHARACTER], "variants[1].key": [MSG_NULL_CHARACTER]}
    )
    assert not Experiment.objects.exists()


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/measurements/", "kpi"),
        ("/api/v1/measurements/", "segment"),
        ("/api/v1/initiatives/", "search"),
        ("/api/v1/teams/", "slug"),
        ("/api/v1/kpis/", "code"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_400_naming_it(api, admin, url, param):
    response = api(admin).get(url, {param: "a\x00b"})

    assert response.status_code == 400
    assert response.json() == invalid({param: [MSG_NULL_CHARACTER]})


def test_a_nul_in_a_multipart_upload_field_is_a_400_on_the_field(api, lead, running):
    response = api(lead).post(
        f"/api/v1/experiments/{running.pk}/observations/",
        {"mode": "add\x00"},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == invalid({"mode": [MSG_NULL_CHARACTER]})


def test_a_hundred_thousand_nested_brackets_are_a_400(api, lead):
    response = api(lead).generic(
        "POST", "/api/v1/initiatives/", "[" * 100_000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == error_body(code="parse_error", message=MSG_JSON_TOO_DEEP)


def test_a_body_nested_just_past_the_bound_is_a_400_and_at_the_bound_is_read(api, lead, team):
    client = api(lead)
    too_deep = client.generic(
        "POST",
        "/api/v1/initiatives/",
        "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
        content_type="application/json",
    )
    nested_title = client.post(
        "/api/v1/initiatives/",
        {"title": [[[]]], "team": team.pk, "start_date": "2026-01-05"},
        format="json",
    )

    assert too_deep.status_code == 400
    assert too_deep.json()["message"] == MSG_JSON_TOO_DEEP
    # Shallow nesting reaches the serializer, which judges the field.
    assert nested_title.status_code == 400
    assert list(nested_title.json()["fields"]) == ["title"]


def _nested(levels: int):
    """Arrays and objects alternating, ``levels`` deep, the deep branch behind shallower siblings."""
    document = "leaf"
    for level in range(levels):
        sibling = [] if level else 0  # the innermost container holds scalars only
        document = [1, sibling, document] if level % 2 else {"a": sibling, "b": "x", "deep": document}
    return document


@pytest.mark.parametrize(
    ("document", "depth"),
    [
        (7, 0),
        ("text", 0),
        ([], 1),
        ({"rows": [{"value": 1}, {"value": 2}]}, 3),
        (_nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH),
    ],
)
def test_json_depth_counts_nesting_of_arrays_and_objects(document, depth):
    assert json_depth(document) == depth


def test_json_depth_stops_past_the_bound():
    assert json_depth(_nested(MAX_JSON_DEPTH + 1)) == MAX_JSON_DEPTH + 1
    assert json_depth(_nested(10_000)) == MAX_JSON_DEPTH + 1


def test_observations_refuse_a_deep_body_too(api, lead, running):
    response = api(lead).generic(
        "POST", f"/api/v1/experiments/{running.pk}/observations/", "[" * 5000, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["message"] == MSG_JSON_TOO_DEEP


# --- dates: every stored date lies in common.dates' range, so every derived date exists ----------


def test_a_start_date_near_the_last_day_with_the_standard_plan_is_a_400(api, lead, team):
    response = api(lead).post(
        "/api/v1/initiatives/",
        {"title": "Far future", "team": team.pk, "start_date": "9999-12-01", "with_standard_plan": True},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == invalid({"start_date": [MSG_DATE_RANGE]})
    assert not Initiative.objects.exists()


def test_a_start_whose_plan_would_run_past_the_last_day_is_a_400_and_creates_nothing(api, lead, team):
    start = DATE_MAX - PLAN_SPAN + dt.timedelta(days=1)
    response = api(lead).post(
        "/api/v1/initiatives/",
        {"title": "Late", "team": team.pk, "start_date": start.isoformat(), "with_standard_plan": True},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == invalid({"start_date": [MSG_PLAN_PAST_RANGE]})
    assert not Initiative.objects.exists()


def test_the_latest_start_that_takes_the_standard_plan_keeps_every_milestone_editable(api, lead, team):
    start = DATE_MAX - PLAN_SPAN
    response = api(lead).post(
        "/api/v1/initiatives/",
        {"title": "Late", "team": team.pk, "start_date": start.isoformat(), "with_standard_plan": True},
        format="json",
    )

    assert response.status_code == 201, response.json()
    milestones = Milestone.objects.filter(initiative_id=response.json()["id"])
    assert milestones.count() == 15
    assert max(milestones.values_list("due_date", flat=True)) == DATE_MAX


def test_a_target_dated_on_the_last_day_is_a_400(api, lead, initiative):
    response = api(lead).post(
        "/api/v1/targets/",
        {
            "initiative": initiative.pk,
            "kpi": "fcr_rate",
            "baseline_value": 0.6,
            "target_value": 0.75,
            "target_date": "9999-12-31",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == invalid({"target_date": [MSG_DATE_RANGE]})
    assert not KpiTarget.objects.exists()


def test_a_milestone_due_on_the_last_day_is_a_400(api, lead, initiative):
    response = api(lead).post(
        "/api/v1/milestones/",
        {"initiative": initiative.pk, "title": "Far", "due_date": "9999-12-31"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == invalid({"due_date": [MSG_DATE_RANGE]})


def test_a_measurement_in_year_one_is_a_400_on_its_row(api, admin):
    response = api(admin).post(
        "/api/v1/measurements/bulk/",
        {"rows": [{"kpi": "fcr_rate", "period": "0001-01-01", "value": 0.7}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"rows[0].period": [MSG_DATE_RANGE]}


def test_a_stored_start_date_past_the_range_refuses_the_standard_plan(lead, initiative):
    Initiative.objects.filter(pk=initiative.pk).update(start_date=dt.date(9999, 12, 1))
    initiative.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        initiative_apply_standard_plan(actor=lead, initiative=initiative)

    assert refused.value.message_dict == {"start_date": [MSG_PLAN_PAST_RANGE]}
    assert not Milestone.objects.exists()
