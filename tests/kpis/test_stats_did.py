"""Difference in differences against statsmodels OLS y ~ pilot * after (cluster-robust by site, or HC2)."""

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from kpis.stats.did import PERIODS_INDEPENDENT, SITE_CLUSTERED, SiteValue, difference_in_differences

CHANGE = date(2026, 6, 1)


def _rows(rng, *, pilots, controls, weeks_before=8, weeks_after=6, lift=2.0):
    rows = []
    for site in [*pilots, *controls]:
        pilot = site in pilots
        level = rng.normal(50, 5)
        for week in range(-weeks_before, weeks_after):
            day = CHANGE + timedelta(weeks=week)
            after = day >= CHANGE
            value = level + 0.3 * week + (lift if pilot and after else 0) + rng.normal(0, 1.5)
            rows.append(SiteValue(site, pilot, day, float(value)))
    return rows


def _frame(rows):
    return pd.DataFrame(
        {
            "y": [r.value for r in rows],
            "pilot": [int(r.pilot) for r in rows],
            "after": [int(r.day >= CHANGE) for r in rows],
            "site": pd.Categorical([r.site for r in rows]).codes,
        }
    )


def test_site_clustered_matches_statsmodels():
    rows = _rows(np.random.default_rng(1), pilots=["p1", "p2", "p3"], controls=["c1", "c2", "c3", "c4", "c5"])
    result = difference_in_differences(rows=rows, change_date=CHANGE)
    frame = _frame(rows)
    fit = smf.ols("y ~ pilot * after", frame).fit(cov_type="cluster", cov_kwds={"groups": frame["site"]})
    assert result.method == SITE_CLUSTERED
    assert result.effect == pytest.approx(fit.params["pilot:after"], rel=1e-10)
    assert result.standard_error == pytest.approx(fit.bse["pilot:after"], rel=1e-10)
    fit_t = smf.ols("y ~ pilot * after", frame).fit(
        cov_type="cluster", cov_kwds={"groups": frame["site"]}, use_t=True
    )
    assert result.p_value == pytest.approx(fit_t.pvalues["pilot:after"], rel=1e-8)
    assert result.ci == pytest.approx(list(fit_t.conf_int().loc["pilot:after"]), rel=1e-8)


def test_unbalanced_one_pilot_site_matches_hc2():
    rows = _rows(
        np.random.default_rng(2), pilots=["p"], controls=["c1", "c2"], weeks_before=10, weeks_after=4
    )
    rows = rows[1:]  # unbalanced
    result = difference_in_differences(rows=rows, change_date=CHANGE)
    fit = smf.ols("y ~ pilot * after", _frame(rows)).fit(cov_type="HC2")
    assert result.method == PERIODS_INDEPENDENT
    assert result.effect == pytest.approx(fit.params["pilot:after"], rel=1e-10)
    assert result.standard_error == pytest.approx(fit.bse["pilot:after"], rel=1e-10)
    assert any("independent" in w for w in result.warnings)
    low, high = result.ci
    assert low < result.effect < high


def test_missing_cell_and_short_cell_answer_without_numbers():
    rows = [SiteValue("p", True, CHANGE, 1.0), SiteValue("c", False, CHANGE, 2.0)]
    result = difference_in_differences(rows=rows, change_date=CHANGE)
    assert result.effect is None and any("pilot_before has no values" in w for w in result.warnings)
    rows += [
        SiteValue("p", True, CHANGE - timedelta(1), 1.0),
        SiteValue("c", False, CHANGE - timedelta(1), 2.0),
    ]
    result = difference_in_differences(rows=rows, change_date=CHANGE)
    assert result.effect == 0 and result.standard_error is None


def test_constant_cells_say_zero_variance():
    rows = [
        SiteValue(site, pilot, CHANGE + timedelta(days=offset), 5.0)
        for site, pilot in (("p", True), ("c", False))
        for offset in (-2, -1, 0, 1)
    ]
    result = difference_in_differences(rows=rows, change_date=CHANGE)
    assert result.standard_error is None and any("variance is 0" in w for w in result.warnings)


@pytest.mark.parametrize("scale", [1e-300, 1e-160, 1e100])
def test_float_extremes_keep_a_positive_standard_error(scale):
    base = _rows(np.random.default_rng(4), pilots=["p"], controls=["c"])
    rows = [SiteValue(r.site, r.pilot, r.day, r.value * scale) for r in base]
    result = difference_in_differences(rows=rows, change_date=CHANGE)
    assert result.standard_error is not None and result.standard_error > 0
    assert result.p_value is not None
