"""The money table's ranking and the portfolio's money, from the summaries kept on write.

``money.portfolio_ranking`` computes both from the money rows themselves (four queries over every
cost, benefit line, valued target and forecast, then the month arithmetic per initiative): the
reference these are tested against, and what the CSV export still builds, since it shows figures a
summary does not keep. Here an initiative's figures are read from its ``InitiativeMoney`` row:
one query for the whole portfolio (``portfolio_rollup`` adds up the portfolio's money the same way).

The figures ranked are over the organisation's horizon at its discount rate. A summary keeps an
initiative's headline figures over its *own* horizon and rate: for the few initiatives that set
either, the figures are computed from the summary's month lines, which are the organisation's.
"""

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from improvement import roi_portfolio
from improvement.models import Initiative, InitiativeMoneyMonth
from improvement.selectors.money import DEFAULT_MONEY_SORT, MONEY_SORTS, RankedInitiative, ranked_rows
from improvement.selectors.portfolio_rollup import heal_money_summaries

_FIGURES = (
    "money_summary__total_cost",
    "money_summary__total_benefit",
    "money_summary__roi_percent",
    "money_summary__payback_months",
    "money_summary__npv",
)


def ranked_initiatives(
    *, initiatives: QuerySet[Initiative], sort: str = DEFAULT_MONEY_SORT, descending: bool | None = None
) -> list[RankedInitiative]:
    """``initiatives`` ranked by one money figure, as ``money.portfolio_ranking`` ranks them.

    ``descending`` defaults to the figure's natural direction (ROI highest first, payback soonest
    first). Ties and rows without the figure are ordered by code. Two queries when every summary
    is current, three when some initiative sets its own horizon or rate, whatever the count.
    """
    figure, natural = MONEY_SORTS[sort]
    descending = natural if descending is None else descending
    heal_money_summaries(initiatives)
    horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
    rows, codes, own = [], {}, {}
    read = (
        "pk",
        "code",
        "money_summary__one_time_cost",
        "money_summary__initiative_horizon_months",
        "money_summary__initiative_discount_rate",
        *_FIGURES,
    )
    for pk, code, one_time, own_horizon, own_rate, *figures in initiatives.order_by().values_list(*read):
        codes[pk] = code
        if (own_horizon or horizon) != horizon or (own_rate is not None and own_rate != rate):
            own[pk] = one_time
        else:
            cost, benefit, roi, payback, npv = figures
            rows.append(RankedInitiative(pk, cost, benefit, benefit - cost, roi, payback, npv))
    if own:
        rows += _organisation_figures(own, horizon=horizon, rate=rate)
    rows.sort(key=lambda r: codes[r.pk])
    # Stable sorts: by code, then by the figure, then those without it to the end.
    rows.sort(key=lambda r: getattr(r, figure) or 0.0, reverse=descending)
    rows.sort(key=lambda r: getattr(r, figure) is None)
    return rows


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
