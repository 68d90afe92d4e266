"""What an experiment data write leaves per variant must stay within the bounds of ``kpis.stats``.

Each row is checked on its own by ``experiment_data``; rows add up (days of one variant, uploads in
``mode=add``), so the totals they make are checked too, before the write commits. Otherwise a later
read-out would analyse counts beyond 64 bits or sums whose squares are not finite.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import BigIntegerField
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from improvement.models import MetricType, Variant, VariantData
from kpis.stats import aggregates as agg

# Counts are stored in 64-bit columns; a bigger one must be refused here, not fail in the INSERT.
MAX_COUNT = BigIntegerField.MAX_BIGINT
# The pre-period totals of CUPED: Σx, Σx², Σxy.
PRE_FIELDS = ("pre_sum", "pre_sum_squares", "sum_product")
# Translators: keep {field} first, then a space (the message is filed under its first word).
MSG_COUNT_TOO_BIG = gettext_noop("{field} must be at most {limit}.")
MSG_TOTALS_OUT_OF_RANGE = gettext_noop("With this data, variant {key!r}'s totals are out of range: {error}")


def stored_totals(variants: Sequence[Variant]) -> dict[str, dict[str, Any]]:
    """Each variant's summed rows, added in Python: a database SUM of 64-bit counts can overflow."""
    fields = ("users", "conversions", "sum", "sum_squares", *PRE_FIELDS)
    totals = {v.key: dict.fromkeys(fields, 0) for v in variants}
    keys = {v.pk: v.key for v in variants}
    rows = VariantData.objects.filter(variant__in=variants).values_list("variant", *fields)
    for variant, *values in rows:
        row = totals[keys[variant]]
        for field, value in zip(fields, values, strict=True):
            # A pre-period total is None as soon as one row lacks it.
            row[field] = None if value is None or row[field] is None else row[field] + value
    return totals


def check_totals(totals: Mapping[str, Mapping[str, Any]], *, metric: str, field: str) -> None:
    """The totals a write leaves per variant must themselves be valid aggregates (within the bounds
    of kpis.stats), or a later read-out would have to analyse numbers that are not finite."""
    for key, row in totals.items():
        try:
            for count in ("users", "conversions"):
                if row[count] > MAX_COUNT:
                    raise ValueError(_(MSG_COUNT_TOO_BIG).format(field=count, limit=MAX_COUNT))
            if metric == MetricType.PROPORTION:
                agg.ProportionAggregate(int(row["users"]), int(row["conversions"]))
            elif all(row.get(field) is not None for field in PRE_FIELDS):
                agg.CupedAggregate(
                    int(row["users"]),
                    float(row["sum"]),
                    float(row["sum_squares"]),
                    *map(float, (row[f] for f in PRE_FIELDS)),
                )
            else:
                agg.MeanAggregate(int(row["users"]), float(row["sum"]), float(row["sum_squares"]))
        except (ValueError, OverflowError) as exc:
            raise ValidationError({field: _(MSG_TOTALS_OUT_OF_RANGE).format(key=key, error=exc)}) from None
