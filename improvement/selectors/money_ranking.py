"""The money table's ranking and the portfolio's money, from the summaries kept on write.

``money.portfolio_ranking`` computes both from the money rows themselves (four queries over every
cost, benefit line, valued target and forecast, then the month arithmetic per initiative): the
reference these are tested against, and what the CSV export still builds, since it shows figures a
summary does not keep. Here the database orders the initiatives by their ``InitiativeMoney`` rows
and answers the page asked for; the portfolio's money is the summaries' sums, added up by the
database, and their month lines grouped by month.

The figures ranked are over the organisation's horizon at its discount rate. A summary keeps an
initiative's headline figures over its *own* horizon and rate: for the few initiatives that set
either, the figures are computed from the summary's month lines, which are the organisation's.
"""

import bisect
import datetime as dt
import heapq
import itertools
from collections.abc import Sequence

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Collate
from django.utils import timezone

from common.revision_cache import revision_new
from improvement import roi_portfolio
from improvement.models import Initiative, InitiativeMoneyMonth
from improvement.selectors.money import (
    DEFAULT_MONEY_SORT,
    MONEY_SORTS,
    PortfolioRanking,
    RankedInitiative,
    ranked_rows,
)
from improvement.selectors.portfolio_rollup import (
    MONEY_SUMMARIES_CHECKED,
    SUMMED_FIELDS,
    heal_money_summaries,
    summed_money,
)

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
    *,
    initiatives: QuerySet[Initiative],
    sort: str = DEFAULT_MONEY_SORT,
    descending: bool | None = None,
    count: int | None = None,
    healed: bool = False,
) -> "KeptRanking":
    """``initiatives`` ranked by one money figure, as ``money.portfolio_ranking`` ranks them.

    ``descending`` defaults to the figure's natural direction (ROI highest first, payback soonest
    first). Ties and rows without the figure are ordered by code. A sequence read a slice at a time:
    the database orders the summaries and answers the rows of the slice asked for, so a page costs
    the same whatever the number of initiatives.

    A caller that already knows how many ``initiatives`` there are passes ``count``; one that has
    just had their summaries made current (``heal_money_summaries``, as ``portfolio_summary``
    does) passes ``healed``: each spares a query over every initiative.
    """
    return KeptRanking(initiatives, sort=sort, descending=descending, count=count, healed=healed)


def portfolio_ranking_kept(
    *,
    initiatives: QuerySet[Initiative],
    sort: str = DEFAULT_MONEY_SORT,
    descending: bool | None = None,
    today: dt.date | None = None,
) -> PortfolioRanking:
    """``ranked_initiatives`` and the money of ``initiatives`` as one investment
    (``money.portfolio_money``'s figures): the summaries' sums added up by the database, their
    month lines in one more query grouped by month."""
    rows = KeptRanking(initiatives, sort=sort, descending=descending)
    fields = [f"money_summary__{name}" for name in SUMMED_FIELDS]
    sums = initiatives.order_by().aggregate(**{name: Sum(name) for name in fields})
    scalars = np.array([sums[name] or 0.0 for name in fields], dtype=float)
    lines = _month_lines(initiatives, today=today or timezone.localdate())
    return PortfolioRanking(money=summed_money(scalars, *lines), rows=rows)


class KeptRanking(Sequence):
    """The ranking of ``initiatives`` from their summaries, read a slice at a time.

    The summaries at the organisation's horizon and rate (nearly all) are ordered by the database:
    the figure, rows without it last, then the code in code-point order (``COLLATE "C"`` on
    PostgreSQL, SQLite's binary order), exactly as ``money.portfolio_ranking`` sorts. The few whose
    summary keeps an initiative's own horizon or rate are computed over the organisation's from their
    month lines (``roi_portfolio.ranking_of``) and merged in.
    """

    def __init__(
        self,
        initiatives: QuerySet[Initiative],
        *,
        sort: str,
        descending: bool | None,
        count: int | None = None,
        healed: bool = False,
    ):
        figure, natural = MONEY_SORTS[sort]
        self._figure = figure
        self._descending = natural if descending is None else descending
        self._healed = healed
        if not healed:
            heal_money_summaries(initiatives)
        self._initiatives = initiatives
        self._count = count
        self._read_summaries()

    def _read_summaries(self) -> None:
        initiatives = self._initiatives
        horizon, rate = settings.PDCA_ROI_HORIZON_MONTHS, settings.PDCA_DISCOUNT_RATE
        organisations = (
            Q(money_summary__initiative_horizon_months=None)
            | Q(money_summary__initiative_horizon_months=horizon)
            | Q(money_summary__initiative_horizon_months=0)
        ) & (
            Q(money_summary__initiative_discount_rate=None) | Q(money_summary__initiative_discount_rate=rate)
        )
        # Every initiative has a summary once healed: an inner join, which PostgreSQL can walk from
        # the summaries' index of the figure sorted by (migration 0025) and stop at the page's rows.
        self._ordinary = initiatives.order_by().filter(organisations & Q(money_summary__isnull=False))
        own, codes = {}, {}
        set_own = Q(money_summary__initiative_horizon_months__isnull=False) | Q(
            money_summary__initiative_discount_rate__isnull=False
        )
        for pk, code, one_time, own_horizon, own_rate in (
            initiatives.order_by().filter(set_own).values_list("pk", "code", *_OWN)
        ):
            # Not ``organisations``: a horizon or rate of its own that is not the organisation's.
            if (own_horizon or horizon) != horizon or (own_rate is not None and own_rate != rate):
                own[pk], codes[pk] = one_time, code
        # (sort key, row), in the ranking's order.
        rows = _organisation_figures(own, horizon=horizon, rate=rate) if own else []
        self._own = sorted(
            ((self._key(getattr(row, self._figure), codes[row.pk]), row) for row in rows),
            key=lambda pair: pair[0],
        )

    def _key(self, value: float | None, code: str) -> tuple:
        if value is None:
            return (True, 0.0, code)
        return (False, -value if self._descending else value, code)

    def count(self) -> int:
        # The ordinary rows and the own ones split the initiatives (a summary per initiative at most):
        # their number is the initiatives', counted without joining every summary (bench/: 77 ms at
        # 100,000 initiatives).
        if self._count is None:
            self._count = self._initiatives.order_by().count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __iter__(self):
        return iter(self[:])

    def __getitem__(self, index):
        if isinstance(index, int):
            position = index + self.count() if index < 0 else index
            if not 0 <= position < self.count():
                raise IndexError(index)
            return self[position : position + 1][0]
        start, stop, step = index.indices(self.count())
        if step != 1:
            return self[:][index]
        if stop <= start:
            return []
        found = self._slice(start, stop)
        if len(found) < stop - start and self._healed:
            # Fewer rows than initiatives: a summary went missing past the models since the whole
            # portfolio was last checked. These are checked now, and the whole portfolio next time.
            heal_money_summaries(self._initiatives)
            revision_new(MONEY_SUMMARIES_CHECKED)
            self._read_summaries()
            found = self._slice(start, stop)
        return found

    def _slice(self, start: int, stop: int) -> list[RankedInitiative]:
        if not self._own:
            return [row for _, row in self._rows(offset=start, limit=stop - start)]
        # The own rows are few (m of them): at most m of them come before the slice, so the ordinary
        # rows from ``start - m`` on are enough. The first one read tells how many own rows come
        # before it, hence its place in the whole ranking.
        offset = max(0, start - len(self._own))
        ordinary = self._rows(offset=offset, limit=stop - offset)
        if offset and not ordinary:  # past the ordinary rows: only own rows are left
            offset, ordinary = 0, self._rows(offset=0, limit=stop)
        before = bisect.bisect_left([key for key, _ in self._own], ordinary[0][0]) if offset else 0
        place = offset + before  # the ranking's position of the merge's first row
        merged = heapq.merge(self._own[before:], ordinary, key=lambda pair: pair[0])
        return [row for _, row in itertools.islice(merged, start - place, stop - place)]

    def _rows(self, offset: int, limit: int) -> list[tuple[tuple, RankedInitiative]]:
        """(sort key, row) of the ordinary rows ``offset`` to ``offset + limit``."""
        figure = F("net") if self._figure == "net_benefit" else F(f"money_summary__{self._figure}")
        order = figure.desc(nulls_last=True) if self._descending else figure.asc(nulls_last=True)
        by_code = Collate("code", "C" if connection.vendor == "postgresql" else "BINARY")
        rows = (
            self._ordinary.annotate(net=F("money_summary__total_benefit") - F("money_summary__total_cost"))
            .order_by(order, by_code)
            .values_list("pk", "code", *_FIGURES)[offset : offset + limit]
        )
        ranked = [
            (code, RankedInitiative(pk, cost, benefit, benefit - cost, roi, payback, npv))
            for pk, code, cost, benefit, roi, payback, npv in rows
        ]
        return [(self._key(getattr(row, self._figure), code), row) for code, row in ranked]


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
