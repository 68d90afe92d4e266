"""Survey-derived KPI values from raw score distributions. Pure: no Django imports.

A distribution is either an iterable of individual scores or a mapping ``{score: count}``.

- NPS: % of promoters (9–10) minus % of detractors (0–6) on a 0–10 scale; range −100..100.
- CSAT: share of satisfied answers (4–5) on a 1–5 scale, in percent.
- CES: mean effort score on a 1–7 scale (lower effort is better).
"""

import math
from collections import Counter
from collections.abc import Iterable, Mapping

NPS_SCALE = range(11)
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
CSAT_SCALE = range(1, 6)
CSAT_SATISFIED_MIN = 4
CES_SCALE = range(1, 8)

MSG_EMPTY = "No survey answers: the score is undefined, not zero."
MSG_OUT_OF_SCALE = "Score {score} is outside the {name} scale {low}–{high}."
MSG_BAD_COUNT = "Count for score {score} must be a non-negative whole number."


def _counts(scores: Iterable[int] | Mapping[int, int], *, scale: range, name: str) -> Counter:
    if isinstance(scores, Mapping):
        counts = Counter()
        for score, count in scores.items():
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ValueError(MSG_BAD_COUNT.format(score=score))
            counts[score] += count
    else:
        counts = Counter(scores)
    for score in counts:
        if isinstance(score, float) and (math.isnan(score) or not float(score).is_integer()):
            raise ValueError(MSG_OUT_OF_SCALE.format(score=score, name=name, low=scale[0], high=scale[-1]))
        if score not in scale:
            raise ValueError(MSG_OUT_OF_SCALE.format(score=score, name=name, low=scale[0], high=scale[-1]))
    if sum(counts.values()) == 0:
        raise ValueError(MSG_EMPTY)
    return counts


def nps(scores: Iterable[int] | Mapping[int, int]) -> float:
    counts = _counts(scores, scale=NPS_SCALE, name="NPS")
    total = sum(counts.values())
    promoters = sum(c for s, c in counts.items() if s >= NPS_PROMOTER_MIN)
    detractors = sum(c for s, c in counts.items() if s <= NPS_DETRACTOR_MAX)
    return 100.0 * (promoters - detractors) / total


def csat(scores: Iterable[int] | Mapping[int, int]) -> float:
    counts = _counts(scores, scale=CSAT_SCALE, name="CSAT")
    total = sum(counts.values())
    satisfied = sum(c for s, c in counts.items() if s >= CSAT_SATISFIED_MIN)
    return 100.0 * satisfied / total


def ces(scores: Iterable[int] | Mapping[int, int]) -> float:
    counts = _counts(scores, scale=CES_SCALE, name="CES")
    total = sum(counts.values())
    return sum(s * c for s, c in counts.items()) / total


def sample_size(scores: Iterable[int] | Mapping[int, int]) -> int:
    if isinstance(scores, Mapping):
        return sum(scores.values())
    return sum(1 for _ in scores)
