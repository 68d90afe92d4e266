"""The initiative page embeds a bounded stretch of each KPI series and reads only the history it shows."""

import datetime as dt
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from django.urls import reverse

from improvement.selectors.history import HISTORY_LIMIT
from improvement.selectors.targets import CHART_POINTS
from kpis.models import Measurement
from tests.factories import KpiFactory, KpiTargetFactory, MilestoneFactory
from tests.web.conftest import queries_for

START = dt.date(2025, 1, 1)


def detail(initiative) -> str:
    return reverse("improvement:initiative_detail", args=[initiative.pk])


def daily(kpi, n: int, *, seed: int = 5) -> list[float]:
    values = np.random.default_rng(seed).normal(60, 3, n).round(3).tolist()
    Measurement.objects.bulk_create(
        Measurement(kpi=kpi, period=START + dt.timedelta(days=day), value=value)
        for day, value in enumerate(values)
    )
    return values


def limit_lines(spec: dict) -> set[float]:
    return {round(shape["y0"], 9) for shape in spec["layout"]["shapes"]}


def test_a_long_series_is_embedded_as_its_latest_365_periods_with_baseline_limits(login, lead, initiative):
    kpi = KpiFactory(code="long_series")
    target = KpiTargetFactory(
        initiative=initiative, kpi=kpi, baseline_start=START, baseline_end=START + dt.timedelta(days=199)
    )
    values = daily(kpi, 400)

    response = login(lead).get(detail(initiative))

    (panel,) = response.context["kpi_panels"]
    measured = panel["chart"]["data"][0]
    assert len(measured["x"]) == CHART_POINTS
    assert measured["x"][0] == (START + dt.timedelta(days=400 - CHART_POINTS)).isoformat()
    assert measured["y"] == pytest.approx(values[-CHART_POINTS:])
    baseline = np.array(values[:200])
    mean_mr = np.abs(np.diff(baseline)).mean()
    for line in (baseline.mean(), baseline.mean() + 2.66 * mean_mr, baseline.mean() - 2.66 * mean_mr):
        assert round(line, 9) in limit_lines(panel["chart"])
    body = response.content.decode()
    assert "The latest 365 measurement periods" in body
    link = urlparse(panel["full_url"].replace("&amp;", "&"))
    assert link.path == f"/api/v1/kpis/{kpi.code}/control-chart/"
    assert parse_qs(link.query) == {
        "limit": ["3660"],
        "baseline_start": [START.isoformat()],
        "baseline_end": [(START + dt.timedelta(days=199)).isoformat()],
    }
    assert target.pk and "the full control chart" in body


def test_a_short_series_is_embedded_whole_without_a_note(login, lead, initiative):
    kpi = KpiFactory(code="short_series")
    KpiTargetFactory(initiative=initiative, kpi=kpi)
    daily(kpi, 20)

    response = login(lead).get(detail(initiative))

    (panel,) = response.context["kpi_panels"]
    assert len(panel["chart"]["data"][0]["x"]) == 20
    assert panel["truncated"] is False
    assert "the full control chart" not in response.content.decode()


def test_the_history_panel_shows_the_newest_changes_of_every_source(login, lead, initiative):
    milestone = MilestoneFactory(initiative=initiative, title="Pilot")
    # Saved directly: each save is one history row, which is what the panel reads.
    for n in range(1, 80):
        initiative.title = f"Title {n}"
        initiative.save()
        milestone.title = f"Pilot {n}"
        milestone.save()

    history = login(lead).get(detail(initiative)).context["history"]

    assert len(history) == HISTORY_LIMIT
    assert [entry.when for entry in history] == sorted((entry.when for entry in history), reverse=True)
    newest, next_newest = history[0], history[1]
    assert (newest.subject, newest.action) == ("Milestone “Pilot 79”", "changed")
    assert [(c.field, c.old, c.new) for c in newest.changes] == [("Title", "Pilot 78", "Pilot 79")]
    assert [(c.field, c.old, c.new) for c in next_newest.changes] == [("Title", "Title 78", "Title 79")]
    # 50 of each source: the oldest shown change of the initiative is its 30th.
    oldest_title = [e for e in history if e.subject == "Initiative"][-1]
    assert [(c.old, c.new) for c in oldest_title.changes] == [("Title 29", "Title 30")]


def test_the_page_costs_the_same_queries_for_3n_periods_and_history_rows(login, lead, initiative):
    kpi = KpiFactory(code="grows")
    KpiTargetFactory(initiative=initiative, kpi=kpi, baseline_end=START + dt.timedelta(days=30))
    daily(kpi, 150)
    for n in range(150):
        initiative.title = f"Title {n}"
        initiative.save()
    client = login(lead)
    few = queries_for(client, detail(initiative))
    Measurement.objects.filter(kpi=kpi).delete()
    daily(kpi, 450)
    for n in range(300):
        initiative.title = f"Again {n}"
        initiative.save()

    assert queries_for(client, detail(initiative)) == few
