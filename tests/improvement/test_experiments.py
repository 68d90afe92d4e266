import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from common.errors import Conflict, GateFailed, PermissionDenied
from improvement import selectors
from improvement.models import (
    Experiment,
    ExperimentStatus,
    Stage,
    VariantData,
    WebhookEvent,
    WebhookEventType,
)
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from improvement.services import stages
from improvement.services.initiatives import initiative_create
from improvement.services.roadmap import milestone_create
from improvement.services.targets import kpi_target_create
from kpis.models import Kpi
from kpis.stats import aggregates as agg

pytestmark = pytest.mark.django_db

AB = [{"key": "control", "is_control": True}, {"key": "callback", "name": "Offer a callback"}]


@pytest.fixture
def fcr():
    return Kpi.objects.get(code="fcr_rate")


@pytest.fixture
def aht():
    return Kpi.objects.get(code="average_handle_time")


@pytest.fixture
def initiative(lead, team, fcr):
    initiative = initiative_create(
        actor=lead,
        title="Callbacks instead of queueing",
        team=team,
        start_date=timezone.localdate() - dt.timedelta(days=40),
        smart_goal="Raise FCR from 70% to 85% in chat by end of Q2.",
    )
    kpi_target_create(actor=lead, initiative=initiative, kpi=fcr, baseline_value=70, target_value=85)
    milestone_create(actor=lead, initiative=initiative, title="Pilot", due_date=timezone.localdate())
    return initiative


def make(initiative, actor, kpi, **fields):
    return ex.experiment_create(
        actor=actor,
        initiative=initiative,
        name=fields.pop("name", "Callback offer"),
        primary_kpi=kpi,
        variants=fields.pop("variants", AB),
        **fields,
    )


@pytest.fixture
def running(initiative, lead, fcr):
    experiment = make(initiative, lead, fcr, mde=0.1)
    return ex.experiment_start(actor=lead, experiment=experiment)


def stored(experiment):
    return sorted(
        VariantData.objects.filter(variant__experiment=experiment).values_list(
            "variant__key", "day", "users", "conversions", "sum", "sum_squares"
        )
    )


# --- design -----------------------------------------------------------------------------------


def test_a_lead_creates_a_draft_with_its_variants_and_guardrails(initiative, lead, fcr, aht):
    experiment = make(initiative, lead, fcr, guardrail_kpis=[aht], hypothesis="Callbacks resolve more.")

    assert experiment.status == ExperimentStatus.DRAFT
    assert (experiment.alpha, experiment.power, experiment.mde_type) == (0.05, 0.8, "relative")
    assert [(v.key, v.is_control, v.weight) for v in experiment.variants.all()] == [
        ("control", True, 1.0),
        ("callback", False, 1.0),
    ]
    assert list(experiment.guardrail_kpis.all()) == [aht]
    assert experiment.history.latest().history_user == lead


@pytest.mark.parametrize(
    ("variants", "field", "message"),
    [
        ([{"key": "a", "is_control": True}], "variants", ex.MSG_TWO_VARIANTS),
        ([{"key": "a"}, {"key": "b"}], "variants", ex.MSG_ONE_CONTROL.format(count=0)),
        (
            [{"key": "a", "is_control": True}, {"key": "b", "is_control": True}],
            "variants",
            ex.MSG_ONE_CONTROL.format(count=2),
        ),
        (
            [{"key": "a", "is_control": True}, {"key": "a"}],
            "variants[1].key",
            ex.MSG_DUPLICATE_KEY.format(key="a"),
        ),
        ([{"key": "a", "is_control": True}, {"key": "b", "weight": 0}], "variants[1].weight", ex.MSG_WEIGHT),
        (
            [{"key": "a", "is_control": True}, {"key": "b", "weight": math.nan}],
            "variants[1].weight",
            ex.MSG_WEIGHT,
        ),
        ([{"key": "a b", "is_control": True}, {"key": "b"}], "variants[0].key", ex.MSG_KEY),
    ],
)
def test_variants_need_unique_keys_positive_weights_and_exactly_one_control(
    initiative, lead, fcr, variants, field, message
):
    with pytest.raises(ValidationError) as excinfo:
        make(initiative, lead, fcr, variants=variants)

    assert excinfo.value.message_dict[field] == [message]
    assert not Experiment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"alpha": 1.2}, "alpha"),
        ({"power": 0}, "power"),
        ({"mde": 0}, "mde"),
        ({"metric_type": "ratio"}, "metric_type"),
    ],
)
def test_a_design_the_statistics_cannot_use_is_refused(initiative, lead, fcr, fields, field):
    with pytest.raises(ValidationError) as excinfo:
        make(initiative, lead, fcr, **fields)

    assert field in excinfo.value.message_dict
    assert not Experiment.objects.exists()


def test_the_primary_kpi_cannot_be_a_guardrail(initiative, lead, fcr):
    with pytest.raises(ValidationError) as excinfo:
        make(initiative, lead, fcr, guardrail_kpis=[fcr])

    assert excinfo.value.message_dict["guardrail_kpis"] == [ex.MSG_GUARDRAIL_IS_PRIMARY]
    assert not Experiment.objects.exists()


def test_only_those_who_edit_the_initiative_create_experiments(initiative, contributor, other_lead, fcr):
    for actor in (contributor, other_lead):
        with pytest.raises(PermissionDenied):
            make(initiative, actor, fcr)


def test_the_design_changes_only_in_draft(initiative, lead, fcr):
    experiment = make(initiative, lead, fcr)
    ex.experiment_update(
        actor=lead,
        experiment=experiment,
        mde=0.05,
        variants=[{"key": "a", "is_control": True}, {"key": "b", "weight": 2}],
    )
    assert experiment.mde == 0.05 and experiment.version == 2
    assert [v.key for v in experiment.variants.all()] == ["a", "b"]

    ex.experiment_start(actor=lead, experiment=experiment)
    with pytest.raises(Conflict) as excinfo:
        ex.experiment_update(actor=lead, experiment=experiment, alpha=0.1)
    assert excinfo.value.message == ex.MSG_DESIGN_FROZEN.format(status="running")
    ex.experiment_update(actor=lead, experiment=experiment, name="Callback offer, chat")
    experiment.refresh_from_db()
    assert (experiment.name, experiment.alpha) == ("Callback offer, chat", 0.05)


def test_an_update_from_a_stale_version_is_a_conflict(initiative, lead, fcr):
    experiment = make(initiative, lead, fcr)
    ex.experiment_update(actor=lead, experiment=experiment, name="Renamed")

    with pytest.raises(Conflict):
        ex.experiment_update(actor=lead, experiment=experiment, expected_version=1, name="Again")


# --- the status machine -------------------------------------------------------------------------


def test_draft_runs_stops_and_concludes_with_a_decision(initiative, lead, fcr):
    experiment = make(initiative, lead, fcr)

    ex.experiment_start(actor=lead, experiment=experiment)
    ex.experiment_stop(actor=lead, experiment=experiment)
    ex.experiment_conclude(actor=lead, experiment=experiment, decision="ship", note="FCR up 4 points.")

    experiment.refresh_from_db()
    assert experiment.status == ExperimentStatus.CONCLUDED
    assert (experiment.decision, experiment.decision_note, experiment.concluded_by) == (
        "ship",
        "FCR up 4 points.",
        lead,
    )
    assert experiment.started_at <= experiment.stopped_at <= experiment.concluded_at
    assert [h.status for h in experiment.history.order_by("history_id")] == [
        "draft",
        "running",
        "stopped",
        "concluded",
    ]


def test_concluding_needs_a_decision_and_writes_nothing_without_one(running, lead):
    for decision in ("", "maybe"):
        with pytest.raises(ValidationError) as excinfo:
            ex.experiment_conclude(actor=lead, experiment=running, decision=decision)
        assert "decision" in excinfo.value.message_dict

    running.refresh_from_db()
    assert (running.status, running.decision) == (ExperimentStatus.RUNNING, "")


@pytest.mark.parametrize(
    ("move", "status"),
    [
        (lambda e, u: ex.experiment_stop(actor=u, experiment=e), "draft"),
        (lambda e, u: ex.experiment_conclude(actor=u, experiment=e, decision="ship"), "draft"),
    ],
)
def test_a_draft_can_only_start(initiative, lead, fcr, move, status):
    experiment = make(initiative, lead, fcr)

    with pytest.raises(Conflict):
        move(experiment, lead)
    experiment.refresh_from_db()
    assert experiment.status == status


def test_a_concluded_experiment_does_not_move_again(running, lead):
    ex.experiment_conclude(actor=lead, experiment=running, decision="abandon")

    with pytest.raises(Conflict):
        ex.experiment_start(actor=lead, experiment=running)
    with pytest.raises(Conflict):
        ex.experiment_conclude(actor=lead, experiment=running, decision="ship")


def test_concluding_emits_the_experiment_concluded_event_once(running, lead):
    data.experiment_data_replace(
        actor=lead,
        experiment=running,
        rows=[
            {"variant": "control", "users": 1000, "conversions": 100},
            {"variant": "callback", "users": 1000, "conversions": 130},
        ],
    )

    ex.experiment_conclude(actor=lead, experiment=running, decision="ship")

    event = WebhookEvent.objects.get(type=WebhookEventType.EXPERIMENT_CONCLUDED)
    assert event.dedupe_key == f"experiment.concluded:{running.pk}"
    assert event.data["decision"] == "ship"
    assert event.data["experiment"]["id"] == running.pk
    assert event.data["comparisons"][0]["variant"] == "callback"


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

    result = data.experiment_observations_ingest(
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

    data.experiment_observations_ingest(actor=lead, experiment=running, csv=csv, mode="add")

    assert stored(running) == [("callback", None, 1, 1, 0.0, 0.0), ("control", None, 12, 4, 0.0, 0.0)]


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("variant,value\ncontrol,1\ncallback,0.5\n", agg.MSG_NOT_BINARY.format(row=1, value=0.5)),
        ("variant,value\ncontrol,1\ncallback,yes\n", data.MSG_CSV_VALUE.format(value="yes", row=1)),
        ("variant,value\ncontrol,1\ncallback,nan\n", agg.MSG_VALUE_NOT_FINITE.format(row=1, value=math.nan)),
        ("arm,value\ncontrol,1\n", data.MSG_CSV_HEADER),
        ("", data.MSG_NO_OBSERVATIONS),
        (
            "variant,value\ncontrol,1\nghost,0\n",
            data.MSG_UNKNOWN_LABELS.format(labels="ghost", keys="callback, control"),
        ),
    ],
)
def test_bad_observations_are_refused_and_nothing_is_written(running, lead, csv, message):
    with pytest.raises(ValidationError) as excinfo:
        data.experiment_observations_ingest(actor=lead, experiment=running, csv=csv)

    assert excinfo.value.message_dict == {"observations": [message]}
    assert stored(running) == []


# --- results ------------------------------------------------------------------------------------


def test_results_compare_each_treatment_with_the_control(running, lead):
    data.experiment_data_replace(
        actor=lead,
        experiment=running,
        rows=[
            {"variant": "control", "users": 5000, "conversions": 500},
            {"variant": "callback", "users": 5000, "conversions": 600},
        ],
    )

    results = selectors.experiment_results(experiment=running)

    assert [(v["key"], v["users"], v["mean"], v["is_control"]) for v in results["variants"]] == [
        ("control", 5000, 0.1, True),
        ("callback", 5000, 0.12, False),
    ]
    (comparison,) = results["comparisons"]
    assert comparison["absolute_effect"] == pytest.approx(0.02)
    assert comparison["relative_effect"] == pytest.approx(0.2)
    assert comparison["significant"] is True
    assert results["srm"]["detected"] is False


def test_results_without_data_say_why_numbers_are_missing(running):
    results = selectors.experiment_results(experiment=running)

    assert results["comparisons"][0]["p_value"] is None
    assert results["srm"]["p_value"] is None
    assert results["warnings"]


# --- the gates of Do → Check and Check → Act ------------------------------------------------------


def test_an_experiment_with_data_is_evidence_for_do_to_check(initiative, lead, running):
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    with pytest.raises(GateFailed):
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)

    data.experiment_data_replace(
        actor=lead, experiment=running, rows=[{"variant": "control", "users": 10, "conversions": 1}]
    )
    transition = stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)

    assert transition.gate_result[0]["detail"] == stages.DETAIL_EXPERIMENT_DATA


def test_a_concluded_experiment_opens_check_to_act(initiative, lead, running):
    data.experiment_data_replace(
        actor=lead, experiment=running, rows=[{"variant": "control", "users": 10, "conversions": 1}]
    )
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)
    with pytest.raises(GateFailed):
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.ACT)

    ex.experiment_conclude(actor=lead, experiment=running, decision="ship")
    transition = stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.ACT)

    assert transition.gate_passed
    assert transition.gate_result[0]["detail"] == stages.DETAIL_EXPERIMENT_CONCLUDED


def test_an_archived_experiment_is_no_evidence(initiative, lead, running):
    data.experiment_data_replace(
        actor=lead, experiment=running, rows=[{"variant": "control", "users": 10, "conversions": 1}]
    )
    ex.experiment_archive(actor=lead, experiment=running)
    stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)

    with pytest.raises(GateFailed):
        stages.initiative_transition(actor=lead, initiative=initiative, to=Stage.CHECK)


# --- admin ----------------------------------------------------------------------------------------


def test_the_admin_renames_through_the_service_and_keeps_the_workflow_read_only(client, admin, running):
    client.force_login(admin)
    url = reverse("admin:improvement_experiment_change", args=[running.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {"name", "hypothesis"}

    response = client.post(
        url,
        {
            "name": "Callback offer, chat only",
            "hypothesis": "Callbacks resolve more.",
            "variants-TOTAL_FORMS": 2,
            "variants-INITIAL_FORMS": 2,
            "status": "concluded",
        },
    )

    assert response.status_code == 302
    running.refresh_from_db()
    assert (running.name, running.status, running.version) == ("Callback offer, chat only", "running", 3)
    assert running.history.latest().history_user == admin
    for name in ("variant", "variantdata"):
        assert client.get(reverse(f"admin:improvement_{name}_changelist")).status_code == 200
