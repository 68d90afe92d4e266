"""The measurements list filtered by KPI and period range: documented, deterministic orders."""

import datetime as dt

import pytest

from kpis.models import Measurement
from tests.api.conftest import queries_for
from tests.factories import KpiFactory

URL = "/api/v1/measurements/"
DAY = dt.date(2026, 3, 1)


@pytest.fixture
def kpi(db):
    return KpiFactory(code="chat_csat")


def stored(kpi, *, days: int, segments=("", "chat", "phone")) -> list[Measurement]:
    """Several rows per period (one per segment), periods stored out of order so ids and periods
    disagree."""
    rows = [
        Measurement(kpi=kpi, segment=segment, period=DAY + dt.timedelta(days=day), value=day)
        for day in reversed(range(days))
        for segment in segments
    ]
    return Measurement.objects.bulk_create(rows)


def walk(client, params: dict) -> list[int]:
    """Every id of the list, following ``next`` page by page."""
    ids, answer = [], client.get(URL, params).json()
    while True:
        ids += [row["id"] for row in answer["results"]]
        if not answer["next"]:
            return ids
        answer = client.get(answer["next"]).json()


def test_by_period_newest_first_ties_come_newest_id_first_on_every_page(api, viewer, kpi):
    stored(kpi, days=7)
    stored(KpiFactory(), days=7)
    client = api(viewer)
    params = {"kpi": "chat_csat", "period_after": "2026-03-02", "period_before": "2026-03-06"}

    ids = walk(client, {**params, "ordering": "-period", "page_size": 2})

    expected = Measurement.objects.filter(
        kpi=kpi, period__range=(dt.date(2026, 3, 2), dt.date(2026, 3, 6))
    ).order_by("-period", "-id")
    assert ids == [m.pk for m in expected]
    assert len(ids) == 15


def test_by_period_oldest_first_ties_come_oldest_id_first(api, viewer, kpi):
    stored(kpi, days=4)

    ids = walk(api(viewer), {"kpi": "chat_csat", "ordering": "period", "page_size": 5})

    assert ids == [m.pk for m in Measurement.objects.order_by("period", "id")]


def test_by_default_the_filtered_list_comes_newest_period_first_ties_newest_id_first(api, viewer, kpi):
    stored(kpi, days=6)

    ids = walk(api(viewer), {"kpi": "chat_csat", "period_after": "2026-03-03", "page_size": 4})

    expected = Measurement.objects.filter(period__gte=dt.date(2026, 3, 3)).order_by("-period", "-id")
    assert ids == [m.pk for m in expected]


def test_ordering_by_id_orders_by_id_alone(api, viewer, kpi):
    stored(kpi, days=3)

    ids = walk(api(viewer), {"ordering": "-id", "page_size": 4})

    assert ids == [m.pk for m in Measurement.objects.order_by("-id")]


def test_an_unknown_kpi_code_lists_nothing(api, viewer, kpi):
    stored(kpi, days=2)

    assert api(viewer).get(URL, {"kpi": "no_such_kpi"}).json()["results"] == []


@pytest.mark.parametrize("ordering", ["-id", "-period", "period"])
def test_the_filtered_list_costs_the_same_queries_for_3n_rows(api, viewer, kpi, ordering):
    url = f"{URL}?kpi=chat_csat&period_after=2026-03-01&period_before=2026-12-31&ordering={ordering}"
    stored(kpi, days=5)
    few = queries_for(api(viewer), url)
    stored(kpi, days=15, segments=("email", "EMEA", "sms"))

    assert queries_for(api(viewer), url) == few
