"""Always-valid confidence sequences, so that looking at the results every day does not inflate
false positives.

The two-sided mixture confidence sequence of Waudby-Smith et al. (2023, arXiv:2103.06476v7,
eq. 9 and 161), as GrowthBook's stats engine applies it to an A/B comparison: the effect estimate Δ
with standard error SE over n = n_t + n_c users is treated as the running mean of n observations
with per-observation variance s² = SE²·n. N* (the tuning parameter) is the total sample size at
which the sequence is narrowest. Formulas in ``docs/statistics.md`` §2.
"""

import math
from dataclasses import dataclass

from kpis.stats.common import Result, check_alpha, finite

DEFAULT_TUNING = 5000.0
MSG_TUNING = "sequential_tuning (N*) must be a number of users greater than 0."
# N* past this is a fixed-horizon design in all but name (ρ² below 10⁻¹²).
MAX_TUNING = 1e12


def check_tuning(value: float) -> float:
    number = finite(value, name="sequential_tuning")
    if not 0 < number <= MAX_TUNING:
        raise ValueError(MSG_TUNING)
    return number


def sequential_rho(alpha: float, tuning: float) -> float:
    """ρ = √( (−2 ln α + ln(−2 ln α + 1)) / N* )."""
    alpha, tuning = check_alpha(alpha), check_tuning(tuning)
    log_alpha = math.log(alpha)
    return math.sqrt((-2 * log_alpha + math.log(-2 * log_alpha + 1)) / tuning)


def sequential_halfwidth(*, se: float, n: int, tuning: float, alpha: float) -> float | None:
    """Half-width of the confidence sequence for an estimate with standard error ``se`` over ``n`` users.

    √s² · √( 2(nρ² + 1) / (n²ρ²) · ln(√(nρ² + 1) / α) ) with s² = se²·n, written as
    se · √( 2(nρ² + 1)/(nρ²) · ln(√(nρ² + 1)/α) ) so that s² is never formed (no overflow).
    None when se is not a positive finite number or n < 1.
    """
    if not (se > 0 and math.isfinite(se)) or n < 1:
        return None
    rho = sequential_rho(alpha, tuning)
    scale = n * rho * rho
    width = se * math.sqrt(2 * (scale + 1) / scale * (0.5 * math.log1p(scale) - math.log(alpha)))
    return width if math.isfinite(width) else None


def sequential_p_value(*, effect: float, se: float, n: int, tuning: float, alpha: float) -> float | None:
    """The always-valid p-value: 1 / the mixture e-value, capped at 1 (Waudby-Smith et al., eq. 155).

    e = exp( ρ² S / (2(nρ² + 1)) ) / √(nρ² + 1),  S = n·(Δ/se)²,  p = min(1, 1/e).
    Computed as exp(−ln e), so a huge e-value gives 0 and not an overflow. p < α exactly when the
    interval Δ ± halfwidth (same α and N*) excludes 0: the two are the same statement.
    """
    if not (se > 0 and math.isfinite(se)) or n < 1 or not math.isfinite(effect):
        return None
    rho = sequential_rho(alpha, tuning)
    scale = n * rho * rho
    z = effect / se
    log_e = rho * rho * n * z * z / (2 * (scale + 1)) - 0.5 * math.log1p(scale)
    if math.isnan(log_e):
        return None
    return min(1.0, math.exp(-log_e)) if log_e > -math.inf else 1.0


def sequential_interval(
    *, effect: float | None, se: float | None, n: int, tuning: float, alpha: float
) -> list[float] | None:
    if effect is None or se is None:
        return None
    width = sequential_halfwidth(se=se, n=n, tuning=tuning, alpha=alpha)
    if width is None:
        return None
    return [effect - width, effect + width]


@dataclass(frozen=True)
class SequentialResult(Result):
    """The confidence sequences and always-valid p-values of one comparison."""

    ci: list[float] | None
    relative_ci: list[float] | None
    p_value: float | None
    relative_p_value: float | None


def sequential_result(
    *,
    absolute_effect: float | None,
    absolute_se: float | None,
    relative_effect: float | None,
    relative_se: float | None,
    n: int,
    tuning: float,
    alpha: float,
) -> SequentialResult:
    """Both effects' sequences over n = n_t + n_c users; None where the fixed-horizon SE is None."""
    common = {"n": n, "tuning": tuning, "alpha": alpha}
    p_abs = p_rel = None
    if absolute_effect is not None and absolute_se:
        p_abs = sequential_p_value(effect=absolute_effect, se=absolute_se, **common)
    if relative_effect is not None and relative_se:
        p_rel = sequential_p_value(effect=relative_effect, se=relative_se, **common)
    return SequentialResult(
        ci=sequential_interval(effect=absolute_effect, se=absolute_se, **common),
        relative_ci=sequential_interval(effect=relative_effect, se=relative_se, **common),
        p_value=p_abs,
        relative_p_value=p_rel,
    )
