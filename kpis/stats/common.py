"""Shared helpers: JSON-ready result dataclasses and input checks."""

import dataclasses
import math
import sys
from typing import Any

MSG_NOT_FINITE = "{name} must be a finite number, not {value!r}."
MSG_ALPHA = "alpha must lie strictly between 0 and 1."
MSG_POWER = "power must lie strictly between 0 and 1."
# Weights set shares of traffic: beyond this spread one arm gets (next to) nothing, and the shares
# themselves underflow for subnormal or overflow for huge weights.
MAX_WEIGHT_RATIO = 1e6
MSG_WEIGHT_RATIO = "Allocation weights must be within a factor of 1,000,000 of each other."


def _plain(value: Any) -> Any:
    # Field by field rather than dataclasses.asdict, whose deep copy of every float is most of the
    # cost of serialising a read-out with dozens of comparisons.
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class Result:
    """Mixin for frozen result dataclasses: ``as_dict()`` gives JSON-ready dicts, lists and scalars.

    Results never hold NaN or infinity: an undefined number is ``None`` and a warning says why.
    """

    def as_dict(self) -> dict[str, Any]:
        return _plain(self)

    # The KPI-target service stores ``to_dict()``; both spellings are the same thing.
    to_dict = as_dict


def finite(value: float, *, name: str) -> float:
    """The value as a float, or ValueError when it is NaN, infinite or not a number."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(MSG_NOT_FINITE.format(name=name, value=value)) from None
    if not math.isfinite(number):
        raise ValueError(MSG_NOT_FINITE.format(name=name, value=value))
    return number


def check_alpha(alpha: float) -> float:
    alpha = finite(alpha, name="alpha")
    if not 0 < alpha < 1:
        raise ValueError(MSG_ALPHA)
    return alpha


def check_power(power: float) -> float:
    power = finite(power, name="power")
    if not 0 < power < 1:
        raise ValueError(MSG_POWER)
    return power


def check_weight_spread(weights) -> None:
    """ValueError unless the largest positive weight is at most MAX_WEIGHT_RATIO times the smallest."""
    if max(weights) > MAX_WEIGHT_RATIO * min(weights) or min(weights) < sys.float_info.min:
        raise ValueError(MSG_WEIGHT_RATIO)


def defined(value: float | None) -> float | None:
    """A float result, or None when the computation left NaN or infinity behind."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def welch_df(vn_1: float, vn_2: float, n_1: int, n_2: int) -> float:
    """Welch–Satterthwaite df (vn₁ + vn₂)² / (vn₁²/(n₁−1) + vn₂²/(n₂−1)), with vnᵢ = sᵢ²/nᵢ.

    Written with the shares of the total variance so that tiny variances cannot underflow to 0/0.
    """
    share_1, share_2 = vn_1 / (vn_1 + vn_2), vn_2 / (vn_1 + vn_2)
    return 1 / (share_1 * share_1 / (n_1 - 1) + share_2 * share_2 / (n_2 - 1))
