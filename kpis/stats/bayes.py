"""Bayesian read-out of an effect with a normal posterior N(mean, sd²), as from a flat prior."""

import math
from dataclasses import dataclass

from scipy import special

from kpis.stats.common import Result


@dataclass(frozen=True)
class Risk(Result):
    """Expected relative loss of shipping the control (``control``) or the treatment (``treatment``)."""

    control: float
    treatment: float


def chance_to_beat(mean: float, sd: float) -> float:
    """P(effect > 0) under the normal posterior N(mean, sd²) (flat prior)."""
    return float(special.ndtr(mean / sd))


def credible_interval(mean: float, sd: float, alpha: float) -> list[float]:
    """The central 1 − α credible interval of N(mean, sd²): mean ± z_{1−α/2} · sd (flat prior)."""
    half = -float(special.ndtri(alpha / 2)) * sd
    return [mean - half, mean + half]


def risk(mean: float, sd: float) -> Risk:
    """E[max(effect, 0)] (lost by keeping the control) and E[max(−effect, 0)] (lost by shipping).

    For X ~ N(μ, σ²): E[max(X, 0)] = σ φ(μ/σ) + μ Φ(μ/σ) and E[max(−X, 0)] = σ φ(μ/σ) − μ Φ(−μ/σ).
    """
    z = mean / sd
    # scipy.special's Φ and a plain φ: the same numbers as scipy.stats.norm without its overhead.
    density = sd * math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    # Both are positive in exact arithmetic; far in a tail, rounding can leave a hair below zero.
    return Risk(
        control=max(float(density + mean * special.ndtr(z)), 0.0),
        treatment=max(float(density - mean * special.ndtr(-z)), 0.0),
    )
