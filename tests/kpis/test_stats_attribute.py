"""p, u and Laney P′ charts: the NIST/SEMATECH p-chart example, overdispersion against scipy's
beta-binomial, and which chart a KPI gets."""

import numpy as np
import pytest
from scipy import stats

from kpis.stats import attribute as at
from kpis.stats import spc

# NIST/SEMATECH e-Handbook of Statistical Methods §6.3.3.2 "Proportions Control Charts"
# (https://www.itl.nist.gov/div898/handbook/pmc/section3/pmc332.htm): 30 wafers of 50 chips,
# p̄ = 0.2313, UCL = 0.4102, LCL = 0.0524. The limits depend only on p̄ and n; the 347 misregistered
# chips (347 / 1,500 = 0.2313) are spread over the wafers here without any beyond the limits.
NIST_WAFERS = 30
NIST_CHIPS = 50
NIST_COUNTS = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 13, 10, 15, 12, 14]
NIST_COUNTS += [8, 10, 15, 12, 15, 10, 11, 13, 14, 10, 15, 11, 11, 12, 11]


def test_nist_proportions_chart_example_is_reproduced():
    assert (len(NIST_COUNTS), sum(NIST_COUNTS)) == (NIST_WAFERS, 347)

    chart = at.attribute_chart(NIST_COUNTS, [NIST_CHIPS] * NIST_WAFERS, kind=at.P_CHART)

    assert round(chart.centre, 4) == 0.2313
    assert {round(p.ucl, 4) for p in chart.points} == {0.4102}
    assert {round(p.lcl, 4) for p in chart.points} == {0.0524}
    assert [p.value for p in chart.points] == pytest.approx([c / NIST_CHIPS for c in NIST_COUNTS])


def test_limits_widen_for_small_periods_and_narrow_for_large_ones():
    counts, sizes = [10, 100, 1_000], [100, 1_000, 10_000]

    chart = at.attribute_chart(counts, sizes, kind=at.P_CHART)

    widths = [p.ucl - p.lcl for p in chart.points]
    assert widths[0] > widths[1] > widths[2]
    assert widths[0] / widths[1] == pytest.approx(np.sqrt(10))


def test_a_point_beyond_its_own_limit_signals_rule_1():
    sizes = [400] * 20
    counts = [40] * 19 + [80]

    chart = at.attribute_chart(counts, sizes, kind=at.P_CHART)

    assert spc.Signal(spc.RULE_BEYOND_3_SIGMA, 19) in chart.signals


def test_u_chart_limits_are_the_poisson_spread_per_unit():
    counts, sizes = [30, 12, 50], [10, 4, 20]

    chart = at.attribute_chart(counts, sizes, kind=at.U_CHART)

    u = sum(counts) / sum(sizes)
    assert chart.centre == pytest.approx(u)
    # 3σ of a Poisson count of mean u·n, per unit, is the upper limit's distance from the centre.
    for point, n in zip(chart.points, sizes, strict=True):
        assert point.ucl - u == pytest.approx(3 * stats.poisson(u * n).std() / n)


def test_binomial_periods_have_sigma_z_near_one():
    rng = np.random.default_rng(1)
    sizes = rng.integers(5_000, 20_000, 400)
    counts = rng.binomial(sizes, 0.3)

    assert at.overdispersion(counts, sizes) == pytest.approx(1, abs=0.1)


def test_sigma_z_of_overdispersed_periods_matches_the_beta_binomial_spread():
    """Beta-binomial periods of size n with intra-class correlation ρ have variance inflated by
    1 + (n − 1)ρ over the binomial (scipy's ``betabinom``), so σ_z should be its square root."""
    n, a, b = 2_000, 30.0, 70.0
    rho = 1 / (a + b + 1)
    inflation = stats.betabinom(n, a, b).var() / stats.binom(n, a / (a + b)).var()
    assert inflation == pytest.approx(1 + (n - 1) * rho)
    counts = stats.betabinom(n, a, b).rvs(size=600, random_state=np.random.default_rng(2))

    sigma_z = at.overdispersion(counts, [n] * 600)

    assert sigma_z == pytest.approx(np.sqrt(inflation), rel=0.1)


def test_laney_limits_are_the_p_chart_limits_widened_by_sigma_z():
    n, a, b = 2_000, 30.0, 70.0
    counts = stats.betabinom(n, a, b).rvs(size=60, random_state=np.random.default_rng(3))
    sizes = [n] * 60
    p = at.attribute_chart(counts, sizes, kind=at.P_CHART)
    laney = at.attribute_chart(counts, sizes, kind=at.LANEY_P_CHART)

    assert laney.sigma_z > 3
    for pp, lp in zip(p.points, laney.points, strict=True):
        assert lp.ucl - laney.centre == pytest.approx((pp.ucl - p.centre) * laney.sigma_z)
    # The p-chart of such periods signals all over; Laney P′ judges them against their real spread.
    assert len(p.signals) > 10 > len(laney.signals)


def test_bad_counts_are_refused():
    with pytest.raises(ValueError, match="sample size above 0"):
        at.attribute_chart([5, 60], [50, 50], kind=at.P_CHART)
    with pytest.raises(ValueError, match="sample size above 0"):
        at.attribute_chart([5, 6], [50, 0], kind=at.U_CHART)


def test_a_centre_at_zero_has_no_limits_and_says_so():
    chart = at.attribute_chart([0, 0, 0], [10, 20, 30], kind=at.P_CHART)

    assert chart.signals == [] and chart.points[0].ucl is None
    assert "binomial spread is zero" in chart.warnings[0]


@pytest.mark.parametrize(
    ("requested", "natural", "sized", "sigma_z", "chosen"),
    [
        ("auto", None, True, None, "xmr"),
        ("auto", "p", False, None, "xmr"),
        ("auto", "p", True, 1.1, "p"),
        ("auto", "p", True, 4.0, "laney_p"),
        ("auto", "u", True, 4.0, "u"),
        ("p", "p", True, 4.0, "p"),
        ("xmr", "p", True, 1.0, "xmr"),
    ],
)
def test_auto_chooses_p_u_or_laney_and_says_why(requested, natural, sized, sigma_z, chosen):
    kind, why = at.chart_choice(requested=requested, natural=natural, sized=sized, sigma_z=sigma_z)

    assert kind == chosen
    assert why


def test_the_members_of_a_signal_are_the_points_of_its_pattern():
    values = [0.0, 2.5, 0.1, 2.6, 1.5, 1.2, 1.1, 1.4, 0.5, 0.2, 0.3, 0.4, 0.6]
    found = spc.western_electric_signals(values, centre=0.0, ucl=3.0, lcl=-3.0)
    two_of_three = next(s for s in found if s.rule == spc.RULE_2_OF_3_BEYOND_2_SIGMA)
    eight = next(s for s in found if s.rule == spc.RULE_8_ON_ONE_SIDE)

    assert two_of_three.index == 3
    assert spc.signal_members(values, centre=0.0, sigma=1.0, signal=two_of_three) == [1, 3]
    assert spc.signal_members(values, centre=0.0, sigma=1.0, signal=eight) == list(
        range(eight.index - 7, eight.index + 1)
    )
