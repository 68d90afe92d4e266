"""Dates at the edge of the calendar and values at the edge of floating point, already stored.

Rows written before the bounds were enforced (here with ``QuerySet.update``, which skips validation)
must not break any page: the initiative page, the roadmap and the owner's calendar feed.
"""

import datetime as dt

from django.urls import reverse
from icalendar import Calendar

from improvement.models import KpiTarget, Milestone
from improvement.views.calendar import calendar_token
from tests.factories import KpiTargetFactory, MeasurementFactory, MilestoneFactory

LAST_DAY = dt.date.max


def test_the_initiative_page_shows_a_target_dated_on_the_last_day(login, lead, initiative):
    target = KpiTargetFactory(initiative=initiative)
    KpiTarget.objects.filter(pk=target.pk).update(target_date=LAST_DAY)

    response = login(lead).get(reverse("improvement:initiative_detail", args=[initiative.pk]))

    assert response.status_code == 200


def test_the_initiative_page_shows_a_lone_measurement_at_the_first_day(login, lead, initiative):
    target = KpiTargetFactory(initiative=initiative)
    MeasurementFactory(kpi=target.kpi, period=dt.date(2026, 1, 5))
    target.kpi.measurements.update(period=dt.date.min)

    response = login(lead).get(reverse("improvement:initiative_detail", args=[initiative.pk]))

    assert response.status_code == 200


def test_a_milestone_due_on_the_last_day_keeps_its_owners_feed_working(client, contributor, initiative):
    mine = MilestoneFactory(initiative=initiative, owner=contributor, title="Far away")
    Milestone.objects.filter(pk=mine.pk).update(due_date=LAST_DAY)

    response = client.get(reverse("improvement:calendar_feed", args=[calendar_token(contributor)]))

    assert response.status_code == 200
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == LAST_DAY
    assert event.decoded("duration") == dt.timedelta(days=1)


def test_a_milestone_due_on_the_last_day_keeps_the_initiative_page_and_roadmap_working(
    login, lead, initiative
):
    milestone = MilestoneFactory(initiative=initiative, owner=lead)
    Milestone.objects.filter(pk=milestone.pk).update(due_date=LAST_DAY)
    type(initiative).objects.filter(pk=initiative.pk).update(cycle_started_on=LAST_DAY)
    client = login(lead)

    assert client.get(reverse("improvement:initiative_detail", args=[initiative.pk])).status_code == 200
    assert client.get(reverse("improvement:roadmap")).status_code == 200
    assert client.get(reverse("improvement:roadmap"), {"start": "9999-12-31"}).status_code == 200


def test_the_initiative_page_shows_measurements_stored_near_the_float_limit(login, lead, initiative):
    target = KpiTargetFactory(initiative=initiative)
    for source in ("crm", "survey"):
        MeasurementFactory(kpi=target.kpi, period=dt.date(2026, 1, 5), source=source, value=1.0)
    target.kpi.measurements.update(value=1.7e308)

    response = login(lead).get(reverse("improvement:initiative_detail", args=[initiative.pk]))

    assert response.status_code == 200
