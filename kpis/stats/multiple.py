"""Multiple comparisons: Holm's step-down adjustment (checked against statsmodels ``multipletests``)."""

from collections.abc import Sequence


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm's step-down adjusted p-values; ``None`` entries stay ``None`` and are not in the family.

    Sorted ascending, the i-th (1-based) of m becomes max over j ≤ i of min(1, (m − j + 1) p_(j)).
    """
    order = sorted((p, index) for index, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, (p, index) in enumerate(order):
        running = max(running, min(1.0, (len(order) - rank) * p))
        adjusted[index] = running
    return adjusted
