"""Money formulas against independent references (numpy-financial, scipy) and worked examples."""

import datetime as dt
import math
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import brentq

from improvement import roi, roi_figures, roi_portfolio

RATE = 0.08


def _summary(one_time, recurring, benefits, *, horizon=None, rate=RATE):
    return roi.summarise(
        one_time_costs=one_time,
        monthly_recurring_costs=recurring,
        monthly_benefits=benefits,
        horizon_months=horizon or len(benefits),
        annual_discount_rate=rate,
    )


def test_month_zero_is_the_investment_and_later_months_net_benefit_of_running_costs():
    summary = _summary(1000, [50, 50, 50], [200, 300, 400])
    assert summary.cash_flows == (-1000, 150, 250, 350)
    assert summary.cumulative == (-1000, -850, -600, -250)


def test_roi_is_undiscounted_net_benefit_over_total_cost():
    summary = _summary(1000, [100] * 12, [300] * 12)
    # cost 1000 + 1200 = 2200, benefit 3600: (3600 − 2200) / 2200
    assert summary.total_cost == 2200
    assert summary.total_benefit == 3600
    assert summary.roi_percent == pytest.approx(1400 / 2200 * 100, rel=1e-12)


def test_roi_is_undefined_without_cost():
    assert _summary(0, [0] * 12, [100] * 12).roi_percent is None


def test_payback_falls_exactly_on_a_month_end():
    # 1200 invested, 300 net a month: the cumulative flow reaches 0 at the end of month 4.
    assert _summary(1200, [0] * 12, [300] * 12).payback_months == 4.0


def test_payback_is_interpolated_inside_the_month():
    # After month 3, 100 of 1000 is still owed; month 4 returns 400, a quarter of which closes it.
    assert _summary(1000, [0] * 12, [300] * 12).payback_months == pytest.approx(3.25 + 1 / 12, rel=1e-12)
    assert _summary(1000, [0] * 12, [400] * 12).payback_months == pytest.approx(2.5, rel=1e-12)


def test_payback_never_happens_when_the_horizon_ends_in_the_red():
    assert _summary(10_000, [100] * 12, [500] * 12).payback_months is None


def test_payback_with_running_costs_above_benefits_is_never():
    assert _summary(0, [500] * 12, [100] * 12).payback_months is None


def test_payback_is_zero_when_nothing_was_invested_and_nothing_is_lost():
    assert _summary(0, [0] * 12, [100] * 12).payback_months == 0.0


def test_payback_is_undefined_without_any_money():
    """An initiative with no cost and no benefit has nothing to pay back: "—", not "0.0 months"."""
    assert _summary(0, [0] * 12, [0] * 12).payback_months is None


def test_payback_after_a_slow_start():
    # Benefits start in month 3: −600 at month 2, then +200 a month → 0 at the end of month 5.
    assert _summary(600, [0] * 12, [0, 0] + [200] * 10).payback_months == 5.0


def test_monthly_rate_is_the_effective_equivalent_of_the_annual_rate():
    assert (1 + roi.monthly_rate(RATE)) ** 12 == pytest.approx(1 + RATE, rel=1e-12)


@pytest.mark.parametrize(
    ("one_time", "recurring", "benefits"),
    [
        (1000, [0] * 12, [300] * 12),
        (50_000, [1_000] * 12, [0, 0, 0] + [9_000] * 9),
        (0, [0] * 12, [100] * 12),
        (2_000, [500] * 24, [400] * 24),
    ],
)
def test_npv_discounts_each_month_at_the_monthly_rate_with_month_zero_undiscounted(
    one_time, recurring, benefits
):
    summary = _summary(one_time, recurring, benefits)
    rate = (1 + RATE) ** (1 / 12) - 1
    by_hand = math.fsum(flow / (1 + rate) ** month for month, flow in enumerate(summary.cash_flows))
    assert summary.npv == pytest.approx(by_hand, rel=1e-12, abs=1e-9)
    assert summary.npv == pytest.approx(npf.npv(rate, summary.cash_flows), rel=1e-12, abs=1e-9)


def test_npv_worked_example():
    # An annual rate of 12.682503 % is 1 % a month; 100 a month for 12 months is worth
    # 100 × (1 − 1.01^−12) / 0.01 = 1125.5077 today (annuity factor).
    summary = _summary(0, [0] * 12, [100] * 12, rate=1.01**12 - 1)
    assert summary.npv == pytest.approx(1125.5077473484, rel=1e-10)


def test_irr_is_the_rate_where_npv_is_zero():
    summary = _summary(1000, [0] * 12, [120] * 12)
    root = brentq(lambda r: sum(f / (1 + r) ** t for t, f in enumerate(summary.cash_flows)), 1e-9, 1)
    assert summary.irr_monthly == pytest.approx(root, rel=1e-9)
    assert summary.irr_annual == pytest.approx((1 + root) ** 12 - 1, rel=1e-9)


def test_an_annual_irr_beyond_a_float_is_undefined_but_the_monthly_one_is_kept():
    summary = _summary(1e-20, [0] * 12, [1e7] * 12)
    assert summary.irr_monthly > 1e12
    assert summary.irr_annual is None


def test_irr_is_undefined_when_the_flows_never_change_sign():
    summary = _summary(0, [0] * 12, [100] * 12)
    assert summary.irr_monthly is None
    assert summary.irr_annual is None


def test_irr_is_undefined_when_the_root_finder_overflows():
    # Found by hypothesis: a denormal cost beside a real benefit overflows numpy's companion matrix.
    summary = _summary(0, [0] * 11 + [1.1125369292536007e-308], [0] * 10 + [2, 0])
    assert summary.irr_monthly is None
    assert summary.irr_annual is None


def test_a_short_series_is_padded_to_the_horizon():
    summary = _summary(100, [10], [50], horizon=12)
    assert len(summary.cash_flows) == 13
    assert summary.cash_flows[2:] == (0.0,) * 11


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        roi.monthly_rate(-1)
    with pytest.raises(ValueError):
        roi.summarise(
            one_time_costs=1,
            monthly_recurring_costs=[],
            monthly_benefits=[],
            horizon_months=0,
            annual_discount_rate=RATE,
        )


@pytest.mark.parametrize(
    ("start", "today", "months"),
    [
        (dt.date(2024, 1, 15), dt.date(2024, 3, 15), 2),
        (dt.date(2024, 1, 15), dt.date(2024, 3, 14), 1),
        (dt.date(2024, 1, 31), dt.date(2024, 2, 29), 0),
        (dt.date(2023, 11, 1), dt.date(2024, 2, 1), 3),
        (dt.date(2024, 5, 1), dt.date(2024, 3, 1), 0),
    ],
)
def test_months_between_counts_whole_months_only(start, today, months):
    assert roi.months_between(start, today) == months


def _worked_table():
    """Two initiatives over a 4-month horizon; the figures expected are worked out by hand below."""
    return roi_portfolio.line_table(
        # A started two whole months before today, B today.
        starts=[(10, dt.date(2024, 1, 1)), (20, dt.date(2024, 3, 1))],
        costs=[
            (10, True, 1000, 1),  # A: one-time investment
            (10, False, 50, 2),  # A: 50 a month from month 2
            (20, False, Decimal("30"), 0),  # B: a start below 1 counts from month 1
            (99, True, 5, 1),  # not one of the initiatives: ignored
        ],
        benefits=[
            (10, 200, 1, True, True),  # A: validated, hard, from month 1
            (10, 100, 3, False, False),  # A: claimed, soft, from month 3
            (20, 40, 5, True, True),  # B: starts after the horizon, validated
        ],
        valued_targets=[
            (10, 50.0, 53.0, True, 10),  # A: 3 units better × 10 = 30 a month
            (20, 10.0, 12.0, False, 5),  # B: lower is better and it rose: no benefit
            (20, 10.0, None, True, 5),  # B: not measured yet: no benefit
            (20, 10.0, 8.0, False, Decimal("2.5")),  # B: 2 units better × 2.5 = 5 a month
        ],
        horizon=4,
        today=dt.date(2024, 3, 1),
    )


def test_month_lines_of_each_initiative_worked_by_hand():
    lines = _worked_table().per_initiative()
    a, b = lines[10], lines[20]
    assert a.one_time_cost == 1000
    assert a.recurring_costs == [0, 50, 50, 50]
    # 200 from month 1, 100 more from month 3, 30 derived from the target every month.
    assert a.benefits == [230, 230, 330, 330]
    assert (a.derived_monthly_benefit, a.validated_monthly_benefit) == (30, 200)
    assert a.benefit_to_date == 230 + 230  # two months elapsed
    assert b.one_time_cost == 0
    assert b.recurring_costs == [30, 30, 30, 30]
    assert b.benefits == [5, 5, 5, 5]
    assert (b.derived_monthly_benefit, b.validated_monthly_benefit) == (5, 40)
    assert b.benefit_to_date == 0


def test_portfolio_lines_are_the_month_by_month_sum_of_the_initiatives():
    table = _worked_table()
    total = table.lines()
    assert total == table.lines([0, 1]) == table.per_initiative()[10] + table.per_initiative()[20]
    assert total.recurring_costs == [30, 80, 80, 80]
    assert total.benefits == [235, 235, 335, 335]
    assert total.benefit_to_date == 460


def test_money_of_an_initiative_against_numpy_financial():
    money = roi_figures.money_of(_worked_table().per_initiative()[10], horizon=4, annual_rate=RATE)
    flows = [-1000, 230, 180, 280, 280]
    assert money.cash_flows == flows
    assert money.total_cost == 1150
    assert money.total_benefit == 1120
    assert money.projected_12m_benefit == 1120
    assert money.npv == pytest.approx(npf.npv(roi.monthly_rate(RATE), flows), rel=1e-12)
    assert money.irr_monthly == pytest.approx(npf.irr(flows), rel=1e-9)
    # Cumulative −1000, −770, −590, −310, −30: still short at the end of the horizon.
    assert money.payback_months is None


money = st.floats(min_value=0, max_value=1e7, allow_nan=False)


@given(
    one_time=money,
    recurring=st.lists(money, min_size=12, max_size=12),
    benefits=st.lists(money, min_size=12, max_size=12),
)
def test_payback_is_where_the_cumulative_flow_turns_non_negative(one_time, recurring, benefits):
    summary = _summary(one_time, recurring, benefits)
    payback = summary.payback_months
    if payback is None:
        assert summary.cumulative[-1] < 0 or summary.total_cost == summary.total_benefit == 0
        return
    assert 0 <= payback <= 12
    month = math.ceil(payback)
    assert summary.cumulative[month] >= -1e-6 * max(1.0, one_time)
    if month > 0:
        assert summary.cumulative[month - 1] < 0


def test_benefit_split_by_evidence_adds_up_to_the_total_benefit():
    lines = _worked_table().per_initiative()
    a, b = lines[10].split, lines[20].split
    # A: 200 validated hard × 4 months, 100 claimed soft × months 3–4, 30 derived × 4 months.
    assert a == roi_figures.BenefitSplit(validated_hard=800, claimed_soft=200, derived=120)
    assert (a.validated, a.claimed, a.hard, a.soft, a.total) == (800, 200, 800, 200, 1120)
    assert a.total == sum(lines[10].benefits)
    # B's validated line starts after the horizon: only the derived 5 a month counts.
    assert b == roi_figures.BenefitSplit(derived=20)
    assert _worked_table().lines().split == a + b


def _ranking_rows(data, n):
    horizon = data.draw(st.integers(min_value=1, max_value=14))
    amounts = st.floats(min_value=0, max_value=1e6, allow_nan=False)
    pk = st.integers(min_value=0, max_value=n - 1)
    month = st.integers(min_value=1, max_value=16)
    costs = data.draw(st.lists(st.tuples(pk, st.booleans(), amounts, month), max_size=8))
    benefits = data.draw(st.lists(st.tuples(pk, amounts, month, st.booleans(), st.booleans()), max_size=8))
    return horizon, costs, benefits


@given(data=st.data())
def test_ranking_figures_equal_each_initiatives_money(data):
    n = 4
    horizon, costs, benefits = _ranking_rows(data, n)
    table = roi_portfolio.line_table(
        starts=[(pk, dt.date(2024, 1, 1)) for pk in range(n)],
        costs=costs,
        benefits=benefits,
        valued_targets=[],
        horizon=horizon,
        today=dt.date(2024, 6, 1),
    )
    ranked = roi_portfolio.ranking(table, horizon=horizon, annual_rate=RATE)
    for row in table.index.values():
        money = roi_figures.money_of(table.lines(row), horizon=horizon, annual_rate=RATE)
        assert ranked.total_cost[row] == pytest.approx(money.total_cost, rel=1e-9, abs=1e-6)
        assert ranked.net_benefit[row] == pytest.approx(money.net_benefit, rel=1e-9, abs=1e-6)
        assert ranked.npv[row] == pytest.approx(money.npv, rel=1e-9, abs=1e-6)
        undefined_when_none = (
            (ranked.roi_percent, money.roi_percent),
            (ranked.payback_months, money.payback_months),
        )
        for vector, scalar in undefined_when_none:
            if scalar is None:
                assert math.isnan(vector[row])
            else:
                assert vector[row] == pytest.approx(scalar, rel=1e-9, abs=1e-9)


def test_ranking_of_the_worked_example():
    """1 200 invested, 300 a month: payback exactly 4 months, ROI 200 % (docs/money.md)."""
    table = roi_portfolio.line_table(
        starts=[(1, dt.date(2024, 1, 1)), (2, dt.date(2024, 1, 1))],
        costs=[(1, True, 1200, 1)],
        benefits=[(1, 300, 1, False, True)],
        valued_targets=[],
        horizon=12,
        today=dt.date(2024, 1, 1),
    )
    ranked = roi_portfolio.ranking(table, horizon=12, annual_rate=RATE)
    assert ranked.payback_months[0] == 4.0
    assert ranked.roi_percent[0] == pytest.approx(200)
    assert ranked.npv[0] == pytest.approx(npf.npv(roi.monthly_rate(RATE), [-1200] + [300] * 12))
    # The second initiative has no money: no ROI, no payback.
    assert math.isnan(ranked.roi_percent[1]) and math.isnan(ranked.payback_months[1])


ROW_MONEY_FIGURES = (
    "total_cost", "total_benefit", "benefit_to_date", "projected_12m_benefit", "roi_percent",
    "payback_months", "npv", "net_benefit",
)  # fmt: skip


@given(data=st.data())
def test_row_money_is_each_initiatives_money_bit_for_bit(data):
    """The export's figures are those of ``money_of``, to the last bit: the CSV keeps its bytes."""
    n = 4
    horizon, costs, benefits = _ranking_rows(data, n)
    signed = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
    pk = st.integers(min_value=0, max_value=n - 1)
    target = st.tuples(pk, signed, signed | st.none(), st.booleans(), signed)
    targets = data.draw(st.lists(target, max_size=4))
    table = roi_portfolio.line_table(
        starts=[(pk, dt.date(2024, m, 1)) for pk, m in zip(range(n), (1, 3, 5, 6), strict=True)],
        costs=costs,
        benefits=benefits,
        valued_targets=targets,
        horizon=horizon,
        today=dt.date(2024, 6, 1),
    )
    rows = roi_portfolio.row_money(table, annual_rate=RATE)
    for row in table.index.values():
        money = roi_figures.money_of(table.lines(row), horizon=horizon, annual_rate=RATE)
        for figure in ROW_MONEY_FIGURES:
            assert repr(getattr(rows[row], figure)) == repr(getattr(money, figure)), figure
        for part in ("validated", "claimed", "hard", "soft", "derived"):
            assert repr(getattr(rows[row], part)) == repr(getattr(money.split, part)), part


def test_row_money_of_the_worked_example_against_numpy_financial():
    table = roi_portfolio.line_table(
        starts=[(1, dt.date(2024, 1, 1)), (2, dt.date(2024, 1, 1))],
        costs=[(1, True, 1000, 1)],
        benefits=[(1, 300, 1, True, True)],
        valued_targets=[],
        horizon=12,
        today=dt.date(2024, 4, 1),
    )
    paid, empty = roi_portfolio.row_money(table, annual_rate=RATE)
    assert paid.payback_months == pytest.approx(3 + 100 / 300)
    assert paid.npv == npf.npv(roi.monthly_rate(RATE), [-1000] + [300] * 12)
    assert (paid.roi_percent, paid.benefit_to_date, paid.validated) == (260.0, 900.0, 3600.0)
    assert (empty.roi_percent, empty.payback_months, empty.npv) == (None, None, 0.0)
