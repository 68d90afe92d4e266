"""The experiment page says the decision in words, lists the guardrails, and sets their tolerance."""

import pytest
from django.urls import reverse

from improvement.services import experiment_data as data
from improvement.services import experiment_guardrails as guard
from improvement.services import experiments as ex
from kpis.models import Kpi

pytestmark = pytest.mark.django_db

AB = [{"key": "control", "is_control": True}, {"key": "callback", "name": "Offer a callback"}]


@pytest.fixture
def guarded(initiative, lead):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Callback offer",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=AB,
        mde=0.1,
        guardrail_kpis=[Kpi.objects.get(code="average_handle_time")],
    )
    experiment = ex.experiment_start(actor=lead, experiment=experiment)
    rows = [
        {"variant": "control", "users": 20_000, "conversions": 2_000},
        {"variant": "callback", "users": 20_000, "conversions": 2_600},
    ]
    data.experiment_data_replace(actor=lead, experiment=experiment, rows=rows)
    return experiment


def test_the_page_states_the_decision_and_its_reasons(client, lead, guarded):
    client.force_login(lead)
    page = client.get(reverse("improvement:experiment_detail", args=[guarded.pk])).content.decode()

    assert "Decision: Keep running" in page
    assert "has no interval for Offer a callback yet (enter its data)." in page
    assert "No interval yet" in page


def test_the_tolerance_form_saves_and_refuses_a_negative_tolerance_on_its_field(client, lead, guarded):
    client.force_login(lead)
    target = reverse("improvement:experiment_guardrail", args=[guarded.pk])

    refused = client.post(target, {"kpi": "average_handle_time", "metric_type": "mean", "tolerance": "-1"})
    assert refused.status_code == 400
    assert guard.MSG_TOLERANCE.replace("'", "&#x27;") in refused.content.decode()

    saved = client.post(target, {"kpi": "average_handle_time", "metric_type": "mean", "tolerance": "0.05"})
    assert saved.status_code == 302
    (guardrail,) = guarded.guardrails.all()
    assert (guardrail.metric_type, guardrail.tolerance) == ("mean", 0.05)


def test_guardrail_data_are_entered_per_variant_on_the_page(client, lead, guarded):
    client.force_login(lead)
    target = reverse("improvement:experiment_guardrail_data", args=[guarded.pk])
    guard.experiment_guardrail_set(
        actor=lead, experiment=guarded, kpi=Kpi.objects.get(code="average_handle_time"), metric_type="mean"
    )
    page = client.get(reverse("improvement:experiment_detail", args=[guarded.pk])).content.decode()
    assert "Enter data: " in page and 'name="average_handle_time-1-sd"' in page

    fields = {"kpi": "average_handle_time", "entry": "mean_sd"}
    fields |= {
        "average_handle_time-0-users": "20000",
        "average_handle_time-0-mean": "300",
        "average_handle_time-0-sd": "60",
    }
    refused = client.post(
        target,
        fields
        | {
            "average_handle_time-1-users": "20000",
            "average_handle_time-1-mean": "301",
            "average_handle_time-1-sd": "-5",
        },
    )
    assert refused.status_code == 400
    assert not guarded.guardrails.get().data.exists()

    saved = client.post(
        target,
        fields
        | {
            "average_handle_time-1-users": "20000",
            "average_handle_time-1-mean": "301",
            "average_handle_time-1-sd": "60",
        },
    )
    assert saved.status_code == 302
    results = client.get(reverse("improvement:experiment_detail", args=[guarded.pk])).content.decode()
    assert "Within its tolerance" in results
