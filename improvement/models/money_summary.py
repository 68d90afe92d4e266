"""Each initiative's money, kept up to date on every write that changes it (docs/money.md).

``InitiativeMoney`` holds the figures of ``roi_figures.money_of`` for one initiative, IRR included, and the
sums the roll-ups add up; ``InitiativeMoneyMonth`` its month-by-month lines, so a portfolio or a
team adds its month lines up in SQL. Rows are written by ``services.money_summaries`` only.
"""

from django.db import models


class InitiativeMoney(models.Model):
    initiative = models.OneToOneField(
        "improvement.Initiative", on_delete=models.CASCADE, primary_key=True, related_name="money_summary"
    )
    # The settings the row was computed with: a row computed with others is out of date. The sums
    # and month lines the roll-ups add up are over the organisation's horizon; the figures from
    # ``total_cost`` to ``irr_annual`` are the initiative's own, over the horizon and at the rate
    # below (null: the organisation's), which the initiative may set for itself.
    horizon_months = models.PositiveSmallIntegerField()
    discount_rate = models.FloatField()
    initiative_horizon_months = models.PositiveSmallIntegerField(null=True)
    initiative_discount_rate = models.FloatField(null=True)
    start_date = models.DateField()
    one_time_cost = models.FloatField()
    derived_monthly_benefit = models.FloatField()
    validated_monthly_benefit = models.FloatField()
    # The benefit over the horizon by evidence (roi_figures.BenefitSplit).
    validated_hard = models.FloatField()
    validated_soft = models.FloatField()
    claimed_hard = models.FloatField()
    claimed_soft = models.FloatField()
    derived = models.FloatField()
    # A month's benefit were the valued KPI targets met; the benefit forecast on entering Do.
    target_monthly_benefit = models.FloatField(default=0.0)
    forecast_benefit = models.FloatField(default=0.0)
    total_cost = models.FloatField()
    total_benefit = models.FloatField()
    projected_12m_benefit = models.FloatField()
    roi_percent = models.FloatField(null=True)
    payback_months = models.FloatField(null=True)
    discounted_payback_months = models.FloatField(null=True)
    npv = models.FloatField()
    irr_monthly = models.FloatField(null=True)
    irr_annual = models.FloatField(null=True)
    computed_at = models.DateTimeField(auto_now=True)
    # Where the roll-up last counted the initiative: when one of these changes on the initiative,
    # the roll-up rows of the old and the new (team, category) are counted again.
    team_id_counted = models.BigIntegerField()
    category_counted = models.CharField(max_length=30)
    stage_counted = models.CharField(max_length=10)
    health_counted = models.CharField(max_length=20)
    status_counted = models.CharField(max_length=20)
    archived_counted = models.BooleanField()

    class Meta:
        indexes = [
            # The few summaries with a horizon or rate of the initiative's own, which the money
            # table's ranking computes apart (selectors/money_ranking.py): found without reading
            # every summary.
            models.Index(
                fields=["initiative"],
                condition=models.Q(initiative_horizon_months__isnull=False)
                | models.Q(initiative_discount_rate__isnull=False),
                name="initiative_money_own_settings",
            ),
        ]

    def __str__(self) -> str:
        return f"money of initiative {self.initiative_id}"


class InitiativeMoneyMonth(models.Model):
    """Month ``month`` (1…horizon) of an initiative's lines, and the day that month is complete."""

    initiative = models.ForeignKey(
        "improvement.Initiative", on_delete=models.CASCADE, related_name="money_months"
    )
    month = models.PositiveSmallIntegerField()
    recurring_cost = models.FloatField()
    benefit = models.FloatField()
    # The first day on which ``roi.months_between(start, day) >= month``: the month counts as
    # "benefit to date" from that day on.
    complete_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "month"], name="initiative_money_month_unique")
        ]

    def __str__(self) -> str:
        return f"money of initiative {self.initiative_id}, month {self.month}"


class PortfolioRollup(models.Model):
    """The portfolio roll-up of one (team, category): its initiatives that count (not archived,
    not abandoned) added up. Kept on write with the summaries; the benefit to date is as of
    ``as_of`` and counted again on the first read of a later day."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=30)
    horizon_months = models.PositiveSmallIntegerField()
    discount_rate = models.FloatField()
    as_of = models.DateField()
    initiatives = models.PositiveIntegerField()
    # {"status": {value: n}, "stage": {value: n}, "health": {value: n}}; stage and health of
    # active initiatives only, as the roll-up shows them.
    counts = models.JSONField()
    one_time_cost = models.FloatField()
    derived_monthly_benefit = models.FloatField()
    validated_monthly_benefit = models.FloatField()
    validated_hard = models.FloatField()
    validated_soft = models.FloatField()
    claimed_hard = models.FloatField()
    claimed_soft = models.FloatField()
    derived = models.FloatField()
    target_monthly_benefit = models.FloatField(default=0.0)
    forecast_benefit = models.FloatField(default=0.0)
    recurring_costs = models.JSONField()  # month 1…horizon
    benefits = models.JSONField()
    benefit_to_date = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "category"], name="portfolio_rollup_unique")]

    def __str__(self) -> str:
        return f"portfolio roll-up of team {self.team_id}, {self.category}"
