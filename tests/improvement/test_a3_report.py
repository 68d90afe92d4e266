"""The A3 report of an initiative: one page, the page's figures, drawn so any PDF reader shows it."""

import datetime as dt
import time

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from improvement.models import Stage
from improvement.reports import pdf
from improvement.reports.a3 import MILESTONES_MAX, a3_pdf
from improvement.selectors.money_range import initiative_roi_range
from improvement.services import experiment_data as data
from improvement.services import experiments as ex
from kpis.models import Kpi
from tests.factories import (
    BenefitFactory,
    CostFactory,
    InitiativeFactory,
    KpiTargetFactory,
    MeasurementFactory,
    MilestoneFactory,
    StageTransitionFactory,
    StatusUpdateFactory,
)
from tests.improvement.pdf_helpers import needs_pdftoppm, pdf_pages, pdf_text, pdf_to_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def initiative(team, lead):
    initiative = InitiativeFactory(
        team=team,
        lead=lead,
        title="Chat first response <under> 30 s & more",
        problem_statement="Customers wait 90 s for the first chat answer.",
        smart_goal="Cut the first chat response to 30 s by June.",
        stage=Stage.DO,
    )
    kpi = Kpi.objects.get(code="fcr_rate")
    KpiTargetFactory(initiative=initiative, kpi=kpi, baseline_value=60, target_value=75, is_primary=True)
    start = initiative.start_date - dt.timedelta(days=20)
    for day in range(40):
        MeasurementFactory(kpi=kpi, period=start + dt.timedelta(days=day), value=60 + (day % 5))
    CostFactory(initiative=initiative, amount=12000)
    BenefitFactory(initiative=initiative, monthly_amount=2500)
    StageTransitionFactory(initiative=initiative, actor=lead, note="Plan signed off")
    StatusUpdateFactory(initiative=initiative, narrative="Pilot live in the Berlin queue.", health="at_risk")
    return initiative


def _experiment(initiative, lead):
    experiment = ex.experiment_create(
        actor=lead,
        initiative=initiative,
        name="Callback offer",
        primary_kpi=Kpi.objects.get(code="fcr_rate"),
        variants=[{"key": "control", "is_control": True}, {"key": "t1", "name": "Callback"}],
        mde=0.1,
    )
    ex.experiment_start(actor=lead, experiment=experiment)
    data.experiment_data_replace(
        actor=lead,
        experiment=experiment,
        rows=[
            {"variant": "control", "users": 5000, "conversions": 500},
            {"variant": "t1", "users": 5000, "conversions": 600},
        ],
    )
    return experiment


def test_the_a3_is_one_page_with_what_the_initiative_page_shows(initiative, lead, client):
    _experiment(initiative, lead)

    document = a3_pdf(initiative=initiative)

    text = pdf_text(document)
    assert document.startswith(b"%PDF-")
    assert pdf_pages(document) == 1
    assert f"{initiative.code} · Chat first response <under> 30 s & more" in text
    assert "Customers wait 90 s for the first chat answer." in text
    assert "Cut the first chat response to 30 s by June." in text
    assert "baseline 60 %, target 75 %" in text
    assert "Plan to Do" in text and "Plan signed off" in text
    assert "Pilot live in the Berlin queue." in text and "At risk" in text
    # The verdict and its interval, in the experiment page's words (points for a rate).
    assert "Callback vs control: Callback looks better than control (up by 0.8 to 3.2 points)" in text
    assert "(95 % interval of the difference: +0.8 points to +3.2 points)" in text
    # Money as the initiative page shows it.
    client.force_login(lead)
    page = client.get(f"/initiatives/{initiative.pk}/").content.decode()
    for figure in ("€12,000", "€2,500", "€30,000", "150.0 %", "4.8 months", "€16,782"):
        assert figure in page and figure in text


def test_the_a3_states_the_roi_range_the_initiative_page_states(initiative, lead, client):
    initiative.targets.update(unit_value_per_month=1000)  # a point of FCR is worth 1,000 a month
    _experiment(initiative, lead)

    text = " ".join(pdf_text(a3_pdf(initiative=initiative)).split())

    # 0.8 to 3.2 points × 1,000 a month against the 12,000 cost; the benefit lines are not counted.
    found = initiative_roi_range(initiative=initiative)
    assert found.low.monthly_benefit == pytest.approx(800, rel=0.05)
    assert found.high.monthly_benefit == pytest.approx(3200, rel=0.02)
    assert f"payback in {found.payback_text}" in text
    assert f"NPV {pdf.money(found.low.npv)} to {pdf.money(found.high.npv)}" in text
    client.force_login(lead)
    page = client.get(f"/initiatives/{initiative.pk}/").content.decode()
    assert f"Payback in {found.payback_text}" in page


def test_an_a3_without_an_experiment_states_no_range(initiative):
    assert "From the evidence" not in pdf_text(a3_pdf(initiative=initiative))


def test_long_lists_are_cut_to_one_page_saying_how_many_more(initiative):
    for n in range(MILESTONES_MAX + 6):
        MilestoneFactory(initiative=initiative, title=f"Step {n}", due_date=timezone.localdate())

    document = a3_pdf(initiative=initiative)

    assert pdf_pages(document) == 1
    assert "… and 6 more (see the initiative page)." in pdf_text(document)


def test_an_initiative_without_targets_money_or_status_still_gets_its_a3(team, lead):
    initiative = InitiativeFactory(team=team, lead=lead, problem_statement="")

    text = pdf_text(a3_pdf(initiative=initiative))

    assert "No KPI target yet." in text
    assert "No stage move yet." in text
    assert "No status update yet." in text
    assert "No experiment." in text


def test_the_a3_takes_well_under_a_second(initiative, lead):
    _experiment(initiative, lead)
    a3_pdf(initiative=initiative)  # fonts loaded once per process

    started = time.perf_counter()
    a3_pdf(initiative=initiative)

    assert time.perf_counter() - started < 1.0


@needs_pdftoppm
def test_the_a3_renders_as_an_a3_landscape_page_with_a_chart(initiative, tmp_path):
    [png] = pdf_to_png(a3_pdf(initiative=initiative), tmp_path, dpi=20)

    image = Image.open(png).convert("RGB")
    width, height = image.size
    assert width > height and abs(width / height - 420 / 297) < 0.02
    # The measured line's blue appears (the chart was drawn, not left blank).
    blue = (0x25, 0x63, 0xEB)
    pixels = np.asarray(image, dtype=int)
    assert (np.abs(pixels - blue).max(axis=2) < 40).any()
