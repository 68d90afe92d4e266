"""The money figures of an initiative or the portfolio: month lines, benefit by evidence, and the
figures over the ROI horizon (``money_of``). Pure: no Django.

The formulas themselves (cash flows, ROI, payback, NPV, IRR) are ``roi``'s; docs/money.md writes
them out.
"""

from dataclasses import dataclass

from improvement.roi import MONTHS_PER_YEAR, PAYBACK_STATUSES, payback_status, summarise
from improvement.words import gettext as _


@dataclass(frozen=True)
class BenefitSplit:
    """The benefit over the horizon by evidence: validated by finance or only claimed, hard or soft,
    and derived from measured KPI improvement (neither validated nor claimed). The five add up to
    the total benefit."""

    validated_hard: float = 0.0
    validated_soft: float = 0.0
    claimed_hard: float = 0.0
    claimed_soft: float = 0.0
    derived: float = 0.0

    @property
    def validated(self) -> float:
        return self.validated_hard + self.validated_soft

    @property
    def claimed(self) -> float:
        return self.claimed_hard + self.claimed_soft

    @property
    def not_validated(self) -> float:
        """Claimed lines and KPI-derived benefit: what finance has not confirmed."""
        return self.claimed + self.derived

    @property
    def hard(self) -> float:
        return self.validated_hard + self.claimed_hard

    @property
    def soft(self) -> float:
        return self.validated_soft + self.claimed_soft

    @property
    def total(self) -> float:
        return self.validated + self.claimed + self.derived

    def __add__(self, other: "BenefitSplit") -> "BenefitSplit":
        return BenefitSplit(*(getattr(self, f) + getattr(other, f) for f in BENEFIT_SPLIT_FIELDS))


BENEFIT_SPLIT_FIELDS = ("validated_hard", "validated_soft", "claimed_hard", "claimed_soft", "derived")


@dataclass(frozen=True)
class MoneyLines:
    """Month-by-month amounts over the horizon (index 0 = month 1)."""

    one_time_cost: float
    recurring_costs: list[float]
    benefits: list[float]
    derived_monthly_benefit: float
    validated_monthly_benefit: float
    benefit_to_date: float
    split: BenefitSplit = BenefitSplit()
    # A month's benefit were every valued KPI target met: Σ (target − baseline, the good way) × unit value.
    target_monthly_benefit: float = 0.0
    # The benefit over the horizon forecast when the initiative entered Do (0: no forecast locked).
    forecast_benefit: float = 0.0

    def __add__(self, other: "MoneyLines") -> "MoneyLines":
        return MoneyLines(
            one_time_cost=self.one_time_cost + other.one_time_cost,
            recurring_costs=[a + b for a, b in zip(self.recurring_costs, other.recurring_costs, strict=True)],
            benefits=[a + b for a, b in zip(self.benefits, other.benefits, strict=True)],
            derived_monthly_benefit=self.derived_monthly_benefit + other.derived_monthly_benefit,
            validated_monthly_benefit=self.validated_monthly_benefit + other.validated_monthly_benefit,
            benefit_to_date=self.benefit_to_date + other.benefit_to_date,
            split=self.split + other.split,
            target_monthly_benefit=self.target_monthly_benefit + other.target_monthly_benefit,
            forecast_benefit=self.forecast_benefit + other.forecast_benefit,
        )


@dataclass(frozen=True)
class Money:
    """An initiative's (or the portfolio's) money over the ROI horizon; see docs/money.md."""

    lines: MoneyLines
    horizon_months: int
    total_cost: float
    total_benefit: float
    projected_12m_benefit: float
    cash_flows: list[float]
    cumulative: list[float]
    roi_percent: float | None
    payback_months: float | None
    npv: float
    irr_monthly: float | None
    irr_annual: float | None
    discounted_payback_months: float | None = None
    # The payback target the figures are judged against (months); ``None``: none set.
    payback_target_months: float | None = None
    # The annual discount rate of the NPV and the discounted payback.
    discount_rate: float | None = None

    @property
    def payback_status(self) -> str | None:
        return payback_status(
            self.payback_months, target=self.payback_target_months, has_benefit=self.has_benefit
        )

    @property
    def payback_status_label(self) -> str:
        label = PAYBACK_STATUSES.get(self.payback_status or "", "")
        return _(label) if label else ""

    @property
    def irr_monthly_percent(self) -> float | None:
        return None if self.irr_monthly is None else self.irr_monthly * 100

    @property
    def irr_annual_percent(self) -> float | None:
        return None if self.irr_annual is None else self.irr_annual * 100

    @property
    def one_time_cost(self) -> float:
        return self.lines.one_time_cost

    @property
    def benefit_to_date(self) -> float:
        return self.lines.benefit_to_date

    @property
    def split(self) -> BenefitSplit:
        return self.lines.split

    @property
    def net_benefit(self) -> float:
        return self.total_benefit - self.total_cost

    @property
    def target_benefit(self) -> float:
        """The benefit over the horizon were every valued KPI target met, every month."""
        return self.lines.target_monthly_benefit * self.horizon_months

    @property
    def forecast_benefit(self) -> float:
        return self.lines.forecast_benefit

    @property
    def actual_benefit(self) -> float:
        """The benefit measured: KPI improvement × unit value over the horizon."""
        return self.split.derived

    @property
    def has_money(self) -> bool:
        """Whether any cost or benefit was recorded (or derived): otherwise every figure is moot."""
        return self.total_cost != 0 or self.total_benefit != 0

    @property
    def has_benefit(self) -> bool:
        """Whether any benefit was recorded (or derived): without one there is no payback yet."""
        return self.total_benefit > 0


def money_of(
    lines: MoneyLines, *, horizon: int, annual_rate: float, payback_target: float | None = None
) -> Money:
    """The figures the money panels show for ``lines`` (see ``summarise``), judged against a
    payback target of ``payback_target`` months."""
    summary = summarise(
        one_time_costs=lines.one_time_cost,
        monthly_recurring_costs=lines.recurring_costs,
        monthly_benefits=lines.benefits,
        horizon_months=horizon,
        annual_discount_rate=annual_rate,
    )
    return Money(
        lines=lines,
        horizon_months=horizon,
        total_cost=summary.total_cost,
        total_benefit=summary.total_benefit,
        projected_12m_benefit=sum(lines.benefits[:MONTHS_PER_YEAR]),
        cash_flows=list(summary.cash_flows),
        cumulative=list(summary.cumulative),
        roi_percent=summary.roi_percent,
        payback_months=summary.payback_months,
        npv=summary.npv,
        irr_monthly=summary.irr_monthly,
        irr_annual=summary.irr_annual,
        discounted_payback_months=summary.discounted_payback_months,
        payback_target_months=payback_target,
        discount_rate=annual_rate,
    )
