import datetime as dt
import re

import pytest
from django.urls import reverse

from improvement.models import ExperimentStatus
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from improvement.views import experiments as experiments_view
from kpis.models import Kpi
from tests.factories import KpiTargetFactory, MeasurementFactory
from tests.web.conftest import queries_for

pytestmark = pytest.mark.django_db


def _variants(n: int) -> list[dict]:
    return [{"key": "control", "is_control": True}] + [{"key": f"t{i}"} for i in range(1, n)]


def _experiment(initiative, lead, *, arms=2, running=True, name="Callback offer"):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name=name,
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=_variants(arms),
        mde=0.1,
    )
    if running:
        ex.experiment_start(actor=lead, experiment=experiment)
    return experiment


def _push(experiment, lead, users):
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": v.key, "users": n, "conversions": n // 10}
            for v, n in zip(experiment.variants.all(), users, strict=True)
        ],
    )


def page(experiment):
    return reverse("improvement:experiment_detail", args=[experiment.pk])


def test_the_experiment_page_shows_results_chart_and_planner(login, lead, initiative):
    experiment = _experiment(initiative, lead)
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": "control", "users": 5000, "conversions": 500},
            {"variant": "t1", "users": 5000, "conversions": 600},
        ],
    )

    response = login(lead).get(page(experiment))

    html = response.content.decode()
    assert response.status_code == 200
    assert "+20.0 %" in html  # the relative effect
    assert 'id="experiment-intervals"' in html
    assert "Sample-size planner" in html
    assert "Sample-ratio mismatch" not in html
    assert response.context["conclude_form"] is not None


def test_a_sample_ratio_mismatch_is_bannered(login, lead, initiative):
    experiment = _experiment(initiative, lead)
    _push(experiment, lead, [5000, 4000])

    assert "Sample-ratio mismatch" in login(lead).get(page(experiment)).content.decode()


def test_an_empty_experiment_renders_its_warnings(login, lead, initiative):
    experiment = _experiment(initiative, lead, running=False)

    html = login(lead).get(page(experiment)).content.decode()

    assert "has no users yet" in html
    assert reverse("improvement:experiment_start", args=[experiment.pk]) in html


def test_the_planner_answers_users_per_arm_and_days(login, lead, initiative):
    experiment = _experiment(initiative, lead)

    response = login(lead).get(
        page(experiment),
        {
            "metric_type": "proportion",
            "baseline": 0.1,
            "mde": 0.2,
            "mde_type": "relative",
            "alpha": 0.05,
            "power": 0.8,
            "daily_users": 1000,
        },
    )

    plan = response.context["plan"]
    assert plan["users_per_arm"][0] == plan["users_per_arm"][1] > 3000
    assert plan["days_needed"] == -(-plan["total_users"] // 1000)


def test_the_lead_starts_stops_and_concludes_from_the_page(login, lead, initiative):
    experiment = _experiment(initiative, lead, running=False)
    client = login(lead)

    client.post(reverse("improvement:experiment_start", args=[experiment.pk]))
    client.post(reverse("improvement:experiment_stop", args=[experiment.pk]))
    experiment.refresh_from_db()
    client.post(
        reverse("improvement:experiment_conclude", args=[experiment.pk]),
        {"decision": "ship", "note": "Works.", "version": experiment.version},
    )

    experiment.refresh_from_db()
    assert (experiment.status, experiment.decision) == (ExperimentStatus.CONCLUDED, "ship")


def test_another_teams_experiment_is_not_found_and_a_viewer_cannot_move_it(
    login, other_lead, viewer, lead, initiative
):
    experiment = _experiment(initiative, lead, running=False)

    assert login(other_lead).get(page(experiment)).status_code == 404
    assert (
        login(viewer).post(reverse("improvement:experiment_start", args=[experiment.pk])).status_code == 403
    )


def test_the_initiative_page_lists_its_experiments(login, lead, initiative):
    experiment = _experiment(initiative, lead)

    html = login(lead).get(reverse("improvement:initiative_detail", args=[initiative.pk])).content.decode()

    assert page(experiment) in html


def test_the_initiative_kpi_chart_draws_control_limits(login, lead, initiative):
    target = KpiTargetFactory(initiative=initiative, kpi=Kpi.objects.get(code="fcr_rate"))
    start = initiative.cycle_started_on
    for offset, value in enumerate([70, 72, 71, 69, 75, 78]):
        MeasurementFactory(kpi=target.kpi, period=start + dt.timedelta(days=offset - 3), value=value)

    response = login(lead).get(reverse("improvement:initiative_detail", args=[initiative.pk]))

    (panel,) = response.context["kpi_panels"]
    annotations = [a["text"] for a in panel["chart"]["layout"]["annotations"]]
    assert any(text.startswith("UCL") for text in annotations)


def test_the_experiment_page_costs_the_same_queries_for_3n_variants_as_for_n(login, lead, initiative):
    client = login(lead)
    few_arms = _experiment(initiative, lead, arms=2, name="two")
    _push(few_arms, lead, [1000, 1000])
    many_arms = _experiment(initiative, lead, arms=6, name="six")
    _push(many_arms, lead, [1000] * 6)

    assert queries_for(client, page(many_arms)) == queries_for(client, page(few_arms))


def test_the_initiative_page_costs_the_same_queries_for_3n_experiments(login, lead, initiative):
    client = login(lead)
    url = reverse("improvement:initiative_detail", args=[initiative.pk])
    for index in range(2):
        _experiment(initiative, lead, name=f"e{index}")
    few = queries_for(client, url)
    for index in range(4):
        _experiment(initiative, lead, name=f"f{index}")

    assert queries_for(client, url) == few


def test_an_underpowered_experiment_leads_with_not_enough_data_and_warns_before_concluding(
    login, lead, initiative
):
    experiment = _experiment(initiative, lead)
    _push(experiment, lead, [400, 400])

    response = login(lead).get(page(experiment))

    html = response.content.decode()
    (item,) = response.context["verdicts"]
    assert item["verdict"].text.startswith("Not enough data yet: about ")
    assert item["verdict"].text in html
    assert html.index("Not enough data yet") < html.index("Difference vs control")
    assert experiments_view.MSG_CONCLUDE_EARLY.format(variants="t1") in html
    assert response.context["conclude_form"]["decision"].value() is None
    assert '<option value="" selected>Choose a decision</option>' in html


def test_the_results_write_p_values_and_rate_differences_for_reading(login, lead, initiative):
    experiment = _experiment(initiative, lead)
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": "control", "users": 20000, "conversions": 2000},
            {"variant": "t1", "users": 20000, "conversions": 2600},
        ],
    )

    response = login(lead).get(page(experiment))

    html = response.content.decode()
    (row,) = [r for r in response.context["rows"] if r["comparison"]]
    assert row["comparison"]["p_value_holm"] < 1e-12
    assert row["p_holm"] == "< 0.001"
    assert row["absolute"] == "+3.0 points"
    assert row["sd"] is None
    assert ">SD<" not in html and "Standard deviation</th>" not in html
    text = re.sub(r"<script.*?</script>", "", html, flags=re.DOTALL)
    # Random CSRF tokens can hold "5e3"; they are not figures.
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    assert not re.search(r"\d[eE][+-]?\d", text)
    assert " pp" not in html
