"""The experiment page: the cluster read-out and the controlled before/after, in words."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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
        {"variant": v, "cluster": f"{v}{i}", "users": 40 + i, "conversions": [2, 15, 4, 18, 6][i] + 2 * j}
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
    assert "the pilot sites changed by" in page
    assert "treating each period as independent" in page


@pytest.fixture
def clustered(lead, initiative):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Callback by team",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=AB,
    )
    ec.experiment_cluster_design_set(actor=lead, experiment=experiment, randomisation_unit="cluster")
    return ex.experiment_start(actor=lead, experiment=experiment)


def _upload(text: str, name: str = "data.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_cluster_csv_on_the_page_saves_or_lists_each_problem_by_line(login, lead, clustered):
    client = login(lead)
    page = client.get(reverse("improvement:experiment_detail", args=[clustered.pk])).content.decode()
    assert "Upload cluster totals" in page and "Controlled before/after" in page
    target = reverse("improvement:experiment_cluster_upload", args=[clustered.pk])

    bad = "variant,cluster,users,conversions\ncontrol,a,10,11\nnobody,b,10,1\n"
    refused = client.post(target, {"clusters": _upload(bad)}, follow=True).content.decode()
    assert "Line 2, conversions" in refused and "Line 3, variant" in refused
    assert not clustered.variants.filter(cluster_data__isnull=False).exists()

    good = (
        "variant,cluster,users,conversions\ncontrol,a,10,2\ncontrol,b,12,3\ncallback,c,11,4\ncallback,d,9,1\n"
    )
    saved = client.post(target, {"clusters": _upload(good)}, follow=True).content.decode()
    assert "4 clusters saved for callback, control." in saved
    assert "callback against control (2 and 2 clusters)" in saved


def test_site_values_csv_with_the_change_date(login, lead, clustered):
    client = login(lead)
    target = reverse("improvement:experiment_site_values_upload", args=[clustered.pk])
    lines = ["site,pilot,day,value"] + [
        f"{s},{'yes' if s == 'north' else 'no'},{(date(2026, 6, 1) + timedelta(weeks=w)).isoformat()},"
        f"{10 + (w * w + len(s)) % 3 + (2 if s == 'north' and w >= 0 else 0)}"
        for s in ("north", "south")
        for w in range(-3, 3)
    ]
    missing_date = client.post(target, {"sites": _upload("\n".join(lines))}, follow=True).content.decode()
    assert "Change date: This field is required." in missing_date

    saved = client.post(
        target, {"sites": _upload("\n".join(lines)), "change_date": "2026-06-01"}, follow=True
    ).content.decode()
    assert "12 site values saved; change date 2026-06-01." in saved
    assert "the pilot sites changed by" in saved


def test_the_randomisation_unit_is_chosen_on_the_page_in_draft(login, lead, initiative):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Callback by team",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=AB,
    )
    client = login(lead)
    detail = reverse("improvement:experiment_detail", args=[experiment.pk])
    assert "Randomised by" in client.get(detail).content.decode()
    target = reverse("improvement:experiment_randomisation", args=[experiment.pk])

    refused = client.post(target, {"randomisation_unit": "site"}, follow=True).content.decode()
    assert "Randomised by: Select a valid choice." in refused
    saved = client.post(target, {"randomisation_unit": "cluster"}, follow=True).content.decode()
    assert "Randomised by cluster (agent, team or site)." in saved
    experiment.refresh_from_db()
    assert experiment.randomisation_unit == "cluster"

    ex.experiment_start(actor=lead, experiment=experiment)
    frozen = client.post(target, {"randomisation_unit": "user"}, follow=True).content.decode()
    assert "changes only in draft" in frozen
    assert "Randomised by" not in client.get(detail).content.decode().split("Results")[0]
