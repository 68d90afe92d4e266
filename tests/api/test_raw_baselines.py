"""The bench's raw baselines answer the API's bytes, so app ÷ raw compares like with like."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from bench import pairs, raw, raw_series
from kpis.models import Kpi, Measurement
from tests.factories import InitiativeFactory, MilestoneFactory, UserFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the raw baselines are PostgreSQL SQL"
)


@pytest.fixture
def data(team, lead, admin):
    today = timezone.localdate()
    zed, amy = UserFactory(email="zed@example.com"), UserFactory(email="amy@example.com")
    sponsor = UserFactory(email="sponsor@example.com", full_name="Åsa \u2028 «quoted»")
    first = InitiativeFactory(team=team, lead=lead, sponsor=sponsor, title='Emoji 🚀 "q" \\ \u2029')
    first.members.set([zed, amy, lead])
    MilestoneFactory(initiative=first, status="done")
    MilestoneFactory(initiative=first, due_date=today - dt.timedelta(days=3))
    for _ in range(3):
        InitiativeFactory(team=team, lead=lead)
    archived = InitiativeFactory(team=team, lead=lead)
    archived.archived_at = timezone.now()
    archived.save()
    fcr, csat = Kpi.objects.get(code="fcr_rate"), Kpi.objects.get(code="csat")
    start = dt.date(2026, 1, 1)
    made = []
    for day in range(30):
        for kpi, segment in ((fcr, ""), (fcr, "chat"), (csat, "Åsa \u2028")):
            value = 70 + (day % 7) - (3 if day > 20 else 0)
            made.append(
                Measurement(kpi=kpi, segment=segment, period=start + dt.timedelta(days=day), value=value)
            )
    made.append(Measurement(kpi=fcr, period=start, value=1.5, source="second", sample_size=4))
    Measurement.objects.bulk_create(made)


def test_every_pair_answers_the_same_bytes(token_api, admin, data):
    client = token_api(admin, "progress:read")
    context = {"kpi_code": "fcr_rate"}
    for pair in pairs.PAIRS:
        app = client.get(pair.url(context))
        assert app.status_code == 200
        assert pair.raw(context) == app.content, pair.name


@pytest.mark.parametrize(("size", "page"), [(3, 1), (3, 2), (1, 2), (1, 3), (1, 4)])
def test_the_list_baseline_pages_and_counts_as_the_app(token_api, admin, data, size, page):
    # Four live initiatives (the archived one is not listed, nor counted): first, middle, last pages.
    answer = token_api(admin).get(f"/api/v1/initiatives/?page_size={size}&page={page}").content
    assert raw.raw_initiatives_page(page=page, size=size) == answer


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 50])
def test_the_measurements_baseline_writes_the_apps_cursor(token_api, admin, data, size):
    # Three series share each period (and the oldest one a fourth row): the next cursor carries an
    # offset among the rows sharing a period, or, when a page holds one period only, no position.
    answer = token_api(admin).get(f"/api/v1/measurements/?page_size={size}").content
    assert raw_series.raw_measurements_page(size=size) == answer


def test_no_baseline_counts_with_a_window():
    assert not re.search(r"\bOVER\s*\(", raw.raw_list_sql(), re.IGNORECASE)
    assert raw.RAW_COUNT_SQL.startswith("SELECT COUNT(*)")
