"""The experiment page: the cluster read-out and the controlled before/after, in words."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from improvement.services import experiment_clusters as ec
from improvement.services import experiments as ex
from kpis.models import Kpi

pytestmark = pytest.mark.django_db
AB = [{"key": "control", "is_control": True}, {"key": "callback"}]


def test_the_page_says_the_cluster_effect_and_the_difference_in_differences(login, lead, initiative):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Callback by team",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=AB,
    )
    ec.experiment_cluster_design_set(
        actor=lead, experiment=experiment, randomisation_unit="cluster", change_date=date(2026, 6, 1)
    )
    ex.experiment_start(actor=lead, experiment=experiment)
    rows = [
        {"variant": v, "cluster": f"{v}{i}", "users": 40 + i, "conversions": 8 + (i + j) % 5 + 2 * j}
        for j, v in enumerate(["control", "callback"])
        for i in range(5)
    ]
    ec.experiment_cluster_data_replace(actor=lead, experiment=experiment, rows=rows)
    sites = [
        {
            "site": s,
            "pilot": s == "north",
            "day": date(2026, 6, 1) + timedelta(weeks=w),
            "value": 10.0 + (w * w + len(s)) % 3,
        }
        for s in ("north", "south")
        for w in range(-3, 3)
    ]
    ec.experiment_site_values_replace(actor=lead, experiment=experiment, rows=sites)

    page = login(lead).get(reverse("improvement:experiment_detail", args=[experiment.pk])).content.decode()

    assert "Results by cluster" in page
    assert "callback against control (5 and 5 clusters)" in page
    assert "Treating users as independent would understate the variance" in page
    assert "fewer than 10" in page
    assert "Controlled before/after" in page
    assert "the pilot sites moved" in page
    assert "treating each period as independent" in page
