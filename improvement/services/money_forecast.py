"""The money forecast of an initiative, locked when it enters Do (docs/money.md).

The forecast is what the initiative's money looked like on the day it moved from Plan to Do — its
benefit lines, costs and KPI-derived benefit — kept for the cycle and never changed afterwards:
the portfolio compares it with the target (what meeting the valued KPI targets would be worth)
and the actual (what the measured KPI change is worth).
"""

from django.utils import timezone

from accounts.models import User
from improvement.models import Initiative, MoneyForecast, StageTransition
from improvement.selectors.money import initiative_money
from improvement.services.money_summaries import money_summaries_refresh


def money_forecast_lock(
    *, actor: User, initiative: Initiative, transition: StageTransition | None = None
) -> MoneyForecast:
    """Lock the forecast of ``initiative``'s current cycle, unless one is locked already (a step
    back to Do and forward again keeps the first). Called by the stage move, in its transaction:
    the caller holds the initiative's row lock."""
    existing = MoneyForecast.objects.filter(initiative=initiative, cycle=initiative.cycle).first()
    if existing is not None:
        return existing
    money = initiative_money(initiative=initiative)
    split = money.split
    forecast = MoneyForecast.objects.create(
        initiative=initiative,
        cycle=initiative.cycle,
        transition=transition,
        locked_at=timezone.now(),
        locked_by=actor,
        horizon_months=money.horizon_months,
        discount_rate=money.discount_rate,
        total_cost=money.total_cost,
        total_benefit=money.total_benefit,
        benefit_hard=split.hard,
        benefit_soft=split.soft,
        benefit_from_kpis=split.derived,
        roi_percent=money.roi_percent,
        payback_months=money.payback_months,
        npv=money.npv,
        monthly_benefits=list(money.lines.benefits),
    )
    money_summaries_refresh(initiative_ids=[initiative.pk])
    return forecast
