"""The experiment page: a sequential design from the form, pre-period sums in the data table, and
both read-outs in words."""

import pytest
from django.urls import reverse

from improvement.models import Experiment, MetricType
from improvement.services import experiments as ex
from kpis.models import Kpi

pytestmark = pytest.mark.django_db


def url(name, obj) -> str:
    return reverse(f"improvement:{name}", args=[obj.pk])


def _design(**overrides) -> dict:
    post = {
        "name": "Greeting bot",
        "primary_kpi": Kpi.objects.get(code="average_handle_time").pk,
        "metric_type": "mean",
        "alpha": "0.05",
        "power": "0.8",
        "mde_type": "relative",
        "control": "0",
        "variant-0-key": "control",
        "variant-0-weight": "1",
        "variant-1-key": "bot",
        "variant-1-weight": "1",
    }
    return post | overrides


def test_the_design_form_sets_sequential_testing_and_refuses_a_bad_tuning(login, lead, initiative):
    client = login(lead)

    refused = client.post(
        url("experiment_create", initiative), _design(sequential="on", sequential_tuning="0")
    )
    assert refused.status_code == 200
    assert "sequential_tuning (N*) must be a number of users greater than 0." in refused.content.decode()
    assert not Experiment.objects.exists()

    client.post(url("experiment_create", initiative), _design(sequential="on", sequential_tuning=""))
    experiment = Experiment.objects.get()
    assert (experiment.sequential, experiment.sequential_tuning) == (True, 5000.0)


def test_pre_period_sums_give_the_cuped_and_sequential_read_out_in_words(login, lead, initiative):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="AHT",
        primary_kpi=Kpi.objects.get(code="average_handle_time"),
        metric_type=MetricType.MEAN,
        variants=[{"key": "control", "is_control": True}, {"key": "bot"}],
        sequential=True,
    )
    ex.experiment_start(actor=lead, experiment=experiment)
    client = login(lead)
    # control: y = 5, 6, 7, 8 with x = 4, 6, 6, 8; bot: y = 4, 5, 5, 6 with x = 5, 5, 6, 6.
    client.post(
        url("experiment_data", experiment),
        {
            "entry": "sums",
            "sums-0-users": 4,
            "sums-0-sum": 26,
            "sums-0-sum_squares": 174,
            "sums-0-pre_sum": 24,
            "sums-0-pre_sum_squares": 152,
            "sums-0-sum_product": 162,
            "sums-1-users": 4,
            "sums-1-sum": 20,
            "sums-1-sum_squares": 102,
            "sums-1-pre_sum": 22,
            "sums-1-pre_sum_squares": 122,
            "sums-1-sum_product": 111,
        },
    )

    page = client.get(url("experiment_detail", experiment)).content.decode()

    assert "Adjusted for each user&#x27;s pre-period value (CUPED" in page
    assert "of the variance." in page
    assert "Valid at every look (sequential, N* = 5,000 users)" in page
