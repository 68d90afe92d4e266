"""The control chart answers a bounded stretch of the series, judged as in the whole series."""

import datetime as dt

import numpy as np
import orjson
import pytest
from django.db import connection

from kpis.api.control_chart import ControlChartSerializer
from kpis.control_chart import MSG_CHART_RANGE
from kpis.models import Kpi, Measurement
from kpis.selectors import CHART_POINTS, CHART_POINTS_MAX
from kpis.stats.spc import RULE_NAMES, xmr_chart
from tests.api.conftest import queries_for

URL = "/api/v1/kpis/fcr_rate/control-chart/"
START = dt.date(2024, 1, 1)


@pytest.fixture
def fcr():
    return Kpi.objects.get(code="fcr_rate")


def series(kpi, n: int, *, seed: int = 3, sources: int = 1) -> list[float]:
    """``n`` daily periods from START with a level shift two thirds in (so the rules fire), each
    period stored from ``sources`` sources whose mean is the period's value."""
    rng = np.random.default_rng(seed)
    values = rng.normal(70, 2, n) + np.where(np.arange(n) >= 2 * n // 3, 6, 0)
    rows = []
    for day, value in enumerate(values.tolist()):
        spread = [value + offset for offset in np.linspace(-1, 1, sources)] if sources > 1 else [value]
        for k, stored in enumerate(spread):
            period = START + dt.timedelta(days=day)
            rows.append(Measurement(kpi=kpi, period=period, value=stored, source=f"s{k}"))
    Measurement.objects.bulk_create(rows)
    return values.tolist()


def test_by_default_the_latest_365_periods_come_with_limits_from_them(api, viewer, fcr):
    values = series(fcr, 400)

    body = api(viewer).get(URL).json()

    shown = np.array(values[-CHART_POINTS:])
    assert (body["points_total"], body["truncated"], body["limit"]) == (400, True, CHART_POINTS)
    assert len(body["points"]) == CHART_POINTS
    assert [p["index"] for p in body["points"]] == list(range(400 - CHART_POINTS, 400))
    assert body["points"][0]["period"] == (START + dt.timedelta(days=400 - CHART_POINTS)).isoformat()
    assert body["limits"]["centre"] == pytest.approx(shown.mean())
    assert body["limits"]["ucl"] == pytest.approx(shown.mean() + 2.66 * np.abs(np.diff(shown)).mean())
    assert body["limits"]["baseline_start"] == body["points"][0]["period"]
    assert body["limits"]["baseline_end"] == body["points"][-1]["period"]
    # The first answered point's moving range reaches back to the period before it.
    assert body["points"][0]["moving_range"] == pytest.approx(abs(values[35] - values[34]))


def test_a_series_within_the_limit_is_answered_whole(api, viewer, fcr):
    series(fcr, 30)

    body = api(viewer).get(URL).json()

    assert (body["points_total"], body["truncated"], len(body["points"])) == (30, False, 30)
    assert body["points"][0]["moving_range"] is None


def test_a_stretch_is_judged_as_in_the_chart_of_the_whole_series(api, viewer, fcr):
    values = series(fcr, 300, sources=3)
    baseline = {
        "baseline_start": START.isoformat(),
        "baseline_end": (START + dt.timedelta(days=99)).isoformat(),
    }
    whole = xmr_chart(values, baseline_start=0, baseline_end=100)

    body = api(viewer).get(URL, {**baseline, "limit": 60, "period_before": "2024-09-30"}).json()

    # 2024-09-30 is day 273: the 60 periods up to it are days 214..273.
    assert [p["index"] for p in body["points"]] == list(range(214, 274))
    assert body["truncated"] is True
    assert body["limits"]["centre"] == pytest.approx(whole.centre)
    assert body["limits"]["ucl"] == pytest.approx(whole.ucl)
    for point in body["points"]:
        expected = whole.points[point["index"]]
        assert point["value"] == pytest.approx(expected.value)
        assert point["moving_range"] == pytest.approx(expected.moving_range)
        assert point["in_baseline"] is False
    expected_signals = [(s.rule, s.index) for s in whole.signals if 214 <= s.index <= 273]
    assert expected_signals, "the level shift must signal inside the stretch"
    assert [(s["rule"], s["index"]) for s in body["signals"]] == expected_signals
    assert body["signals"][0]["description"] == RULE_NAMES[body["signals"][0]["rule"]]


def test_period_after_cuts_the_start_of_the_stretch(api, viewer, fcr):
    series(fcr, 100)

    body = api(viewer).get(URL, {"period_after": "2024-03-01", "period_before": "2024-03-10"}).json()

    assert [p["period"] for p in body["points"]] == [f"2024-03-{d:02d}" for d in range(1, 11)]
    assert body["points"][0]["index"] == 60
    assert body["points_total"] == 100


@pytest.mark.parametrize(
    ("limit", "message"),
    [
        ("0", "Ensure this value is greater than or equal to 2."),
        ("1", "Ensure this value is greater than or equal to 2."),
        (str(CHART_POINTS_MAX + 1), f"Ensure this value is less than or equal to {CHART_POINTS_MAX}."),
        ("many", "A valid integer is required."),
    ],
)
def test_a_limit_out_of_range_answers_400_on_the_limit(api, viewer, fcr, limit, message):
    series(fcr, 10)

    response = api(viewer).get(URL, {"limit": limit})

    assert response.status_code == 400
    assert response.json()["fields"] == {"limit": [message]}


def test_a_period_range_the_wrong_way_round_answers_400(api, viewer, fcr):
    series(fcr, 10)

    response = api(viewer).get(URL, {"period_after": "2024-01-09", "period_before": "2024-01-02"})

    assert response.status_code == 400
    assert response.json()["fields"] == {"period_after": [MSG_CHART_RANGE]}


def test_the_answer_is_what_the_documented_serializer_writes(api, viewer, fcr):
    series(fcr, 50, sources=2)

    body = api(viewer).get(URL, {"limit": 20, "baseline_end": "2024-01-20"}).json()

    assert body == ControlChartSerializer(body).data


def test_the_chart_costs_the_same_queries_for_100_and_1000_periods(api, viewer, fcr):
    series(fcr, 100)
    few = queries_for(api(viewer), URL)
    Measurement.objects.all().delete()
    series(fcr, 1000)

    assert queries_for(api(viewer), URL) == few


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the raw baseline is PostgreSQL SQL")
def test_the_raw_baseline_writes_the_same_bytes(api, viewer, fcr):
    from bench.raw_series import raw_control_chart

    series(fcr, 400, sources=2)

    answer = api(viewer).get(URL).content

    assert orjson.loads(answer)["truncated"] is True
    assert raw_control_chart("fcr_rate") == answer


def test_the_defaults_without_parameters_are_the_query_serializers():
    from django.http import QueryDict

    from kpis.api.control_chart import CHART_DEFAULTS, ControlChartQuerySerializer

    query = ControlChartQuerySerializer(data=QueryDict())
    assert query.is_valid()
    assert dict(query.validated_data) == CHART_DEFAULTS
