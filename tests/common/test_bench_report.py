"""The bench report: an xlarge run shows its own figures beside the large run's, and the paged
reads' growth against the 1.3 bound."""

from bench.report import markdown


def _size(**medians):
    return {"cases": {name: {"median_ms": ms, "p95_ms": ms * 1.2} for name, ms in medians.items()}}


def _report(sizes):
    machine = {"cpus": 2, "cpu": "x", "memory_gb": 24, "python": "3.11", "postgresql": "15"}
    return {"machine": machine, "sizes": sizes}


def test_an_xlarge_run_shows_its_figures_and_the_growth_over_large():
    report = _report(
        {
            "large": _size(api_initiatives_list=10.0, api_initiatives_full_sync=1000.0, page_board=50.0),
            "xlarge": _size(api_initiatives_list=12.0, api_initiatives_full_sync=10500.0, page_board=80.0),
        }
    )
    text = markdown(report)
    header = next(line for line in text.splitlines() if line.startswith("| case |"))
    assert "xlarge median" in header and "xlarge ÷ large" in header
    rows = {
        line.split("|")[1].strip(): line
        for line in text.splitlines()
        if line.startswith(("| api_", "| page_"))
    }
    assert "12.0" in rows["api_initiatives_list"] and "1.20 (≤ 1.3 met)" in rows["api_initiatives_list"]
    assert "1.60 (≤ 1.3 MISSED)" in rows["page_board"]
    # A walk of every row grows with the rows by design: its ratio is shown without a verdict.
    assert "10.50 |" in rows["api_initiatives_full_sync"] and "≤ 1.3" not in rows["api_initiatives_full_sync"]


def test_the_large_figures_of_an_earlier_run_are_named_as_such():
    report = _report({"large": _size(api_initiatives_list=10.0), "xlarge": _size(api_initiatives_list=11.0)})
    report["large_from"] = "2026-12-04T10:00:00+00:00"
    assert "large: the run of 2026-12-04T10:00:00+00:00" in markdown(report)


def test_without_a_large_run_an_xlarge_report_still_lists_its_figures():
    text = markdown(_report({"xlarge": _size(api_portfolio_summary=4.0)}))
    assert "| api_portfolio_summary | 4.0 | 4.8 |" in text
    assert "÷ large" not in text
