"""KPI charts: labels in the KPI's unit without e-notation, placed so that no two can overlap."""

import datetime as dt

import pytest

from improvement import charts, target_chart

SERIES = [(dt.date(2026, 1, day), value) for day, value in enumerate([5000, 5100, 5200, 4900, 5050], start=1)]
LIMITS = charts.ControlLimits(centre=5050, lower=4770.2, upper=5327.4)


def _annotations(**overrides) -> dict[str, dict]:
    fields = {"title": "Handle time", "unit": "seconds", "series": SERIES, "baseline": 5100, "target": 4500}
    spec = target_chart.kpi_chart(**{**fields, "limits": LIMITS, **overrides})
    return {a["text"].split()[0]: a for a in spec["layout"]["annotations"]}


def test_limit_and_line_labels_use_the_kpi_unit_and_readable_numbers():
    texts = {a["text"] for a in _annotations().values()}

    assert texts == {"Baseline 5,100 s", "Target 4,500 s", "UCL 5,330 s", "LCL 4,770 s"}


@pytest.mark.parametrize(
    ("unit", "expected"), [("percent", "UCL 5,330 %"), ("%", "UCL 5,330 %"), ("score", "UCL 5,330")]
)
def test_the_unit_may_be_given_as_its_code_or_its_label(unit, expected):
    assert _annotations(unit=unit)["UCL"]["text"] == expected


@pytest.mark.parametrize(("baseline", "target"), [(5100, 4500), (4500, 5100), (5050, 5050.5)])
def test_no_two_labels_share_a_side_and_direction(baseline, target):
    """Limits at the right, baseline and target at the left, each pair pointing away from each other,
    so even lines at the same height keep their labels apart."""
    labels = _annotations(baseline=baseline, target=target)

    corners = {(a["x"], a["yanchor"]) for a in labels.values()}
    assert len(corners) == len(labels)
    assert labels["UCL"]["x"] == labels["LCL"]["x"] == 1
    assert labels["Baseline"]["x"] == labels["Target"]["x"] == 0
    higher, lower = sorted((labels["Baseline"], labels["Target"]), key=lambda a: -a["y"])
    assert (higher["yanchor"], lower["yanchor"]) == ("bottom", "top")
    assert (labels["UCL"]["yanchor"], labels["LCL"]["yanchor"]) == ("bottom", "top")


def test_axis_and_hover_never_use_e_notation():
    spec = target_chart.kpi_chart(title="Volume", unit="count", series=SERIES, baseline=5100, target=4500)

    assert spec["layout"]["yaxis"]["exponentformat"] == "none"
    assert "%{y:,.4~r}" in spec["data"][0]["hovertemplate"]
