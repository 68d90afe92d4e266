"""Cells of the experiment results CSV: numbers in full that read back exactly, text that cannot run."""

import pytest

from improvement.selectors.experiment_export import HEADER, cell, results_csv, results_table


@pytest.mark.parametrize(
    "number", [1e-30, 5e-324, 1.7976931348623157e308, -2.5e-7, 0.1, 123456789012345680.0, -0.0]
)
def test_a_number_is_written_in_positional_notation_and_reads_back_exactly(number):
    text = cell(number)
    assert "e" not in text.lower()
    assert float(text) == number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (float("nan"), ""),
        (float("inf"), ""),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("chat", "chat"),
    ],
)
def test_other_cells(value, expected):
    assert cell(value) == expected


def test_no_read_out_is_a_header_alone():
    assert results_table(None, kpi="k") == []
    assert results_csv(None, kpi="k").splitlines() == [",".join(HEADER)]
