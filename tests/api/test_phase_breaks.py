"""Phase breaks: a lead marks the date a KPI's process changed; an initiative's move to Do marks one
for each KPI it targets; the control chart splits there."""

import datetime as dt

import pytest
from django.utils import timezone

from improvement.models import Stage
from improvement.services.stages import PHASE_LABEL, initiative_transition
from kpis.models import Kpi, PhaseBreak, PhaseSource
from kpis.phases import MSG_CANNOT_MARK, MSG_PHASE_TAKEN
from tests.factories import KpiTargetFactory, MilestoneFactory

URL = "/api/v1/kpis/fcr_rate/phase-breaks/"
DAY = dt.date(2026, 3, 2)


def test_a_lead_marks_a_change_and_everyone_reads_it(api, lead, viewer):
    made = api(lead).post(URL, {"starts": DAY.isoformat(), "label": "New IVR menu"}, format="json")

    assert made.status_code == 201, made.content
    listed = api(viewer).get(URL).json()
    assert [(b["starts"], b["label"], b["source"]) for b in listed] == [
        (DAY.isoformat(), "New IVR menu", "manual")
    ]


def test_a_contributor_cannot_mark_and_a_second_break_the_same_day_is_a_conflict(api, lead, contributor):
    refused = api(contributor).post(URL, {"starts": DAY.isoformat(), "label": "x"}, format="json")
    api(lead).post(URL, {"starts": DAY.isoformat(), "label": "First"}, format="json")
    again = api(lead).post(URL, {"starts": DAY.isoformat(), "label": "Second"}, format="json")

    assert refused.status_code == 403 and MSG_CANNOT_MARK in str(refused.json())
    assert again.status_code == 409
    assert MSG_PHASE_TAKEN.format(kpi="fcr_rate", day=DAY.isoformat()) in str(again.json())
    assert PhaseBreak.objects.get().label == "First"


def test_a_lead_removes_a_break(api, lead):
    made = api(lead).post(URL, {"starts": DAY.isoformat(), "label": "Trial"}, format="json").json()

    removed = api(lead).delete(f"{URL}{made['id']}/")

    assert removed.status_code == 204
    assert not PhaseBreak.objects.exists()


@pytest.mark.django_db
def test_moving_to_do_marks_a_phase_break_for_each_target_kpi(lead, initiative):
    target = KpiTargetFactory(initiative=initiative, kpi=Kpi.objects.get(code="fcr_rate"), segment="chat")
    MilestoneFactory(initiative=initiative)

    initiative_transition(actor=lead, initiative=initiative, to=Stage.DO)

    found = PhaseBreak.objects.get()
    assert (found.kpi, found.segment, found.starts) == (target.kpi, "chat", timezone.localdate())
    assert found.label == PHASE_LABEL.format(code=initiative.code, cycle=initiative.cycle)
    assert (found.source, found.reference) == (PhaseSource.INITIATIVE, initiative.code)
