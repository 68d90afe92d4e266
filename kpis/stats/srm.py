"""Sample-ratio mismatch: are the users split the way the allocation weights say they should be?"""

from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from kpis.stats.common import Result, defined

# A mismatch this unlikely under the planned split means the assignment or the logging is broken,
# and no effect estimate from the experiment can be trusted.
SRM_THRESHOLD = 0.001

MSG_SRM_LENGTHS = "Give one weight per variant."


@dataclass(frozen=True)
class Srm(Result):
    """Sample-ratio mismatch: chi-square goodness of fit of users per variant against the weights."""

    chi_square: float | None
    p_value: float | None
    detected: bool | None


def srm_test(users: Sequence[int], weights: Sequence[float]) -> Srm:
    """Pearson's chi-square of the observed users against ``total × weight / Σweights``, k − 1 df."""
    if len(users) != len(weights):
        raise ValueError(MSG_SRM_LENGTHS)
    total = sum(users)
    if total == 0:
        return Srm(chi_square=None, p_value=None, detected=None)
    weight_total = sum(weights)
    expected = [total * weight / weight_total for weight in weights]
    try:
        chi_square = defined(sum((o - e) ** 2 / e for o, e in zip(users, expected, strict=True)))
    except (ZeroDivisionError, OverflowError):
        # Weights so uneven that an expected count underflows to 0 (or overflows): no test.
        chi_square = None
    if chi_square is None:
        return Srm(chi_square=None, p_value=None, detected=None)
    p_value = float(stats.chi2.sf(chi_square, len(users) - 1))
    return Srm(chi_square=chi_square, p_value=p_value, detected=p_value < SRM_THRESHOLD)
