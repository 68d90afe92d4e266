"""Progress of a KPI target. Pure: no Django imports.

progress = (current − baseline) / (target − baseline)

The same formula serves both directions: for a lower-is-better KPI the target lies below the
baseline, so numerator and denominator are both negative while the value improves. 0 means the
baseline, 1 the target; values below 0 mean the KPI got worse, above 1 that it beat the target.
``clamped_progress`` bounds the figure to 0…1 for bars and roll-ups.
"""

import math


def target_is_improvement(*, baseline: float, target: float, higher_is_better: bool) -> bool:
    return target > baseline if higher_is_better else target < baseline


def progress(*, baseline: float, target: float, current: float | None) -> float | None:
    if current is None or target == baseline:
        return None
    value = (current - baseline) / (target - baseline)
    return value if math.isfinite(value) else None


# A target is on target once its progress reaches 1: the dashboard's "KPIs on target" and the
# break-point analysis's on-target rate both count this.
ON_TARGET_PROGRESS = 1.0


def is_on_target(value: float | None) -> bool:
    return value is not None and value >= ON_TARGET_PROGRESS


# A target's class by its progress, as the dashboard counts them.
KPI_MET, KPI_IMPROVING, KPI_OFF, KPI_NO_DATA = "met", "improving", "off", "no_data"


def kpi_state(value: float | None) -> str:
    """On target (progress ≥ 1), improving (> 0), off target, or no data yet (no progress)."""
    if value is None:
        return KPI_NO_DATA
    if is_on_target(value):
        return KPI_MET
    return KPI_IMPROVING if value > 0 else KPI_OFF


def clamped_progress(value: float | None) -> float | None:
    return None if value is None else min(1.0, max(0.0, value))


def improvement_amount(*, baseline: float, current: float | None, higher_is_better: bool) -> float | None:
    """How far the KPI moved in its good direction (negative when it got worse)."""
    if current is None:
        return None
    return current - baseline if higher_is_better else baseline - current
