"""Experiment data: per-variant aggregates and raw observations, validated before anything is written."""

import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError

from common.errors import Conflict, PermissionDenied
from improvement import selectors
from improvement.services import experiment_data as data
from improvement.services import experiment_observations as observations
from improvement.services import experiments as ex
from kpis.stats import aggregates as agg
from tests.improvement.conftest import make, stored

pytestmark = pytest.mark.django_db


# --- aggregates -----------------------------------------------------------------------------------


def test_aggregates_replace_the_previous_totals_of_the_variants_they_name(running, lead):
    rows = [
        {"variant": "control", "users": 1000, "conversions": 100},
        {"variant": "callback", "users": 990, "conversions": 120},
    ]
    data.experiment_data_replace(actor=lead, experiment=running, rows=rows)
    result = data.experiment_data_replace(
        actor=lead, experiment=running, rows=[{"variant": "callback", "users": 2000, "conversions": 250}]
    )

    assert result.variants == ["callback"]
    assert stored(running) == [
        ("callback", None, 2000, 250, 0.0, 0.0),
        ("control", None, 1000, 100, 0.0, 0.0),
    ]


def test_daily_rows_replace_their_day_and_keep_the_others(running, lead):
    day1, day2 = dt.date(2026, 3, 2), dt.date(2026, 3, 3)
    data.experiment_data_replace(
        actor=lead, experiment=running, rows=[{"variant": "control", "users": 50, "conversions": 5}]
    )
    data.experiment_data_replace(
        actor=lead,
        experiment=running,
        rows=[
            {"variant": "control", "day": day1, "users": 100, "conversions": 10},
            {"variant": "control", "day": day2, "users": 100, "conversions": 12},
        ],
    )
    data.experiment_data_replace(
        actor=lead,
        experiment=running,
        rows=[{"variant": "control", "day": day2, "users": 110, "conversions": 13}],
    )

    # The totals row sent first is gone: a variant's data are totals or days, never both.
    assert stored(running) == [
        ("control", day1, 100, 10, 0.0, 0.0),
        ("control", day2, 110, 13, 0.0, 0.0),
    ]
    assert selectors.experiment_aggregates(experiment=running)["control"] == agg.ProportionAggregate(210, 23)


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        (
            {"variant": "callback", "users": 10, "conversions": 11},
            "conversions",
            agg.MSG_CONVERSIONS_EXCEED_USERS.format(conversions=11, users=10),
        ),
        (
            {"variant": "callback", "users": -1, "conversions": 0},
            "users",
            agg.MSG_COUNT.format(name="users", value=-1),
        ),
        (
            {"variant": "callback", "users": 10, "conversions": math.nan},
            "conversions",
            agg.MSG_COUNT.format(name="conversions", value=math.nan),
        ),
        (
            {"variant": "callback", "users": 10, "conversions": 1, "sum": 3.0},
            "sum",
            data.MSG_NOT_FOR_METRIC.format(metric="proportion", field="sum"),
        ),
        ({"variant": "callback", "users": 10}, "conversions", data.MSG_REQUIRED.format(metric="proportion")),
        (
            {"variant": "nope", "users": 10, "conversions": 1},
            "variant",
            data.MSG_UNKNOWN_VARIANT.format(key="nope", keys="callback, control"),
        ),
    ],
)
def test_inconsistent_aggregates_are_refused_and_nothing_is_written(running, lead, row, field, message):
    good = {"variant": "control", "users": 1000, "conversions": 100}
    data.experiment_data_replace(actor=lead, experiment=running, rows=[good])
    before = stored(running)

    with pytest.raises(ValidationError) as excinfo:
        data.experiment_data_replace(actor=lead, experiment=running, rows=[{**good, "users": 2000}, row])

    assert excinfo.value.message_dict == {f"rows[1].{field}": [message]}
    assert stored(running) == before


def test_mean_aggregates_need_a_sum_of_squares_consistent_with_the_sum(initiative, lead, aht):
    experiment = make(initiative, lead, aht, metric_type="mean")
    ex.experiment_start(actor=lead, experiment=experiment)

    with pytest.raises(ValidationError) as excinfo:
        data.experiment_data_replace(
            actor=lead,
            experiment=experiment,
            rows=[{"variant": "control", "users": 4, "sum": 40.0, "sum_squares": 300.0}],
        )

    assert excinfo.value.message_dict == {
        "rows[0].sum_squares": [agg.MSG_SUM_SQUARES_TOO_SMALL.format(sum_squares=300.0, sum=40.0, users=4)]
    }
    assert stored(experiment) == []


def test_a_variant_cannot_get_totals_and_days_in_one_batch(running, lead):
    with pytest.raises(ValidationError) as excinfo:
        data.experiment_data_replace(
            actor=lead,
            experiment=running,
            rows=[
                {"variant": "control", "users": 10, "conversions": 1},
                {"variant": "control", "day": dt.date(2026, 3, 2), "users": 10, "conversions": 1},
            ],
        )
    assert excinfo.value.message_dict["rows[0].day"] == [data.MSG_MIXED_DAYS.format(key="control")]


def test_data_arrive_only_while_running_or_stopped(initiative, lead, fcr):
    experiment = make(initiative, lead, fcr)
    rows = [{"variant": "control", "users": 10, "conversions": 1}]
    with pytest.raises(Conflict):
        data.experiment_data_replace(actor=lead, experiment=experiment, rows=rows)

    ex.experiment_start(actor=lead, experiment=experiment)
    ex.experiment_stop(actor=lead, experiment=experiment)
    data.experiment_data_replace(actor=lead, experiment=experiment, rows=rows)  # late data after stopping
    ex.experiment_conclude(actor=lead, experiment=experiment, decision="iterate")
    with pytest.raises(Conflict) as excinfo:
        data.experiment_data_replace(actor=lead, experiment=experiment, rows=rows)
    assert excinfo.value.message == data.MSG_DATA_STATUS.format(status="concluded")


def test_contributors_of_the_team_push_data_viewers_and_other_teams_do_not(
    running, contributor, viewer, other_lead
):
    rows = [{"variant": "control", "users": 10, "conversions": 1}]
    data.experiment_data_replace(actor=contributor, experiment=running, rows=rows)

    for actor in (viewer, other_lead):
        with pytest.raises(PermissionDenied):
            data.experiment_data_replace(actor=actor, experiment=running, rows=rows)


# --- raw observations ----------------------------------------------------------------------------


def test_observations_fold_into_totals_and_replace_the_whole_data_set(initiative, lead, aht):
    experiment = make(initiative, lead, aht, metric_type="mean")
    ex.experiment_start(actor=lead, experiment=experiment)
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[{"variant": "callback", "users": 5, "sum": 5, "sum_squares": 5}],
    )

    result = observations.experiment_observations_ingest(
        actor=lead,
        experiment=experiment,
        rows=[{"variant": "control", "value": 2.0}, {"variant": "control", "value": 4.0}],
    )

    assert (result.observations, result.variants) == (2, ["control", "callback"])
    # Replace: the upload is the whole data set, so callback (absent from it) has no users now.
    assert stored(experiment) == [("callback", None, 0, 0, 0.0, 0.0), ("control", None, 2, 0, 6.0, 20.0)]


def test_observations_in_add_mode_add_to_the_totals_and_collapse_days(running, lead):
    data.experiment_data_replace(
        actor=lead,
        experiment=running,
        rows=[{"variant": "control", "day": dt.date(2026, 3, 2), "users": 10, "conversions": 3}],
    )
    csv = "variant,value\ncontrol,1\ncontrol,0\ncallback,1\n"

    observations.experiment_observations_ingest(actor=lead, experiment=running, csv=csv, mode="add")

    assert stored(running) == [("callback", None, 1, 1, 0.0, 0.0), ("control", None, 12, 4, 0.0, 0.0)]


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("variant,value\ncontrol,1\ncallback,0.5\n", agg.MSG_NOT_BINARY.format(row=1, value=0.5)),
        ("variant,value\ncontrol,1\ncallback,yes\n", observations.MSG_CSV_VALUE.format(value="yes", row=1)),
        ("variant,value\ncontrol,1\ncallback,nan\n", agg.MSG_VALUE_NOT_FINITE.format(row=1, value=math.nan)),
        ("arm,value\ncontrol,1\n", observations.MSG_CSV_HEADER),
        ("", observations.MSG_NO_OBSERVATIONS),
        (
            "variant,value\ncontrol,1\nghost,0\n",
            observations.MSG_UNKNOWN_LABELS.format(labels="ghost", keys="callback, control"),
        ),
    ],
)
def test_bad_observations_are_refused_and_nothing_is_written(running, lead, csv, message):
    with pytest.raises(ValidationError) as excinfo:
        observations.experiment_observations_ingest(actor=lead, experiment=running, csv=csv)

    assert excinfo.value.message_dict == {"observations": [message]}
    assert stored(running) == []
