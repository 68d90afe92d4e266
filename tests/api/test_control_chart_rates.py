"""Rates charted as rates (p, u, Laney P′), limits per phase, and what each signal is made of."""

import datetime as dt

import numpy as np
import orjson
import pytest
from django.db import connection

from kpis.control_chart import MSG_CHART_SIZES
from kpis.models import ChartType, Kpi, Measurement, PhaseBreak
from kpis.stats import attribute
from kpis.stats.spc import RULE_8_ON_ONE_SIDE, xmr_chart

START = dt.date(2025, 1, 1)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def url(code: str, query: str = "") -> str:
    return f"/api/v1/kpis/{code}/control-chart/{query}"


def store(code: str, values, sizes=None, counts=None, extra=None) -> Kpi:
    kpi = Kpi.objects.get(code=code)
    rows = []
    for n, value in enumerate(values):
        rows.append(
            Measurement(
                kpi=kpi,
                period=day(n),
                value=value,
                sample_size=None if sizes is None or sizes[n] is None else int(sizes[n]),
                numerator=None if counts is None else int(counts[n]),
                **(extra or {}).get(n, {}),
            )
        )
    Measurement.objects.bulk_create(rows)
    return kpi


def test_a_rate_with_contacts_is_a_p_chart_with_limits_per_period(api, viewer, conforms):
    rng = np.random.default_rng(4)
    sizes = rng.integers(200, 2_000, 60)
    counts = rng.binomial(sizes, 0.7)
    store("fcr_rate", 100 * counts / sizes, sizes, counts)

    response = api(viewer).get(url("fcr_rate"))

    conforms(response, "GET /api/v1/kpis/{code}/control-chart/")
    body = response.json()
    assert body["chart_type"] == "p"
    assert "rate with a sample size" in body["chart_reason"]
    p_bar = counts.sum() / sizes.sum()
    assert body["limits"]["centre"] == pytest.approx(100 * p_bar)
    for point, n in zip(body["points"], sizes, strict=True):
        half = 300 * np.sqrt(p_bar * (1 - p_bar) / n)
        assert (point["ucl"], point["lcl"]) == pytest.approx((100 * p_bar + half, 100 * p_bar - half))
        assert point["sample_size"] == n
    assert body["points"][0]["value"] == pytest.approx(100 * counts[0] / sizes[0])


def test_very_large_overdispersed_periods_get_laney_and_the_user_can_switch_back(api, viewer):
    from scipy import stats

    n = 50_000
    counts = stats.betabinom(n, 60, 40).rvs(size=90, random_state=np.random.default_rng(5))
    store("csat", 100 * counts / n, [n] * 90, counts)

    auto = api(viewer).get(url("csat")).json()
    forced = api(viewer).get(url("csat", "?chart=p")).json()

    assert auto["chart_type"] == "laney_p"
    assert "σ_z" in auto["chart_reason"] and "too tight" in auto["chart_reason"]
    assert auto["limits"]["sigma_z"] > attribute.LANEY_SIGMA_Z_THRESHOLD
    assert forced["chart_type"] == "p"
    assert len(forced["signals"]) > len(auto["signals"])


def test_the_kpi_chart_type_is_the_default(api, viewer):
    kpi = store("fcr_rate", [70, 72, 71, 69, 73], [100] * 5, [70, 72, 71, 69, 73])
    kpi.chart_type = ChartType.XMR
    kpi.save(update_fields=["chart_type"])

    body = api(viewer).get(url("fcr_rate")).json()

    assert (body["chart_type"], body["chart_reason"]) == ("xmr", attribute.WHY_SET)


def test_a_rate_without_sample_sizes_stays_xmr_and_asking_for_p_is_a_clear_400(api, viewer):
    store("fcr_rate", [70.0, 72.0, 71.0, 69.0])

    auto = api(viewer).get(url("fcr_rate")).json()
    refused = api(viewer).get(url("fcr_rate", "?chart=p"))

    assert (auto["chart_type"], auto["chart_reason"]) == ("xmr", attribute.WHY_NO_SIZES)
    assert refused.status_code == 400
    message = MSG_CHART_SIZES.format(kind="p", detail=f"{day(0)} has none.")
    assert message in str(refused.json())


def test_limits_are_computed_per_phase_and_the_top_level_describes_the_latest(api, viewer):
    rng = np.random.default_rng(6)
    values = np.concatenate([rng.normal(30, 2, 40), rng.normal(20, 1, 30)])
    kpi = store("first_response_time", values)
    PhaseBreak.objects.create(kpi=kpi, starts=day(40), label="New routing")

    body = api(viewer).get(url("first_response_time")).json()

    before, after = xmr_chart(values[:40]), xmr_chart(values[40:])
    assert [p["label"] for p in body["phases"]] == ["Before the first change", "New routing"]
    assert body["phases"][1]["starts"] == day(40).isoformat()
    assert body["phases"][0]["limits"]["ucl"] == pytest.approx(before.ucl)
    assert body["phases"][1]["limits"]["ucl"] == pytest.approx(after.ucl)
    assert body["limits"] == body["phases"][1]["limits"]
    assert {p["phase"] for p in body["points"][:40]} == {0}
    # The first point of a phase has no moving range across the break.
    assert body["points"][40]["moving_range"] is None
    assert body["phases"][1]["first_index"] == 40


def test_each_signal_lists_the_points_that_make_it_up(api, viewer):
    values = [10.0, 12.0, 9.0, 11.0, 10.5, 9.5, 10.0, 11.5, 9.0, 10.0] + [16.0] * 3 + [12.0] * 6
    store("first_response_time", values)

    body = api(viewer).get(url("first_response_time", "?baseline_end=" + day(9).isoformat())).json()

    run = next(s for s in body["signals"] if s["rule"] == RULE_8_ON_ONE_SIDE)
    assert run["points"] == list(range(run["index"] - 7, run["index"] + 1))
    beyond = next(s for s in body["signals"] if s["rule"] == 1)
    assert beyond["points"] == [beyond["index"]]


def test_moving_ranges_beyond_their_limit_are_named(api, viewer):
    values = [10.0, 10.5, 9.8, 10.2, 10.1, 9.9, 10.3, 25.0, 10.0, 10.2]
    store("first_response_time", values)

    body = api(viewer).get(url("first_response_time", "?baseline_end=" + day(6).isoformat())).json()

    assert body["moving_range_beyond"] == [7, 8]


def test_points_carry_their_note_and_assignable_cause(api, viewer):
    store(
        "first_response_time",
        [10.0, 11.0, 30.0],
        extra={2: {"note": "Storm outage", "assignable_cause": "Telephony provider down"}},
    )

    body = api(viewer).get(url("first_response_time")).json()

    assert body["points"][2]["note"] == "Storm outage"
    assert body["points"][2]["assignable_cause"] == "Telephony provider down"
    assert body["points"][0]["note"] == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the raw baseline is PostgreSQL SQL")
def test_the_raw_baseline_writes_the_same_bytes_for_a_p_chart(api, viewer):
    from bench.raw_series import raw_control_chart

    rng = np.random.default_rng(7)
    sizes = rng.integers(200, 2_000, 400)
    counts = rng.binomial(sizes, 0.7)
    store("fcr_rate", 100 * counts / sizes, sizes, counts)

    answer = api(viewer).get(url("fcr_rate")).content

    assert orjson.loads(answer)["chart_type"] == "p"
    assert raw_control_chart("fcr_rate") == answer


def test_auto_never_refuses_when_an_earlier_phase_has_no_sample_sizes(api, viewer):
    kpi = store("fcr_rate", [70.0] * 10 + [71.0, 72.0, 70.0, 69.0, 73.0], [None] * 10 + [100] * 5)
    PhaseBreak.objects.create(kpi=kpi, starts=day(10), label="Counts from now on")

    response = api(viewer).get(url("fcr_rate"))

    assert response.status_code == 200
    assert (response.json()["chart_type"], response.json()["chart_reason"]) == ("xmr", attribute.WHY_NO_SIZES)


def test_on_a_day_with_both_the_segments_own_break_names_the_phase(api, viewer):
    rng = np.random.default_rng(8)
    kpi = Kpi.objects.get(code="first_response_time")
    Measurement.objects.bulk_create(
        Measurement(kpi=kpi, segment="chat", period=day(n), value=float(value))
        for n, value in enumerate(rng.normal(30, 2, 40))
    )
    # The every-segment break's label sorts last, as text: the segment's own must still win.
    PhaseBreak.objects.create(kpi=kpi, segment="", starts=day(20), label="Zeta rollout")
    PhaseBreak.objects.create(kpi=kpi, segment="chat", starts=day(20), label="Alpha chat bot")
    PhaseBreak.objects.create(kpi=kpi, segment="", starts=day(30), label="Same name")
    PhaseBreak.objects.create(kpi=kpi, segment="chat", starts=day(30), label="Same name")

    body = api(viewer).get(url("first_response_time", "?segment=chat")).json()

    assert [p["label"] for p in body["phases"]] == ["Before the first change", "Alpha chat bot", "Same name"]
    assert [p["starts"] for p in body["phases"][1:]] == [day(20).isoformat(), day(30).isoformat()]
