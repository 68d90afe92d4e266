"""The ROI range: an initiative's money at the low end, point estimate and high end of an
experiment's interval. Pure: no Django. The formulas are in docs/money.md ("ROI range").

The experiment's absolute effect on its primary KPI and the ends of its interval are turned into
a gain in the KPI's good direction (a lower-is-better KPI gains when the effect is negative), in
KPI units (a proportion's effect is a fraction; on a KPI measured in percent it is ×100, in
percentage points), times the KPI target's unit value per month: a monthly benefit at each end.
Each monthly benefit, counted in every month of the horizon, goes with the initiative's costs
through ``roi_figures.money_of``, the same figures as every money panel.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from improvement import roi_figures
from improvement.words import gettext as _

PERCENT_PER_FRACTION = 100.0


@dataclass(frozen=True)
class RangeEnd:
    """The money at one end of the range."""

    monthly_benefit: float
    roi_percent: float | None
    payback_months: float | None
    npv: float


@dataclass(frozen=True)
class RoiRange:
    low: RangeEnd
    point: RangeEnd
    high: RangeEnd
    horizon_months: int
    discount_rate: float
    # The interval's confidence (1 − α) and where it came from, for the page's caption.
    confidence: float
    experiment_id: int
    experiment_name: str
    kpi_name: str

    @property
    def ends(self) -> tuple[RangeEnd, RangeEnd, RangeEnd]:
        return self.low, self.point, self.high

    @property
    def rows(self) -> list[tuple[str, RangeEnd]]:
        return [(_("Low end"), self.low), (_("Point estimate"), self.point), (_("High end"), self.high)]

    @property
    def confidence_percent(self) -> float:
        return self.confidence * 100

    @property
    def discount_rate_percent(self) -> float:
        return self.discount_rate * 100

    @property
    def payback_text(self) -> str:
        """ "3.1–5.8 months": the high end pays back first, the low end last (or not within the
        horizon)."""
        fast, slow = self.high.payback_months, self.low.payback_months
        horizon = self.horizon_months
        if fast is None:
            return _("not within {horizon} months").format(horizon=horizon)
        if slow is None:
            return _("{fast} months to not within {horizon} months").format(
                fast=f"{fast:.1f}", horizon=horizon
            )
        if f"{fast:.1f}" == f"{slow:.1f}":
            return _("{months} months").format(months=f"{fast:.1f}")
        return _("{fast}–{slow} months").format(fast=f"{fast:.1f}", slow=f"{slow:.1f}")


def monthly_gains(
    *, effect: float, interval: Sequence[float], higher_is_better: bool, scale: float = 1.0
) -> tuple[float, float, float]:
    """(low, point, high) gain in the KPI's good direction, in KPI units: the effect and the ends
    of its interval times ``scale``, negated for a lower-is-better KPI, low ≤ point ≤ high."""
    sign = 1.0 if higher_is_better else -1.0
    ends = sorted(sign * scale * float(value) for value in interval)
    return ends[0], sign * scale * float(effect), ends[-1]


def roi_range(
    *,
    gains: tuple[float, float, float],
    unit_value_per_month: float,
    one_time_cost: float,
    recurring_costs: Sequence[float],
    horizon: int,
    annual_rate: float,
    confidence: float,
    experiment_id: int,
    experiment_name: str,
    kpi_name: str,
) -> RoiRange:
    """The range of ``gains`` (``monthly_gains``) valued at ``unit_value_per_month``, with the
    initiative's one-time cost and recurring cost month lines (month 1 first)."""
    recurring = list(recurring_costs)[:horizon]
    recurring += [0.0] * (horizon - len(recurring))

    def end(gain: float) -> RangeEnd:
        benefit = gain * unit_value_per_month
        money = roi_figures.money_of(
            roi_figures.MoneyLines(
                one_time_cost=one_time_cost,
                recurring_costs=recurring,
                benefits=[benefit] * horizon,
                derived_monthly_benefit=0.0,
                validated_monthly_benefit=0.0,
                benefit_to_date=0.0,
            ),
            horizon=horizon,
            annual_rate=annual_rate,
        )
        return RangeEnd(
            monthly_benefit=benefit,
            roi_percent=money.roi_percent,
            payback_months=money.payback_months,
            npv=money.npv,
        )

    low, point, high = gains
    return RoiRange(
        low=end(low),
        point=end(point),
        high=end(high),
        horizon_months=horizon,
        discount_rate=annual_rate,
        confidence=confidence,
        experiment_id=experiment_id,
        experiment_name=experiment_name,
        kpi_name=kpi_name,
    )
