"""The money table's ranking and the portfolio's money, from the summaries kept on write.

``money.portfolio_ranking`` computes both from the money rows themselves (four queries over every
cost, benefit line, valued target and forecast, then the month arithmetic per initiative): the
reference these are tested against, and what the CSV export still builds, since it shows figures a
summary does not keep. Here an initiative's figures are read from its ``InitiativeMoney`` row: one
query for the whole portfolio, which also reads the sums the portfolio's money adds up; the month
lines of that money are one more query, grouped by month.

The figures ranked are over the organisation's horizon at its discount rate. A summary keeps an
initiative's headline figures over its *own* horizon and rate: for the few initiatives that set
either, the figures are computed from the summary's month lines, which are the organisation's.
"""

import datetime as dt

import numpy as np
from django.conf import settings
from django.db.models import Case, F, FloatField, QuerySet, Sum, Value, When
from django.utils import timezone

from improvement import roi_portfolio
from improvement.models import Initiative, InitiativeMoneyMonth
from improvement.selectors.money import (
    DEFAULT_MONEY_SORT,
    MONEY_SORTS,
    PortfolioRanking,
    RankedInitiative,
    ranked_rows,
)
from improvement.selectors.portfolio_rollup import SUMMED_FIELDS, heal_money_summaries, summed_money

_FIGURES = (
    "money_summary__total_cost",
    "money_summary__total_benefit",
    "money_summary__roi_percent",
    "money_summary__payback_months",
    "money_summary__npv",
)
_OWN = (
    "money_summary__one_time_cost",
    "money_summary__initiative_horizon_months",
    "money_summary__initiative_discount_rate",
)


def ranked_initiatives(
    *, initiatives: QuerySet[Initiative], sort: str = DEFAULT_MONEY_SORT, descending: bool | None = None
) -> list[RankedInitiative]:
    """``initiatives`` ranked by one money figure, as ``money.portfolio_ranking`` ranks them.

    ``descending`` defaults to the figure's natural direction (ROI highest first, payback soonest
    first). Ties and rows without the figure are ordered by code. Two queries when every summary
    is current, three when some initiative sets its own horizon or rate, whatever the count.
    """
    return _ranking(initiatives, sort=sort, descending=descending).rows


def portfolio_ranking_kept(
    *,
    initiatives: QuerySet[Initiative],
    sort: str = DEFAULT_MONEY_SORT,
    descending: bool | None = None,
    today: dt.date | None = None,
) -> PortfolioRanking:
    """``ranked_initiatives`` and the money of ``initiatives`` as one investment
    (``money.portfolio_money``'s figures): the sums of the summaries read with the ranking, their
    month lines in one more query grouped by month."""
    return _ranking(initiatives, sort=sort, descending=descending, today=today or timezone.localdate())


def _ranking(
    initiatives: QuerySet[Initiative], *, sort: str, descending: bool | None, today: dt.date | None = None
) -> PortfolioRanking:
    """The ranking, and the money when ``today`` is given (else ``money`` is None)."""
    figure, natural = MONEY_SORTS[sort]
    descending = natural if descending is None else descending
    heal_money_summaries(initiatives)
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    summed = [f"money_summary__{name}" for name in SUMMED_FIELDS] if today is not None else []
    rows, codes, own, sums = [], {}, {}, []
    for pk, code, one_time, own_horizon, own_rate, *values in initiatives.order_by().values_list(
        "pk", "code", *_OWN, *_FIGURES, *summed
    ):
        codes[pk] = code
        if (own_horizon or horizon) != horizon or (own_rate is not None and own_rate != rate):
            own[pk] = one_time
        else:
            cost, benefit, roi, payback, npv = values[: len(_FIGURES)]
            rows.append(RankedInitiative(pk, cost, benefit, benefit - cost, roi, payback, npv))
        if summed:
            sums.append(values[len(_FIGURES) :])
    if own:
        rows += _organisation_figures(own, horizon=horizon, rate=rate)
    rows.sort(key=lambda r: codes[r.pk])
    # Stable sorts: by code, then by the figure, then those without it to the end.
    rows.sort(key=lambda r: getattr(r, figure) or 0.0, reverse=descending)
    rows.sort(key=lambda r: getattr(r, figure) is None)
    if today is None:
        return PortfolioRanking(money=None, rows=rows)
    scalars = np.array(sums, dtype=float).reshape(-1, len(SUMMED_FIELDS)).sum(axis=0)
    return PortfolioRanking(money=summed_money(scalars, *_month_lines(initiatives, today=today)), rows=rows)


def _month_lines(initiatives: QuerySet[Initiative], *, today: dt.date) -> tuple[np.ndarray, float]:
    """The summed month lines of ``initiatives`` (2 × horizon: recurring costs, benefits) and their
    benefit to date, from the summaries' months: one query grouped by month."""
    horizon = settings.PDCA_ROI_HORIZON_MONTHS
    lines, to_date = np.zeros((2, horizon)), 0.0
    done = Case(
        When(complete_on__lte=today, then=F("benefit")), default=Value(0.0), output_field=FloatField()
    )
    for month, cost, benefit, done_benefit in (
        InitiativeMoneyMonth.objects.filter(
            initiative__in=initiatives.order_by().values("pk"), month__lte=horizon
        )
        .order_by()
        .values_list("month")
        .annotate(cost=Sum("recurring_cost"), benefit_sum=Sum("benefit"), to_date=Sum(done))
    ):
        lines[:, month - 1] = (cost, benefit)
        to_date += done_benefit
    return lines, to_date


def _organisation_figures(one_time: dict[int, float], *, horizon: int, rate: float) -> list[RankedInitiative]:
    """The figures over the organisation's horizon and rate of initiatives whose summary keeps their
    own: from the summary's month lines (the organisation's), by ``roi_portfolio.ranking_of``."""
    ids = sorted(one_time)
    row_of = {pk: row for row, pk in enumerate(ids)}
    recurring, benefits = np.zeros((len(ids), horizon)), np.zeros((len(ids), horizon))
    for pk, month, cost, benefit in InitiativeMoneyMonth.objects.filter(
        initiative_id__in=ids, month__lte=horizon
    ).values_list("initiative_id", "month", "recurring_cost", "benefit"):
        recurring[row_of[pk], month - 1], benefits[row_of[pk], month - 1] = cost, benefit
    ranked = roi_portfolio.ranking_of(
        np.array([one_time[pk] for pk in ids], dtype=float),
        recurring,
        benefits,
        horizon=horizon,
        annual_rate=rate,
    )
    return ranked_rows(ids, ranked)
