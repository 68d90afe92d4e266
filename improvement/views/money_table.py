"""What the money tables (the portfolio's ranking, the initiative list) share: rows and sort links."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext

from improvement import roi
from improvement.models import Initiative
from improvement.roi_range import RoiRange
from improvement.selectors.money import MONEY_SORTS, RankedInitiative
from improvement.selectors.money_range import initiative_roi_ranges


@dataclass(frozen=True)
class MoneyRow:
    initiative: Initiative
    figures: RankedInitiative
    rank: int
    # The money at the ends of the experiment's interval (None: no evidence to value).
    roi_range: RoiRange | None = None

    @property
    def payback_status(self) -> str | None:
        """Where the row's payback stands against its initiative's payback target."""
        return roi.payback_status(
            self.figures.payback_months,
            target=self.initiative.payback_target,
            has_benefit=self.figures.has_benefit,
        )

    @property
    def payback_status_label(self) -> str:
        label = roi.PAYBACK_STATUSES.get(self.payback_status or "", "")
        return gettext(label) if label else ""


def money_rows(
    initiatives: QuerySet[Initiative],
    ranked: list[RankedInitiative],
    *,
    first_rank: int = 1,
    with_ranges: bool = False,
) -> list[MoneyRow]:
    """The initiatives of ``ranked`` (one query, whatever their number), in the ranking's order;
    ``with_ranges`` adds their ROI ranges (two more queries, and the read-outs of the experiments
    that give a range)."""
    by_pk = initiatives.in_bulk([row.pk for row in ranked])
    ranges = initiative_roi_ranges(initiatives=list(by_pk.values())) if with_ranges else {}
    return [
        MoneyRow(by_pk[row.pk], row, first_rank + n, ranges.get(row.pk))
        for n, row in enumerate(ranked)
        if row.pk in by_pk
    ]


def sort_headers(
    query: QueryDict, columns: list[tuple[str, str]], *, key: str | None, descending: bool, anchor: str = ""
) -> list[dict]:
    """Each sortable column's link: the other direction when it is the current order, else its
    natural one (ROI highest first, payback soonest first); ``sort`` names the current column's
    direction for ``aria-sort``."""
    headers = []
    for column, label in columns:
        natural = MONEY_SORTS[column][1]
        current = column == key
        linked = query.copy()
        linked.pop("page", None)
        linked["sort"] = f"{column}_{'asc' if (descending if current else not natural) else 'desc'}"
        headers.append(
            {
                "key": column,
                "label": label,
                "url": "?" + linked.urlencode() + anchor,
                "sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return headers
